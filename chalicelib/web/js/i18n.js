// The pages' words and how they write numbers, times and dates, in the visitor's language.
//
// The page's head chose the language before anything was drawn (chalicelib/web/language.js:
// the choice kept in this browser, else the first of navigator.languages with a catalogue,
// else English), set <html lang dir data-language> and preloaded that one catalogue
// (languages/<code>.json) beside the first modules, unless the page carries that language's
// words (#words); this module reads them (top-level await: every module that speaks waits
// for it) and can switch to another language, in place.
//
// A catalogue is flat: a key, and a text with {named} values, or, for a count, one text per
// plural category of Intl.PluralRules ({"one": ..., "other": ...}). Every date, time, count,
// list and relative time goes through Intl, in the visitor's locale (the full tag: de-AT, en-US).

import { minutes } from "./time.js";

const root = document.documentElement;
const { version, languages } = JSON.parse(document.getElementById("languages").textContent);
export { languages };
export const STORED = "festival-language";

let words = {};
export const current = { language: "en", locale: "en", dir: "ltr" };
let formats = null;

const address = (code) => `languages/${code}.json?v=${version}`;

async function read(code) {
  const response = await fetch(address(code));
  if (!response.ok) throw new Error(`${response.status}`);
  return response.json();
}

// The locale Intl writes in: the visitor's own tag for that language (de-AT, pt-BR), else the code.
function localeFor(code) {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  return wanted.find((tag) => String(tag).toLowerCase().split("-")[0] === code) || code;
}

function use(code, catalogue) {
  words = catalogue;
  const locale = code === root.dataset.language && root.lang ? root.lang : localeFor(code);
  Object.assign(current, { language: code, locale, dir: languages[code].dir });
  root.lang = locale;
  root.dir = current.dir;
  root.dataset.language = code;
  formats = makeFormats(locale);
}

async function load(code) {
  try { return await read(code); } catch (error) {
    if (code === "en") return {};
    return read("en").catch(() => ({}));  // no signal and not kept: English, if kept
  }
}

{
  const code = Object.hasOwn(languages, root.dataset.language || "") ? root.dataset.language : "en";
  const slot = document.getElementById("words");
  const carried = slot && slot.textContent ? JSON.parse(slot.textContent) : {};
  use(code, carried.language === code ? carried.words : await load(code));
}

/* ---- words ---- */

function raw(key, count) {
  let text = words[key] ?? key;  // a key no catalogue has shows as itself (a test keeps them complete)
  if (typeof text === "object") text = text[formats.plural.select(count ?? 0)] ?? text.other;
  return text;
}

const shown = (value) => (typeof value === "number" ? formats.number.format(value) : value);

// A text with its {named} values: t("plan.sets", { count: 3 }) -> "3 sets".
export function t(key, values = {}) {
  return raw(key, values.count).replace(/\{(\w+)\}/g, (all, name) =>
    (Object.hasOwn(values, name) ? String(shown(values[name])) : all));
}

// The same, as parts for el(): a value that is a node (a name in its <bdi>) stays a node,
// and a value that is a list of parts (listParts) is spread.
export function parts(key, values = {}) {
  const found = raw(key, values.count).split(/(\{\w+\})/).filter(Boolean).flatMap((piece) => {
    const name = /^\{(\w+)\}$/.exec(piece);
    return name && Object.hasOwn(values, name[1]) ? shown(values[name[1]]) : [piece];
  });
  // Neighbouring words are one text ("until 22:00"), as a sentence written whole would be.
  return found.reduce((joined, piece) => {
    const last = joined.length - 1;
    if (typeof piece === "string" && typeof joined[last] === "string") joined[last] += piece;
    else joined.push(piece);
    return joined;
  }, []);
}

export const has = (key) => Object.hasOwn(words, key);

// What the server said (an error's or a rejected row's {code, values, message}), in the
// visitor's words where its stable code has a text here ("server.<code>", with the answer's
// named values), else the server's own English message (which English shows as it is).
export const fromServer = ({ code, values, message } = {}) =>
  (current.language !== "en" && code && has(`server.${code}`) ? t(`server.${code}`, values || {}) : message || "");

/* ---- numbers, times and dates ---- */

