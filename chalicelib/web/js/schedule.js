// The schedule page: the festival's days from the API, the timetable, My plan, search,
// changes since the last visit, and use with no signal.

import { base } from "./api.js";
import { $ } from "./dom.js";
import { clockMinutes, festivalNow } from "./time.js";
import { api, loadAll, on, picks, state, store } from "./state.js";
import { toggle } from "./sets.js";
import { renderMarks, renderStrip } from "./timetable.js";
import { addSharedPlan, leaveSharedPlan, readSharedPlan, renderPlan, share, trimSharedPlan } from "./plan.js";
import { selectDay, setMoment, showView } from "./views.js";
import { applyFilter, wireSearch } from "./search.js";
import { markChanges } from "./changes.js";
import { keepForOffline, showSaved } from "./offline.js";
import { showError } from "./messages.js";
import { findLinkedSet, forgetSetLink, linkedSet, openSet } from "./links.js";

// Picks, clashes or changes moved: the grid's marks and My plan follow.
function showPicks() {
  $("unsaved").hidden = picks.saved;
  renderMarks(); renderPlan();
}

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

async function start() {
  try {
    const { days, timezone, dayChange } = await readDays();
    state.days = days; state.zone = timezone;
    state.dayChange = clockMinutes(dayChange);
    $("zone").textContent = `Times in ${timezone}; a festival day runs until ${dayChange} the next morning.`;
  } catch (error) { showError(error); return; }
  trimSharedPlan();
  showSaved();
  $("empty").hidden = state.days.length > 0;
  $("grid-wrap").hidden = state.days.length === 0;
  if (!state.days.length) { $("days").replaceChildren(); $("strip").replaceChildren(); return; }
  const now = festivalNow(state.zone);
  const current = state.days.find((d) => d.first_start <= now && now < d.last_end);
  state.moment = state.moment || now;
  $("moment").value = state.moment;
  const everything = loadAll();
  everything.catch(() => null);  // reported by the day on screen, or below
  const linked = await findLinkedSet();
  const shown = state.day && state.days.some((d) => d.day === state.day) ? state.day : (current || state.days[0]).day;
  await selectDay(linked ? linked.day : shown);
  if (linked) await openSet(linked);
  renderStrip();
  try { await everything; } catch (error) { showError(error); return; }
  state.complete = true;
  trimSharedPlan();
  showPicks(); applyFilter(); showSaved();
  if (!api.connection.savedAt) {
    await markChanges().catch(() => null);  // a nicety: the schedule works without it
    keepForOffline().catch(() => null);
  }
}

async function refresh() {  // the connection is back: ask again (the service worker revalidates with ETags)
  api.connection.run += 1; api.connection.savedAt = null;
  state.loaded = new Map(); state.byId = new Map(); state.complete = false;
  await start();
}

on("picks", showPicks);
on("retry", start);
on("refresh", refresh);
wireSearch();
// S (or *) on a focused set stars it, in the grid and in the plan.
document.addEventListener("keydown", (event) => {
  if (!["s", "S", "*"].includes(event.key) || event.ctrlKey || event.metaKey || event.altKey) return;
  const holder = document.activeElement && document.activeElement.closest("[data-id]");
  if (!holder || document.activeElement.matches("input")) return;
  event.preventDefault();
  toggle(holder.dataset.id);
});
$("details-star").addEventListener("click", () => toggle($("details-star").dataset.id));
$("moment").addEventListener("change", (event) => { if (event.target.value) setMoment(event.target.value.slice(0, 16)); });
$("now-button").addEventListener("click", () => setMoment(festivalNow(state.zone)));
$("show-timetable").addEventListener("click", () => { if (state.shared) leaveSharedPlan(); showView("timetable"); });
$("show-plan").addEventListener("click", () => showView("plan"));
$("walk").value = String(state.walk);
$("walk").addEventListener("change", () => {
  state.walk = Math.max(0, Math.min(60, Number($("walk").value) || 0));
  store.set("walk", state.walk); showPicks();
});
$("print").addEventListener("click", () => window.print());
$("share").addEventListener("click", share);
$("shared-add").addEventListener("click", addSharedPlan);
$("shared-dismiss").addEventListener("click", leaveSharedPlan);
window.addEventListener("hashchange", async () => {
  if (linkedSet()) { const set = await findLinkedSet(); if (set) await openSet(set); return; }
  if (readSharedPlan()) showView("plan");
  renderPlan();
});
$("details").addEventListener("close", forgetSetLink);
window.addEventListener("online", refresh);
if ("serviceWorker" in navigator) navigator.serviceWorker.register(base + "sw.js").catch(() => null);
if (readSharedPlan()) showView("plan");
start();
