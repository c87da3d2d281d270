// The schedule page's state (the festival-goer's picks among it), what the page's parts
// say about a set from it, and its messages (an error with a way to try again, a notice).

import { $, base, createStore, el, fold } from "./dom.js";
import { festivalDayOf, minutes } from "./time.js";
import { clock, dayLabel, fromServer, t } from "./i18n.js";

// A festival-goer's picks: set ids kept in this browser (no account), so a pick survives
// reloads and the organiser moving the set.
//
// Several tabs share them: every write applies its one change to what is stored now (so
// a tab never writes back a stale list over another tab's picks), and each tab follows
// the others' writes through the `storage` event. A change the browser refuses to store
// (storage full, or turned off) is kept for this page and applied again on top of every
// read, so it is neither lost nor hidden; `saved` says whether the last write was kept.

export const SET_ID = /^[a-z2-7]{16}$/;
// More than anyone plans (and 34 KB of storage): a list past it comes from no star.
export const MAX_PICKS = 2000;

export function createPicks(store, onChange = () => {}) {
  let unsaved = [];  // [id, picked] changes the browser refused to store, in order
  const read = () => {
    const stored = store.get("picks", []);
    const ids = new Set((Array.isArray(stored) ? stored : []).filter((id) => SET_ID.test(id)).slice(0, MAX_PICKS));
    for (const [id, on] of unsaved) { if (on) ids.add(id); else ids.delete(id); }
    return ids;
  };
  let ids = read();
  const picks = {
    saved: true,
    has: (id) => ids.has(id),
    get size() { return ids.size; },
    list: () => [...ids],
    // Applies [id, picked] changes to the stored picks as they are now: "changed",
    // "unchanged", or "refused" when the plan would pass MAX_PICKS (nothing is applied).
    change(changes) {
      const latest = read();
      const fresh = changes.filter(([id, on]) => latest.has(id) !== on);
      for (const [id, on] of fresh) { if (on) latest.add(id); else latest.delete(id); }
      if (latest.size > MAX_PICKS && fresh.some(([, on]) => on)) return "refused";
      ids = latest;
      if (!fresh.length) return "unchanged";
      picks.saved = store.set("picks", [...latest]);
      unsaved = picks.saved ? [] : [...unsaved, ...fresh];
      return "changed";
    },
    toggle(id) { return picks.change([[id, !ids.has(id)]]); },
    add(more) { return picks.change(more.map((id) => [id, true])); },
    keepOnly(wanted) { return picks.change([...ids].filter((id) => !wanted(id)).map((id) => [id, false])); },
  };
  window.addEventListener("storage", (event) => {
    if (event.storageArea === localStorage && (event.key === store.key("picks") || event.key === null)) {
      ids = read();
      onChange();
    }
  });
  return picks;
}

export const store = createStore(base);
// The API's client is imported when first used: the first sets are drawn from the data the
// page carries, so it is not among the modules the page waits for.
const connection = { run: 0, savedAt: null, fetched: new Set() };
let client = null;
const ready = () => (client ||= import("./api.js").then((module) => module.createApi(connection)));
export const api = {
  connection,
  get: async (path) => (await ready()).get(path),
  all: async (path) => (await ready()).all(path),
};
// Another tab's stars show here at once.
export const picks = createPicks(store, () => emit("picks"));

export const state = {
  days: [], day: null, zone: "UTC", dayChange: null, sets: [], moment: null,
  loaded: new Map(),   // festival day -> promise of its sets
  byId: new Map(),     // every set loaded, by its stable id
  walk: Number(store.get("walk", 0)) || 0,
  shared: null,        // the ids of a plan someone shared, while it is shown
  leftOut: 0,          // ids of that plan that are not the festival's
  changed: new Map(),  // set id -> its latest change since the last visit
  notes: [],           // the organisers' notes on the releases since then
  complete: false,     // every day loaded: only then is a pick missing from the schedule really gone
  top: 0, bottom: 0,   // the grid's first and last minute
  words: [],           // what the search field asks for, folded
  layout: "agenda",    // how the schedule is shown: "agenda" or "grid"
  found: null,         // the set last jumped to (shown in the agenda whatever its filters)
  redrawn: null,       // the redraw after the last release the page followed (a promise)
};

