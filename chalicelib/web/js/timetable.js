// The timetable: stages as columns, time running down, each set a block as long as it
// lasts; the now line, and the now playing / next up strip.

import { $, alone, bdi, el, isolate } from "./dom.js";
import { iso, minutes, byStart } from "./time.js";
import { clock, count, dayLabel, parts, span, t } from "./i18n.js";
import { api, describe, festivalDay, isCancelled, loadAll, matches, newsOf, picks, playsAt, showError, state } from "./state.js";
import { paintStar, showDetails, starButton } from "./agenda.js";
import { conflicts } from "./plan.js";

export function renderGrid() {
  const day = state.days.find((d) => d.day === state.day);
  const grid = $("grid");
  grid.replaceChildren();
  if (!day) return;
  const top = Math.floor(minutes(day.first_start) / 60) * 60;
  const bottom = Math.ceil(minutes(day.last_end) / 60) * 60;
  const stages = day.stages;
  const height = `calc(${bottom - top} * var(--minute))`;
  grid.style.gridTemplateColumns = `3rem repeat(${stages.length}, minmax(var(--column), 1fr))`;
  grid.style.gridTemplateRows = `auto ${height}`;
  grid.append(el("div", "corner"), ...stages.map((stage) => {
    const head = el("div", "stage-head", stage); head.title = stage; head.dir = "auto";
    return head;
  }));
  const times = el("div", "times"); times.style.height = height;
  for (let hour = top; hour <= bottom; hour += 60) {
    const label = el("span", "hour", clock(iso(hour)));
    label.style.top = `calc(${hour - top} * var(--minute))`;
    times.append(label);
  }
  grid.append(times);
  const columns = new Map(stages.map((stage) => {
    const column = el("div", "column"); column.dataset.stage = stage; column.style.height = height;
    return [stage, column];
  }));
  for (const set of state.sets) {
    const column = columns.get(set.stage);
    if (!column) continue;
    const block = el("div", isCancelled(set) ? "set cancelled" : "set");
    block.dataset.id = set.id; block.dataset.start = set.start; block.dataset.stage = set.stage;
    block.style.top = `calc(${minutes(set.start) - top} * var(--minute))`;
    block.style.height = `calc(${minutes(set.end) - minutes(set.start)} * var(--minute) - 2px)`;
    const open = el("button", "open"); open.type = "button";
    open.append(alone("span", "artist", set.artist), el("span", "when", span(set)));
    if (isCancelled(set)) open.append(el("span", "flag", t("change.cancelled")));  // kept in the grid: people look for it
    if (set.genre) open.append(alone("span", "genre", set.genre));
    open.addEventListener("click", () => showDetails(set));
    block.title = `${isolate(set.artist)} · ${isolate(set.stage)} · ${span(set)}` +
      (isCancelled(set) ? ` · ${t("change.cancelled")}` : "");
    block.append(open, starButton(set));
    column.append(block);
  }
  grid.append(...columns.values());
  const line = el("div", "now-line"); line.id = "now-line"; line.hidden = true;
  line.append(el("span", "", t("words.now")));
  grid.append(line);
  state.top = top; state.bottom = bottom;
  renderMarks(); dimGrid(); markMoment();
}

// Stars, clashes and changes on the grid's blocks (and every star), without rebuilding the grid.
export function renderMarks() {
  const picked = picks.list().map((id) => state.byId.get(id)).filter(Boolean);
  const clashing = conflicts(picked);
  for (const block of document.querySelectorAll("#grid .set")) {
    const id = block.dataset.id; const set = state.byId.get(id);
    block.classList.toggle("picked", picks.has(id));
    block.classList.toggle("clash", (clashing.get(id) || []).some((c) => c.kind === "clash"));
    block.classList.toggle("changed", state.changed.has(id));
    const open = block.querySelector(".open");
    const text = set && newsOf(set);
    let news = open.querySelector(".news");
    if (text && !news) { news = el("span", "flag news"); open.insertBefore(news, open.children[2] || null); }
    if (news) { if (text) news.textContent = t(`change.${text}`); else news.remove(); }
    if (set) open.setAttribute("aria-label", describe(set));
  }
  document.querySelectorAll(".star").forEach(paintStar);
  $("plan-count").textContent = picks.size ? `(${count(picks.size)})` : "";
}

