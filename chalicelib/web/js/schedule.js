// The schedule page: the festival's days, the agenda and the grid, My plan, search,
// changes since the last visit, set links, and use with no signal.
//
// The page arrives carrying the festival's days and the sets of the day it opens at
// (#festival-data), and this module with the few it imports draws them: the first sets
// are on screen without an API round trip. The page's other parts (the grid and the
// strip, My plan, search, changes, offline) are imported once they are, and the other
// days are read then.

import { $, base, el, reducedMotion } from "./dom.js";
import { clockMinutes, festivalNow } from "./time.js";
import { clock, dayLabel, onLanguage, parts as said, t, translatePage, wireLanguageMenu } from "./i18n.js";
import { api, festivalDay, loadAll, loadDay, notice, on, picks, showError, state, store } from "./state.js";
import {
  markAgendaMoment, renderAgenda, renderStageChoices, scrollAgendaToMoment, showDetails, toggle, wireAgenda,
} from "./agenda.js";

/* ---- the parts imported after the first sets are drawn ---- */

const parts = {};
let partsLoading = null;
function loadParts() {
  partsLoading ||= Promise.all([
    import("./timetable.js"), import("./plan.js"), import("./search.js"), import("./changes.js"), import("./offline.js"),
    import("./live.js"),
  ]).then(([timetable, plan, search, changes, offline, live]) => {
    Object.assign(parts, { timetable, plan, search, changes, offline, live });
    search.wireSearch();
    return parts;
  });
  return partsLoading;
}

// Picks, clashes or changes moved: every view follows.
function showPicks() {
  $("unsaved").hidden = picks.saved;
  if (state.layout === "agenda") renderAgenda();
  if (parts.plan) { parts.timetable.renderMarks(); parts.plan.renderPlan(); }
}

/* ---- views: the agenda or the grid, or My plan ---- */

// The agenda on narrow screens, the grid on wide ones, unless the person chose.
const NARROW = "(max-width: 40rem)";
state.layout = store.get("layout", null) || (matchMedia(NARROW).matches ? "agenda" : "grid");
let view = state.layout;

// "agenda", "grid" or "plan". Choosing the agenda or the grid is remembered.
function showView(next, { chosen = false } = {}) {
  view = next;
  const schedule = next !== "plan";
  if (schedule && next !== state.layout) {
    state.layout = next;
    if (chosen) store.set("layout", next);
  }
  $("timetable-view").hidden = !schedule;
  $("timetable-view").dataset.view = state.layout;
  $("days").hidden = !schedule;
  $("plan-view").hidden = schedule;
  $("agenda-view").hidden = state.layout !== "agenda" || !state.days.length;
  $("grid-wrap").hidden = state.layout !== "grid" || !state.days.length;
  for (const [id, name] of [["show-agenda", "agenda"], ["show-timetable", "grid"], ["show-plan", "plan"]]) {
    $(id).setAttribute("aria-current", String(next === name));
  }
  if (!schedule) loadParts().then(() => parts.plan.renderPlan());
  if (schedule && chosen && state.days.length) renderDay().then(scrollToNow);
}

function renderTabs() {
  $("days").replaceChildren(...state.days.map((day) => {
    const tab = el("button", "", dayLabel(day.day));
    tab.type = "button"; tab.setAttribute("role", "tab"); tab.dataset.day = day.day;
    tab.title = t("schedule.dayTitle", { count: day.performances, stages: t("schedule.stagesCount",
      { count: day.stages.length }) });
    tab.setAttribute("aria-selected", String(day.day === state.day));
    tab.addEventListener("click", () => selectDay(day.day));
    return tab;
  }));
}

// The day's sets in the layout on screen (only that one is drawn).
async function renderDay() {
  if (state.layout === "agenda") { renderAgenda(); return; }
  await loadParts();
  parts.timetable.renderGrid();
}

function scrollToNow() {
  if (state.layout === "agenda") scrollAgendaToMoment(); else if (parts.timetable) parts.timetable.scrollToMoment();
}

async function selectDay(day) {
  state.day = day;
  renderTabs();
  let sets = [];
  try {
    sets = await loadDay(day);
    $("error").hidden = true;
  } catch (error) { showError(error); }
  if (state.day !== day) return;  // another tab was chosen while this one loaded
  state.sets = sets;
  await renderDay();
  if (state.day === day) scrollToNow();
}

async function setMoment(value) {
  state.moment = value;
  $("moment").value = value;
  markAgendaMoment();
  await loadParts();
  parts.timetable.markMoment();
  scrollToNow();
  parts.timetable.renderStrip();
  parts.plan.renderPlan();
}

// Bring a set into view: its day, scrolled to it, marked and focused (so closing its
// details returns there). In the agenda, a set the filters hide is shown all the same.
async function revealSet(set) {
  if (view === "plan") showView(state.layout);
  state.found = set.id;
  if (state.day !== set.day) await selectDay(set.day); else await renderDay();
  const selector = state.layout === "agenda" ? "#agenda .entry" : "#grid .set";
  const holder = document.querySelector(`${selector}[data-id="${CSS.escape(set.id)}"]`);
  if (!holder) return;
  document.querySelectorAll(".set.found, .entry.found").forEach((b) => { if (b !== holder) b.classList.remove("found"); });
  holder.classList.remove("dimmed"); holder.classList.add("found");
  holder.scrollIntoView({ block: "center", inline: "center", behavior: reducedMotion() ? "instant" : "smooth" });
  holder.querySelector(".open").focus({ preventScroll: true });
}

