// Following the organiser's releases while the page is open. While the page is visible it
// reads the pointer (public/current.json, a few hundred bytes an edge cache answers) every
// 20 seconds, and at once on focus and when the connection returns; a new release brings
// only the festival days whose file changed (immutable files) and the release's changes.
// The page is redrawn where it was, the changes are marked as a visit's are, and what
// happened to the person's picks is said in a live region and, with the bell on, as a
// notification. `?poll=<seconds>` reads the pointer more often (the tests' 1 s).

import { $, announce, base, bdi, el, isolate } from "./dom.js";
import { clock, dayAndTime, onLanguage, parts, t } from "./i18n.js";
import { emit, isCancelled, notice, picks, state, store } from "./state.js";
import { markRelease } from "./changes.js";

const POINTER = "current.json";
const SECONDS = 20;
const NAMES = new Set(["artist", "stage"]);  // values that are user text

// A sentence's values: names (user text) in their own direction, as <bdi> on the page and
// between Unicode isolates in a notification's plain text.
const named = (values, wrap) => Object.fromEntries(Object.entries(values)
  .map(([name, value]) => [name, NAMES.has(name) ? wrap(value) : value]));

const LONGEST = 600;  // seconds between reads while no release is published
let missing = 0;      // pointers not found in a row

// Every 20 s (or `?poll=`); while no release is published yet, less and less often (each
// 404 is a line in the browser's console, which a page cannot silence).
const interval = () => {
  const asked = Number(new URLSearchParams(location.search).get("poll"));
  const every = Number.isFinite(asked) && asked >= 1 ? asked : SECONDS;
  return Math.min(every * 2 ** missing, Math.max(every, LONGEST)) * 1000;
};

/* ---- reading ---- */

// A file of the public prefix, relative to the page as the API serves it and the CDN too.
// The pointer is revalidated each time (a 304 when nothing changed); release files never
// change, so the HTTP cache answers them when it has them. null for a 404 (no release
// published yet): quiet, the next poll asks again.
async function read(path, revalidate = false) {
  const response = await fetch(`${base}public/${path}`,
    { headers: { Accept: "application/json" }, cache: revalidate ? "no-cache" : "default" });
  if (response.status === 404 || response.status === 403) return null;  // S3 behind the CDN says 403
  if (!response.ok) throw new Error(`public/${path}: ${response.status}`);
  return response.json();
}

let current = null;   // the pointer the page's sets are at
let reading = null;   // the poll under way
let timer = null;

async function poll() {
  reading ||= (async () => {
    try {
      const pointer = await read(POINTER, true);
      missing = pointer ? 0 : missing + 1;
      if (pointer && pointer.release) await follow(pointer);
    } catch (error) {
      // Quiet: no signal is said by the page already (offline.js); the next poll tries again.
    } finally {
      reading = null;
    }
  })();
  return reading;
}

// The first pointer is where the page's sets are (they were read just before; a release
// published in the second between would be missed on the days it alone changed, until a
// reload); a later one names the days to read again. Nothing is applied until every file has arrived, so
// a failed read leaves the page as it was and the next poll tries the same release again.
async function follow(pointer) {
  const days = pointer.days || {};
  if (current && pointer.release !== current.release) {
    const before = current.days || {};
    const fresh = Object.keys(days).filter((day) => before[day] !== days[day]);
    const gone = Object.keys(before).filter((day) => !(day in days));
    const changesPath = pointer.files && pointer.files.changes;
    const [files, changes] = await Promise.all([
      Promise.all(fresh.map((day) => read(days[day]))),
      changesPath ? read(changesPath).catch(() => null) : null,
    ]);
    if (files.some((file) => !file)) return;
    const was = new Map(picks.list().map((id) => [id, state.byId.get(id)]).filter(([, set]) => set));
    const sets = new Map(fresh.map((day, i) => [day, files[i].items || []]));
    apply(sets, gone);
    markRelease(pointer.release, changes);
    emit("released");
    tell(newsOf(was));
    keepOffline(sets);
    await state.redrawn;
  }
  current = pointer;
  // The release the page shows, once drawn: for tests and curious readers.
  document.documentElement.dataset.release = pointer.release;
}

/* ---- applying a release ---- */

// The days read again replace theirs, sets and summaries alike (a day's summary is what
// /days says of it: its stages in order, first start, last end and count of sets).
function apply(fresh, gone) {
  const touched = new Set([...fresh.keys(), ...gone]);
  for (const [id, set] of state.byId) if (touched.has(set.day)) state.byId.delete(id);
  for (const day of gone) state.loaded.delete(day);
  const summaries = new Map(state.days.filter((day) => !touched.has(day.day)).map((day) => [day.day, day]));
  for (const [day, sets] of fresh) {
    for (const set of sets) state.byId.set(set.id, set);
    state.loaded.set(day, Promise.resolve(sets));
    if (sets.length) summaries.set(day, summary(day, sets));
  }
  state.days = [...summaries.values()].sort((a, b) => a.day.localeCompare(b.day));
  if (touched.has(state.day)) state.sets = fresh.get(state.day) || [];
}