// The page's parts tell each other what happened: "picks" (picks, clashes or changes moved),
// "retry", "refresh" (ask the API again), "reveal" (bring a set into view).
const listeners = new Map();
export function on(name, listener) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(listener);
}
export function emit(name, ...args) { for (const listener of listeners.get(name) || []) listener(...args); }

export const isCancelled = (set) => set.status === "cancelled";
// Whether a set is playing at `at` (minutes, as `minutes` gives them): started, not ended, not cancelled.
export const playsAt = (set, at) => !isCancelled(set) && minutes(set.start) <= at && at < minutes(set.end);
// The day change is the API's (/days says it), never a rule of the page's own.
export const festivalDay = (isoText) => festivalDayOf(isoText, state.dayChange);

// What changed about a set since the last visit, as its flag says it ("cancelled" already shows).
export function newsOf(set) {
  const change = state.changed.get(set.id);
  return change && !(change.change === "cancelled" && isCancelled(set)) ? change.change : null;
}

// What a screen reader says for a set. Speech follows the text's logical order, so names
// need no isolating here (unlike a tooltip, which is drawn).
export function describe(set) {
  const parts = [set.artist, set.stage,
    t("set.spoken", { day: dayLabel(set.day), start: clock(set.start), end: clock(set.end) })];
  if (set.genre) parts.push(set.genre);
  if (isCancelled(set)) parts.push(t("change.cancelled"));
  const change = state.changed.get(set.id);
  if (change) parts.push(t("set.sinceVisit", { change: t(`change.${change.change}`) }));
  return parts.join(t("words.comma"));
}

export const matches = (set, words) => {
  const text = foldedText(set);
  return words.every((word) => text.includes(word));
};
const foldedText = (set) => fold(`${set.artist} ${set.genre || ""} ${set.stage}`);

// A festival day's sets, asked for once per refresh. `first` is a first page already at
// hand (the one the page carries): only the pages after it are asked for.
export function loadDay(day, first = null) {
  const { loaded, byId } = state;  // this refresh's: a later one starts afresh
  if (!loaded.has(day)) {
    const path = `performances?day=${encodeURIComponent(day)}&limit=500`;
    const rest = !first ? api.all(path) :
      first.next ? api.all(`${path}&cursor=${encodeURIComponent(first.next)}`) : Promise.resolve([]);
    const loading = rest.then((more) => {
      const sets = first ? [...first.items, ...more] : more;
      for (const set of sets) byId.set(set.id, set);
      emit("arrived", day);
      return sets;
    });
    loading.catch(() => loaded.delete(day));  // a failed day is asked for again next time
    loaded.set(day, loading);
  }
  return loaded.get(day);
}

export const loadAll = () => Promise.all(state.days.map((day) => loadDay(day.day)));

export function showError(error) {
  const box = $("error");
  box.replaceChildren();
  const retry = el("button", "", t("words.tryAgain")); retry.type = "button";
  retry.addEventListener("click", () => { box.hidden = true; emit("retry"); });
  box.append(el("span", "", explain(error)), retry);
  box.hidden = false;
}

// What the page says about a failed read: the API's error in the visitor's words where its
// code has a text here (server.<code>, with its named values), else the API's own English.
export function explain(error) {
  if (error && error.offline) return t("error.offline");
  if (error && error.status) return t("error.api", { path: error.path, message: fromServer(error.answer) });
  return (error && error.message) || String(error);
}

// Something the person should know that is not an error (a link to a set that is gone).
export function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = !text;
}