/* ---- set links: `#set=<id>`, what every feed and export links a set to ---- */

const linkedSet = () => (location.hash.match(/^#set=([a-z2-7]{16})$/) || [])[1] || null;

// The linked set, from what is loaded or from the API (which says its day); null when the
// link names no set, or one the organiser removed (the page says so).
async function findLinkedSet() {
  const id = linkedSet();
  if (!id) return null;
  if (state.byId.has(id)) return state.byId.get(id);
  try {
    return await api.get(`performances/${id}`);
  } catch (error) {
    if (error.status === 404) notice(t("schedule.linkGone"));
    else showError(error);
    return null;
  }
}

async function openSet(set) {
  notice("");
  await revealSet(set);
  showDetails(state.byId.get(set.id) || set);
}

/* ---- start ---- */

// What the page arrived with (read once: a refresh asks the API).
let carried = (() => {
  try { return JSON.parse($("festival-data").textContent || "null"); } catch (error) { return null; }
})();

async function readDays() {  // every page of /days; the first says the zone and the day change
  let answer = await api.get("days?limit=500");
  const days = [...answer.items];
  const { timezone, day_change: dayChange } = answer;
  while (answer.next) {
    answer = await api.get(`days?limit=500&cursor=${encodeURIComponent(answer.next)}`);
    days.push(...answer.items);
  }
  return { days, timezone, dayChange };
}

// The day to show: today's festival day, or the next one between two; the first day
// before and after the festival (the rule the page's data was chosen by, too).
function openingDay(now) {
  const today = festivalDay(now);
  const days = state.days.map((d) => d.day);
  if (!(days[0] <= today && today <= days[days.length - 1])) return days[0];
  return days.find((day) => day >= today);
}

async function start() {
  const here = carried;
  carried = null;
  try {
    const { days, timezone, dayChange } = here ?
      { days: here.days.items, timezone: here.days.timezone, dayChange: here.days.day_change } : await readDays();
    state.days = days; state.zone = timezone;
    state.dayChange = clockMinutes(dayChange);
    state.dayChangeText = dayChange;
    showZone();
  } catch (error) { showError(error); return; }
  if (here && here.day) await loadDay(here.day, here.sets);
  $("empty").hidden = state.days.length > 0;
  showView(view);
  renderStageChoices();
  if (!state.days.length) { $("days").replaceChildren(); $("strip").replaceChildren(); return; }
  const now = festivalNow(state.zone);
  state.moment = state.moment || now;
  $("moment").value = state.moment;
  const linked = linkedSet() ? await findLinkedSet() : null;
  const shown = state.day && state.days.some((d) => d.day === state.day) ? state.day : openingDay(now);
  await selectDay(linked ? linked.day : shown);
  const everything = loadAll();
  everything.catch(() => null);  // reported by the day on screen, or below
  await loadParts();
  const { plan, timetable, offline, changes, search } = parts;
  plan.trimSharedPlan();
  if (linked) await openSet(linked);
  timetable.renderStrip();
  offline.showSaved();
  try { await everything; } catch (error) { showError(error); return; }
  if (here && here.day && api.connection.savedAt) await readAgain(here.day);
  state.complete = true;
  plan.trimSharedPlan();
  showPicks(); search.applyFilter(); offline.showSaved();
  if (!api.connection.savedAt) {
    await changes.markChanges().catch(() => null);  // a nicety: the schedule works without it
    offline.keepForOffline().catch(() => null);
  }
  parts.live.followReleases();
}

// A release arrived while the page was open (live.js replaced the days it changed): every
// view is drawn again where it was, the search and an open set's details too.
async function redraw() {
  const grid = $("grid-wrap");
  const at = { top: grid.scrollTop, left: grid.scrollLeft };
  if (!state.days.some((d) => d.day === state.day) && state.days.length) state.day = openingDay(state.moment);
  renderTabs();
  renderStageChoices();
  state.sets = state.day ? await loadDay(state.day) : [];
  await renderDay();  // the agenda keeps its first set in sight itself
  grid.scrollTop = at.top; grid.scrollLeft = at.left;
  showPicks();
  const { search, timetable } = parts;
  if (!$("results").hidden && !$("results").contains(document.activeElement)) search.applyFilter();
  timetable.dimGrid();
  timetable.renderStrip({ here: true });
  const shown = $("details").open && state.byId.get($("details-star").dataset.id);
  if (shown) showDetails(shown);
}

// With no signal the page is the copy kept when it was last loaded, and the day it carries
// may be older than the kept answers (a release the page followed since replaced them,
// live.js): that day is read again from them. Without a kept answer the carried sets stay.
async function readAgain(day) {
  let sets;
  try { sets = await api.all(`performances?day=${encodeURIComponent(day)}&limit=500`); } catch (error) { return; }
  for (const [id, set] of state.byId) if (set.day === day) state.byId.delete(id);
  for (const set of sets) state.byId.set(set.id, set);
  state.loaded.set(day, Promise.resolve(sets));
  if (state.day === day) { state.sets = sets; await renderDay(); }
}

async function refresh() {  // the connection is back: ask again (the service worker revalidates with ETags)
  api.connection.run += 1; api.connection.savedAt = null;
  state.loaded = new Map(); state.byId = new Map(); state.complete = false;
  await start();
}

function showZone() {
  if (!state.dayChangeText) return;
  $("zone").textContent = t("schedule.zone", { zone: state.zone, change: clock(`1970-01-01T${state.dayChangeText}`) });
}

// The page's own words, once; the empty festival's hint names the file's columns (code, in no language).
function translateFixed() {
  translatePage();
  const code = (text) => el("code", "", text);
  $("empty-text").replaceChildren(...said("schedule.emptyText", { folder: code("uploads/"),
    header: code("stage,date,start,end,artist,genre,notes"), reports: code("reports/") }));
}

// Another language chosen on the page: every word is said again in it, where it is, with
// the picks, the day, the view and the scroll position as they were.
async function speakAgain() {
  const [x, y] = [window.scrollX, window.scrollY];
  const gridScroll = [$("grid-wrap").scrollLeft, $("grid-wrap").scrollTop];
  translateFixed();
  showZone();
  renderStageChoices();
  if (state.days.length) renderTabs();
  if (state.layout === "agenda" || parts.timetable) await renderDay();
  if (parts.timetable) parts.timetable.renderStrip();
  if (parts.plan) parts.plan.renderPlan();
  if (parts.changes) parts.changes.renderAgain();
  if (parts.offline) { parts.offline.showSaved(); parts.offline.showKept(); }
  if (parts.search && $("filter").value) parts.search.applyFilter();
  if ($("details").open) showDetails(state.byId.get($("details-star").dataset.id));
  window.scrollTo({ left: x, top: y, behavior: "instant" });
  [$("grid-wrap").scrollLeft, $("grid-wrap").scrollTop] = gridScroll;
}

translateFixed();
wireLanguageMenu($("language"));
onLanguage(speakAgain);
history.scrollRestoration = "manual";  // the page scrolls to what plays now itself
on("picks", showPicks);
on("retry", start);
on("refresh", refresh);
on("reveal", revealSet);
on("released", () => { state.redrawn = redraw().catch(showError); });
wireAgenda();
// S (or *) on a focused set stars it, in the agenda, the grid and the plan.
document.addEventListener("keydown", (event) => {
  if (!["s", "S", "*"].includes(event.key) || event.ctrlKey || event.metaKey || event.altKey) return;
  const holder = document.activeElement && document.activeElement.closest("[data-id]");
  if (!holder || document.activeElement.matches("input")) return;
  event.preventDefault();
  toggle(holder.dataset.id);
});
$("details-star").addEventListener("click", () => toggle($("details-star").dataset.id));
// Closed: the page's own address again, so a reload shows the page. Only when the address
// still names the set that was shown: a link followed as the dialog closes is kept.
$("details").addEventListener("close", () => {
  if (linkedSet() === $("details-star").dataset.id) history.replaceState(null, "", location.pathname + location.search);
});
$("moment").addEventListener("change", (event) => { if (event.target.value) setMoment(event.target.value.slice(0, 16)); });
$("now-button").addEventListener("click", () => setMoment(festivalNow(state.zone)));
for (const [id, name] of [["show-agenda", "agenda"], ["show-timetable", "grid"]]) {
  $(id).addEventListener("click", () => {
    if (state.shared) loadParts().then(() => parts.plan.leaveSharedPlan());
    showView(name, { chosen: true });
  });
}
$("show-plan").addEventListener("click", () => showView("plan"));
$("walk").value = String(state.walk);
$("walk").addEventListener("change", () => {
  state.walk = Math.max(0, Math.min(60, Number($("walk").value) || 0));
  store.set("walk", state.walk); showPicks();
});
$("print").addEventListener("click", () => window.print());
const withPlan = (action) => () => loadParts().then(() => parts.plan[action]());
$("share").addEventListener("click", withPlan("share"));
$("shared-add").addEventListener("click", withPlan("addSharedPlan"));
$("shared-dismiss").addEventListener("click", withPlan("leaveSharedPlan"));
window.addEventListener("hashchange", async () => {
  if (linkedSet()) { const set = await findLinkedSet(); if (set) await openSet(set); return; }
  await loadParts();
  if (parts.plan.readSharedPlan()) showView("plan");
  parts.plan.renderPlan();
});
window.addEventListener("online", refresh);
if ("serviceWorker" in navigator) navigator.serviceWorker.register(base + "sw.js").catch(() => null);
// A shared plan (#plan=...) opens My plan, before anything else is drawn.
if (/^#plan=/.test(location.hash)) {
  view = "plan";
  loadParts().then(() => { if (parts.plan.readSharedPlan()) showView("plan"); });
}
start();