function makeFormats(locale) {
  const utc = { timeZone: "UTC" };
  return {
    plural: new Intl.PluralRules(locale),
    number: new Intl.NumberFormat(locale),
    time: new Intl.DateTimeFormat(locale, { ...utc, hour: "numeric", minute: "2-digit" }),
    day: new Intl.DateTimeFormat(locale, { ...utc, weekday: "short", day: "numeric", month: "short" }),
    dayTime: new Intl.DateTimeFormat(locale, { ...utc, weekday: "short", day: "numeric", month: "short",
      hour: "numeric", minute: "2-digit" }),
    list: new Intl.ListFormat(locale, { style: "long", type: "conjunction" }),
    relative: new Intl.RelativeTimeFormat(locale, { numeric: "auto" }),
    hours: new Intl.NumberFormat(locale, { style: "unit", unit: "hour", unitDisplay: "narrow" }),
    minutes: new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "short" }),
    units: new Intl.ListFormat(locale, { style: "narrow", type: "unit" }),
  };
}

// A festival-local time as the API writes it ("2026-07-03T21:00") is a wall-clock reading
// in the festival's zone: it is written as the instant with the same fields in UTC, which
// is what DateTimeFormat in the festival's zone shows for it, with no round trip through
// an offset (the autumn's repeated hour stays as the timetable wrote it).
const wall = (isoText) => new Date(minutes(isoText) * 60000);

export const count = (n) => formats.number.format(n);
export const clock = (isoText) => formats.time.format(wall(isoText));
export const span = (set) => `${clock(set.start)}–${clock(set.end)}`;
export const dayLabel = (day) => formats.day.format(wall(`${day}T12:00`));
export const dayAndTime = (isoText) => formats.dayTime.format(wall(isoText));
export const list = (items) => formats.list.format(items.map(String));

// A list of parts (strings or nodes), joined as the language joins a list ("A, B and C").
export function listParts(items) {
  const marks = items.map((_, i) => `\u0000${i}\u0000`);
  return formats.list.format(marks).split(/\u0000(\d+)\u0000/).map((piece, i) => (i % 2 ? items[Number(piece)] : piece))
    .filter((piece) => piece !== "");
}

// How long, in hours and minutes ("1 hr, 15 min" in English, "1 Std., 15 Min." in German).
export function duration(total) {
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  const found = [];
  if (hours) found.push(formats.hours.format(hours));
  if (rest || !hours) found.push(formats.minutes.format(rest));
  return formats.units.format(found);
}

// In how long, or how long ago ("in 20 minutes", "vor 3 Stunden"), from minutes.
export function relative(deltaMinutes) {
  const size = Math.abs(deltaMinutes);
  if (size < 60) return formats.relative.format(Math.round(deltaMinutes), "minute");
  if (size < 48 * 60) return formats.relative.format(Math.round(deltaMinutes / 60), "hour");
  return formats.relative.format(Math.round(deltaMinutes / 1440), "day");
}

// A real instant (a release's time, when a copy was saved), in the festival's zone.
export function instant(date, zone, options = { weekday: "short", day: "numeric", month: "short", hour: "numeric",
  minute: "2-digit" }) {
  return new Intl.DateTimeFormat(current.locale, { timeZone: zone || "UTC", ...options }).format(date);
}

/* ---- the page's fixed words, and switching ---- */

// Fill every element that names a key: data-i18n (its text), data-i18n-label (aria-label),
// data-i18n-placeholder, data-i18n-title.
export function translatePage(scope = document) {
  for (const node of scope.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const [attribute, name] of [["i18nLabel", "aria-label"], ["i18nPlaceholder", "placeholder"],
    ["i18nTitle", "title"]]) {
    for (const node of scope.querySelectorAll(`[data-${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`)) {
      node.setAttribute(name, t(node.dataset[attribute]));
    }
  }
  // Words the style sheet shows (after a playing set's time): CSS strings.
  for (const [name, key] of [["--word-now", "words.now"], ["--word-next", "words.next"]]) {
    root.style.setProperty(name, JSON.stringify(t(key)));
  }
}

const listeners = [];
// `listener()` runs after every switch of language, once the new words are in.
export const onLanguage = (listener) => listeners.push(listener);

export async function switchLanguage(code) {
  if (!Object.hasOwn(languages, code) || code === current.language) return;
  try { localStorage.setItem(STORED, code); } catch (error) { /* storage off: this page only */ }
  const catalogue = await load(code);
  use(code, catalogue);
  translatePage();
  for (const listener of listeners) listener();
}

// The language menu (a labelled <select id="language">): every catalogue, each in its own
// language, the current one chosen.
export function wireLanguageMenu(select) {
  select.replaceChildren(...Object.entries(languages).map(([code, { name }]) => {
    const option = document.createElement("option");
    option.value = code; option.lang = code; option.textContent = name;
    return option;
  }));
  select.value = current.language;
  select.addEventListener("change", () => switchLanguage(select.value));
  onLanguage(() => { select.value = current.language; });
}

// A number with its sign ("+5", "−5" as the locale writes a minus).
export const signed = (n) => new Intl.NumberFormat(current.locale, { signDisplay: "exceptZero" }).format(n);
