// Element and text helpers shared by the pages, and what a page keeps in this browser.
// Everything from the API is shown as text (a string child becomes a text node), never as
// markup; user text is isolated (`bdi`, or dir="auto" on an element that holds nothing else).

export const $ = (id) => document.getElementById(id);

// The page's own address, ending in "/": the API, the modules and the worker live beside it.
export const base = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";

// An element with a class and children: strings become text nodes, nodes are appended.
export function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

// User text (a name, a stage, a genre, notes) among other words: in its own <bdi>, so its
// direction (an Arabic name, or a U+202E override) cannot reorder the words around it.
export const bdi = (text) => el("bdi", "", text);

// An element that holds only user text: it takes the text's own direction.
export function alone(tag, className, text) {
  const node = el(tag, className, text);
  node.dir = "auto";
  return node;
}

// For screen readers: the page's polite live region (an element with id "live").
export function announce(...parts) { $("live").replaceChildren(...parts); }

export const reducedMotion = () => matchMedia("(prefers-reduced-motion: reduce)").matches;

// Search ignores case and accents: "bjork" finds Björk, "sigur ros" Sigur Rós, "mo" MØ.
const UNACCENTED = { ø: "o", æ: "ae", œ: "oe", ß: "ss", ł: "l", đ: "d", ð: "d", þ: "th", ı: "i" };
export const fold = (text) => (text || "").toLowerCase().normalize("NFD").replace(/\p{M}/gu, "")
  .replace(/[øæœßłđðþı]/g, (c) => UNACCENTED[c]);


// A name inside a drawn sentence that is not markup (a tooltip): between Unicode isolates,
// so its direction (an Arabic name, or U+202E) cannot reorder the words around it. In
// markup the page puts it in a <bdi> (see `bdi`).
export const isolate = (text) => `\u2068${text}\u2069`;

// What a page keeps in this browser, per schedule address (two festivals on one host keep
// apart): JSON values in localStorage or sessionStorage.
export function createStore(base) {
  const key = (name) => `festival-schedule:${base}:${name}`;
  return {
    key,
    get(name, fallback, area = localStorage) {
      try { const text = area.getItem(key(name)); return text === null ? fallback : JSON.parse(text); }
      catch (error) { return fallback; }
    },
    // True when kept; false when the browser refused (storage off, or full).
    set(name, value, area = localStorage) {
      try { area.setItem(key(name), JSON.stringify(value)); return true; }
      catch (error) { return false; }
    },
  };
}
