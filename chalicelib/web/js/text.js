// Text as people type and read it.

// Search ignores case and accents: "bjork" finds Björk, "sigur ros" Sigur Rós, "mo" MØ.
const UNACCENTED = { ø: "o", æ: "ae", œ: "oe", ß: "ss", ł: "l", đ: "d", ð: "d", þ: "th", ı: "i" };
export const fold = (text) => (text || "").toLowerCase().normalize("NFD").replace(/\p{M}/gu, "")
  .replace(/[øæœßłđðþı]/g, (c) => UNACCENTED[c]);

export const plural = (n, one, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

// A name inside a drawn sentence that is not markup (a tooltip): between Unicode isolates,
// so its direction (an Arabic name, or U+202E) cannot reorder the words around it. In
// markup the page puts it in a <bdi> (see dom.js).
export const isolate = (text) => `\u2068${text}\u2069`;
