// The schedule page's state, and what the page's parts say about a set from it.

import { base, createApi } from "./api.js";
import { createPicks } from "./picks.js";
import { createStore } from "./store.js";
import { fold } from "./text.js";
import { festivalDayOf, dayLabel, hhmm } from "./time.js";

export const store = createStore(base);
export const api = createApi();
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
  complete: false,     // every day loaded: only then is a pick missing from the schedule really gone
  top: 0, bottom: 0,   // the grid's first and last minute
  words: [],           // what the search field asks for, folded
};

// The page's parts tell each other what moved: "picks" (picks, clashes or changes), "retry".
const listeners = new Map();
export function on(name, listener) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(listener);
}
export function emit(name) { for (const listener of listeners.get(name) || []) listener(); }

export const isCancelled = (set) => set.status === "cancelled";
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
  const parts = [set.artist, set.stage, `${dayLabel(set.day)} ${hhmm(set.start)} to ${hhmm(set.end)}`];
  if (set.genre) parts.push(set.genre);
  if (isCancelled(set)) parts.push("cancelled");
  const change = state.changed.get(set.id);
  if (change) parts.push(`${change.change} since your last visit`);
  return parts.join(", ");
}

export const matches = (set, words) => {
  const text = foldedText(set);
  return words.every((word) => text.includes(word));
};
const foldedText = (set) => fold(`${set.artist} ${set.genre || ""} ${set.stage}`);

export function loadDay(day) {
  const { loaded, byId } = state;  // this refresh's: a later one starts afresh
  if (!loaded.has(day)) {
    const loading = api.all(`performances?day=${encodeURIComponent(day)}&limit=500`).then((sets) => {
      for (const set of sets) byId.set(set.id, set);
      return sets;
    });
    loading.catch(() => loaded.delete(day));  // a failed day is asked for again next time
    loaded.set(day, loading);
  }
  return loaded.get(day);
}

export const loadAll = () => Promise.all(state.days.map((day) => loadDay(day.day)));
