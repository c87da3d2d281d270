// The agenda: the festival day's sets in time order, grouped by start time, each with its
// whole name (wrapped, never cut), stage, times, genre and flags. A stage filter and "my
// picks only" are kept in this browser. What a phone shows first.
//
// And what every view does with one set: its star, its details, its clashes with picks.

import { $, base, alone, announce, bdi, el } from "./dom.js";
import { byStart, minutes } from "./time.js";
import { clock, dayLabel, dayAndTime, duration, listParts, parts, span, t } from "./i18n.js";
import { MAX_PICKS, describe, emit, isCancelled, newsOf, picks, playsAt, state, store } from "./state.js";

export const filter = {
  stages: new Set((store.get("stages", []) || []).filter((stage) => typeof stage === "string")),
  mine: store.get("mine", false) === true,
};

const festivalStages = () => [...new Set(state.days.flatMap((day) => day.stages))].sort((a, b) => a.localeCompare(b));
const chosenStages = () => {
  const here = new Set(festivalStages());
  return new Set([...filter.stages].filter((stage) => here.has(stage)));
};

// The filter's choices: one checkbox per stage of the festival.
export function renderStageChoices() {
  const chosen = chosenStages();
  $("stage-choices").replaceChildren(...festivalStages().map((stage) => {
    const box = el("input"); box.type = "checkbox"; box.value = stage; box.checked = chosen.has(stage);
    box.addEventListener("change", () => {
      if (box.checked) filter.stages.add(stage); else filter.stages.delete(stage);
      store.set("stages", [...filter.stages]);
      renderAgenda();
    });
    return el("label", "", box, bdi(stage));
  }));
  $("mine-only").checked = filter.mine;
  summarise();
}

function summarise() {
  const chosen = chosenStages().size;
  $("stage-summary").textContent = chosen ? t("agenda.stagesChosen", { chosen, count: festivalStages().length })
    : t("agenda.stagesAll");
}

const shown = (set, stages) => set.id === state.found ||
  ((!stages.size || stages.has(set.stage)) && (!filter.mine || picks.has(set.id)));

export function renderAgenda() {
  const list = $("agenda");
  const focused = document.activeElement && list.contains(document.activeElement) ?
    [document.activeElement.closest("[data-id]").dataset.id, document.activeElement.className] : null;
  const anchor = firstInSight();
  const stages = chosenStages();
  summarise();
  const sets = state.sets.filter((set) => shown(set, stages)).sort(byStart);
  const picked = picks.list().map((id) => state.byId.get(id)).filter((set) => set && !isCancelled(set));
  const groups = new Map();
  for (const set of sets) {
    if (!groups.has(set.start)) groups.set(set.start, []);
    groups.get(set.start).push(set);
  }
  list.replaceChildren(...[...groups].map(([start, group]) => {
    const slot = el("section", "slot");
    const time = el("time", "", clock(start)); time.dateTime = start;
    slot.append(el("h3", "", time), el("ul", "", ...group.map((set) => entry(set, picked))));
    return slot;
  }));
  const empty = $("agenda-empty");
  empty.hidden = sets.length > 0 || !state.sets.length;
  if (!sets.length) {
    empty.textContent = filter.mine ? t("agenda.noPicks") : t("agenda.noSets");
  }
  markAgendaMoment();
  keepInSight(anchor);
  if (focused) {  // a star pressed here is redrawn: the focus stays on it
    const again = list.querySelector(`[data-id="${CSS.escape(focused[0])}"]`);
    const same = again && (again.querySelector(`[class="${focused[1]}"]`) || again.querySelector(".open"));
    if (same) same.focus({ preventScroll: true });
  }
}

// Redrawing (a star, a filter) keeps the first set in sight where it was, so the list does
// not jump under the reader's thumb.
function firstInSight() {
  const top = $("bar").getBoundingClientRect().bottom;
  const item = [...document.querySelectorAll("#agenda .entry")].find((e) => e.getBoundingClientRect().bottom > top);
  return item && window.scrollY > 0 ? [item.dataset.id, item.getBoundingClientRect().top] : null;
}

// Only a list that moved is scrolled back: any scroll, even by nothing, stops one under way
// (a search result's smooth scroll to its set, when the rest of the festival arrives).
function keepInSight(anchor) {
  if (!anchor) return;
  const item = $("agenda").querySelector(`.entry[data-id="${CSS.escape(anchor[0])}"]`);
  const shift = item ? item.getBoundingClientRect().top - anchor[1] : 0;
  if (Math.abs(shift) >= 1) window.scrollBy({ top: shift, behavior: "instant" });
}