// Blocks the search does not match fade, so the matches stand out where they play.
export function dimGrid() {
  const words = state.words;
  for (const block of document.querySelectorAll("#grid .set")) {
    const set = state.byId.get(block.dataset.id);
    block.classList.toggle("dimmed", Boolean(words.length) && Boolean(set) && !matches(set, words));
  }
}

export function scrollToMoment() {  // bring the chosen moment into view, a little below the top
  const times = $("grid").querySelector(".times");
  const at = minutes(state.moment);
  if (!times || at < state.top || at > state.bottom) return;
  const perMinute = times.offsetHeight / (state.bottom - state.top) || 1;
  $("grid-wrap").scrollTop = Math.max(0, (at - state.top - 60) * perMinute);
}

export function markMoment() {
  const at = minutes(state.moment);
  for (const block of document.querySelectorAll("#grid .set")) {
    const set = state.byId.get(block.dataset.id);
    block.classList.toggle("playing", Boolean(set) && playsAt(set, at));
  }
  const line = $("now-line");
  if (!line) return;
  const inside = at >= state.top && at <= state.bottom;
  line.hidden = !inside;
  if (inside) line.style.top = `calc(${at - state.top} * var(--minute) + ${$("grid").firstChild.offsetHeight}px)`;
}

// What plays and comes next per stage, from the sets already here (the API's answer needs a connection).
function nowAndNextHere(moment) {
  const at = minutes(moment);
  const stages = new Map();
  for (const set of [...state.byId.values()].filter((s) => !isCancelled(s)).sort(byStart)) {
    const entry = stages.get(set.stage) || { stage: set.stage, now: null, next: null };
    if (minutes(set.start) <= at && at < minutes(set.end)) entry.now = set;
    else if (minutes(set.start) > at && !entry.next) entry.next = set;
    stages.set(set.stage, entry);
  }
  return [...stages.values()].sort((a, b) => a.stage.localeCompare(b.stage));
}

// `here`: from the sets the page holds (a release it followed brought them), with no request.
export async function renderStrip({ here = false } = {}) {
  const strip = $("strip");
  const moment = state.moment;
  let items;
  try {
    if (here) throw new Error("drawn from the sets here");
    items = (await api.get(`performances?at=${encodeURIComponent(moment)}&limit=100`)).items;
  } catch (error) {
    if (!here && !api.connection.savedAt && navigator.onLine) { showError(error); return; }
    await loadAll().catch(() => null);
    items = nowAndNextHere(moment);
  }
  if (moment !== state.moment) return;  // a later moment was chosen meanwhile
  strip.dataset.moment = moment;
  const order = (entry) => (entry.now ? 0 : entry.next ? 1 : 2);  // playing first, then coming up
  strip.replaceChildren(...[...items].sort((a, b) => order(a) - order(b)).map((entry) => {
    const card = el("div", "stage"); card.dataset.stage = entry.stage;
    card.append(alone("b", "", entry.stage));
    for (const [label, set, cls] of [["strip.now", entry.now, "playing"], ["strip.next", entry.next, ""]]) {
      const line = el("div");
      const when = set && set.day !== festivalDay(moment) ? `${dayLabel(set.day)} ${span(set)}` : set ? span(set) : "";
      const what = set ? parts("strip.set", { artist: bdi(set.artist), when }) : ["—"];
      line.append(el("span", "label", t(label)), el("span", cls, ...what));
      card.append(line);
    }
    return card;
  }));
}