function summary(day, sets) {
  const starts = sets.map((set) => set.start).sort();
  const ends = sets.map((set) => set.end).sort();
  const stages = [...new Set(sets.map((set) => set.stage))].sort();
  return { day, stages, first_start: starts[0], last_end: ends[ends.length - 1], performances: sets.length };
}

// What happened to each pick the page knew, earliest first: [sentence, values].
function newsOf(was) {
  const news = [];
  for (const old of [...was.values()].sort((a, b) => a.start.localeCompare(b.start))) {
    const now = state.byId.get(old.id);
    if (!now) { news.push(["live.removed", { artist: old.artist }]); continue; }
    const time = now.day === old.day ? clock(now.start) : dayAndTime(now.start);
    const place = { artist: now.artist, stage: now.stage, time };
    if (isCancelled(now) && !isCancelled(old)) news.push(["live.cancelled", place]);
    else if (!isCancelled(now) && isCancelled(old)) news.push(["live.restored", place]);
    else if (isCancelled(now)) continue;
    else if (now.stage !== old.stage || now.start !== old.start) news.push(["live.moved", place]);
    else if (now.end !== old.end) news.push(["live.ends", { artist: now.artist, time: clock(now.end) }]);
  }
  return news;
}

// Said in the live region (a screen reader reads it; it stays on screen until dismissed
// or the next release) and, with the bell on, as a notification.
function tell(news) {
  const region = $("picks-news");
  if (!news.length) return;
  const dismiss = el("button", "", t("schedule.gotIt")); dismiss.type = "button";
  dismiss.addEventListener("click", () => region.replaceChildren());
  region.replaceChildren(el("strong", "", t("live.heading")),
    el("ul", "", ...news.map(([key, values]) => el("li", "", ...parts(key, named(values, bdi))))), dismiss);
  if (bellOn()) notify(news.map(([key, values]) => t(key, named(values, isolate))).join("\n"));
}

function notify(body) {
  const options = { body, tag: "festival-picks", lang: document.documentElement.lang };
  try {
    new Notification(t("live.notificationTitle"), options);
  } catch (error) {  // Chrome on Android shows notifications only through the service worker
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.ready.then((worker) => worker.showNotification(t("live.notificationTitle"), options))
        .catch(() => null);
    }
  }
}

// The service worker keeps what the page read for use with no signal: the days read again
// replace their kept answers (as /performances?day= answers them, whole), so a page opened
// with no signal shows this release, not the one before.
function keepOffline(days) {
  const worker = "serviceWorker" in navigator && navigator.serviceWorker.controller;
  if (!worker || !days.size) return;
  worker.postMessage({
    save: [...days].map(([day, sets]) => ({
      url: new URL(`${base}performances?day=${encodeURIComponent(day)}&limit=500`, location.href).href,
      body: JSON.stringify({ items: sets, next: null }),
    })),
  });
}

/* ---- the bell ---- */

const supported = () => "Notification" in window;
const bellOn = () => supported() && Notification.permission === "granted" && store.get("bell", false) === true;

function paintBell() { $("bell").setAttribute("aria-pressed", String(bellOn())); }

// Permission is asked only here, after the tap: never on load.
async function ring() {
  if (bellOn()) {
    store.set("bell", false); paintBell(); announce(t("live.bellOff"));
    return;
  }
  const permission = Notification.permission === "default" ? await Notification.requestPermission()
    : Notification.permission;
  store.set("bell", permission === "granted");
  paintBell();
  if (permission === "granted") { notice(""); announce(t("live.bellOn")); } else notice(t("live.bellBlocked"));
}

// The bell's words, in the page's language (again when it is switched).
function paintWords() {
  const bell = $("bell");
  bell.replaceChildren(el("span", "", "🔔"), ` ${t("live.bell")}`);
  bell.firstChild.setAttribute("aria-hidden", "true");
  bell.title = t("live.bellTitle");
}

function wireBell() {
  const bell = $("bell");
  if (!supported()) return;  // no bell where there can be no notification
  paintWords();
  onLanguage(paintWords);
  bell.addEventListener("click", ring);
  paintBell();
  bell.hidden = false;
}

/* ---- when to read ---- */

function wake() {
  clearTimeout(timer);
  if (document.visibilityState !== "visible") return;
  poll().finally(() => {
    clearTimeout(timer);
    if (document.visibilityState === "visible") timer = setTimeout(wake, interval());
  });
}

let started = false;

// Start following (once): the page's sets were just read, so the first pointer is theirs.
export function followReleases() {
  if (started) return;
  started = true;
  wireBell();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") wake(); else clearTimeout(timer);
  });
  window.addEventListener("focus", wake);
  window.addEventListener("online", wake);
  wake();
}