function entry(set, picked) {
  const item = el("li", "entry"); item.dataset.id = set.id; item.dataset.start = set.start; item.dataset.end = set.end;
  item.classList.toggle("cancelled", isCancelled(set));
  item.classList.toggle("picked", picks.has(set.id));
  item.classList.toggle("found", set.id === state.found);
  const open = el("button", "open"); open.type = "button";
  open.setAttribute("aria-label", describe(set));
  const where = el("span", "where", bdi(set.stage), ...(set.genre ? [" · ", bdi(set.genre)] : []));
  open.append(alone("span", "artist", set.artist), el("span", "when", span(set)), where);
  if (isCancelled(set)) open.append(el("span", "flag", t("change.cancelled")));
  const news = newsOf(set);
  if (news) open.append(el("span", "flag news", t(`change.${news}`)));
  if (!isCancelled(set)) {
    const others = picked.filter((pick) => pick.id !== set.id &&
      minutes(pick.start) < minutes(set.end) && minutes(set.start) < minutes(pick.end));
    if (others.length) {  // a clash between picks is a warning; a set during a pick, a note
      const names = listParts(others.map((pick) => bdi(pick.artist)));
      open.append(picks.has(set.id) ? el("span", "warning clash", ...parts("agenda.clashesWith", { names })) :
        el("span", "during", ...parts("agenda.during", { count: others.length, names })));
    }
  }
  open.addEventListener("click", () => showDetails(set));
  item.append(open, starButton(set));
  return item;
}

// Sets playing at the chosen moment are marked.
export function markAgendaMoment() {
  const at = minutes(state.moment);
  for (const item of document.querySelectorAll("#agenda .entry")) {
    const set = state.byId.get(item.dataset.id);
    item.classList.toggle("playing", Boolean(set) && playsAt(set, at));
  }
}

// During the day, the agenda opens at what plays at the chosen moment (or what comes next).
export function scrollAgendaToMoment() {
  const day = state.days.find((d) => d.day === state.day);
  const at = minutes(state.moment);
  const entries = [...document.querySelectorAll("#agenda .entry")];
  const target = entries.find((item) => item.classList.contains("playing")) ||
    entries.find((item) => minutes(item.dataset.start) > at);
  $("agenda").dataset.moment = state.moment;
  if (!day || !target || at < minutes(day.first_start) || at >= minutes(day.last_end)) return;
  const header = target.closest(".slot").querySelector("h3").offsetHeight;
  const top = target.getBoundingClientRect().top + window.scrollY - $("bar").offsetHeight - header;
  window.scrollTo({ top: Math.max(0, top), behavior: "instant" });
}

export function wireAgenda() {
  $("mine-only").addEventListener("change", () => {
    filter.mine = $("mine-only").checked;
    store.set("mine", filter.mine);
    renderAgenda();
  });
  $("stages-all").addEventListener("click", () => {
    filter.stages.clear();
    store.set("stages", []);
    renderStageChoices();
    renderAgenda();
  });
  // The sticky bar's height, for the start times that stick below it.
  new ResizeObserver(() => document.documentElement.style.setProperty("--bar", `${$("bar").offsetHeight}px`))
    .observe($("bar"));
}

/* ---- one set ---- */

export function toggle(id) {
  const set = state.byId.get(id);
  const outcome = picks.toggle(id);
  if (outcome === "refused") announce(t("plan.full", { count: MAX_PICKS }));
  else if (set) announce(...parts(picks.has(id) ? "plan.added" : "plan.removed", { artist: bdi(set.artist) }));
  emit("picks");
}

export function paintStar(star) {
  const on = picks.has(star.dataset.id);
  star.setAttribute("aria-pressed", String(on));
  star.textContent = star.id === "details-star" ? `★ ${t("details.inPlan")}` : on ? "★" : "☆";
}

export function starButton(set) {
  const star = el("button", "star", "☆"); star.type = "button"; star.dataset.id = set.id;
  star.setAttribute("aria-label", t("set.star", { artist: set.artist, stage: set.stage, start: clock(set.start) }));
  star.addEventListener("click", (event) => { event.stopPropagation(); toggle(set.id); });
  paintStar(star);
  return star;
}

// Where a set opens on this page: what every feed and export links to (`/#set=<id>`).
export const pageLink = (id) => `${location.origin}${base}#set=${id}`;

export function showDetails(set) {
  $("details-artist").textContent = set.artist;
  $("details-stage").textContent = set.stage;
  const length = duration(minutes(set.end) - minutes(set.start));
  $("details-when").textContent = t(isCancelled(set) ? "details.whenCancelled" : "details.whenText",
    { start: dayAndTime(set.start), end: clock(set.end), length });
  $("details-genre").textContent = set.genre || "—";
  $("details-notes").textContent = set.notes || "—";
  $("details-day").textContent = dayLabel(set.day);
  const link = $("details-link");
  link.href = link.textContent = pageLink(set.id);
  // Beside the page, as the page reads the API (the API's own `url` may carry a prefix the page's address does not).
  const api = $("details-url");
  api.href = api.textContent = new URL(`${base}performances/${set.id}`, location.href).href;
  const star = $("details-star");
  star.dataset.id = set.id;
  star.setAttribute("aria-label", t("details.starLabel", { artist: set.artist }));
  paintStar(star);
  $("details-calendar").href = `${base}calendar.ics?ids=${set.id}`;
  if (!$("details").open) $("details").showModal();
}
