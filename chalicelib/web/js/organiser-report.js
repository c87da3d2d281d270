// The preview's verdict and counts, and what to fix: each rejected row of the file as it
// is written, its cells under the file's own column names, the cells the server names
// marked (a word, a sign and a border, not a colour alone); then the warnings.

import { alone, bdi, el, plural } from "./dom.js";
import { columnKey } from "./csv.js";
import { words } from "./organiser-words.js";

const VERDICTS = {
  ok: ["OK", "Every row is accepted."],
  partial: ["Partial", "Some rows are rejected. Publishing it applies the accepted rows; the sets the rejected rows "
    + "stand for stay live as they are until those rows are fixed."],
  failed: ["Failed", "Publishing it would change nothing: the live sets stay as they are."],
};
const KINDS = ["new", "moved", "changed", "cancelled", "removed", "unchanged"];

export function renderVerdict(target, preview) {
  const [word, meaning] = VERDICTS[preview.status] || [preview.status, ""];
  const head = el("div", `verdict ${preview.status}`, el("span", "word", word),
    el("span", "", `${plural(preview.accepted || 0, "row")} accepted, ${(preview.rejected || 0).toLocaleString()} rejected`));
  const parts = [head];
  if (preview.reason) parts.push(el("p", "reason", "Why: ", alone("span", "", preview.reason)));
  parts.push(el("p", "", meaning));
  const changes = preview.changes || {};
  if (preview.changes) {
    parts.push(el("ul", "counts", ...KINDS.map((kind) => el("li", "", el("b", "", (changes[kind] || 0).toLocaleString()),
      ` ${kind}`))));
  }
  const about = preview.preview || {};
  if (about.publishes_as) {
    const against = about.against_release
      ? `the live schedule as of release ${about.against_release}` : "an empty schedule (nothing is published yet)";
    parts.push(el("p", "hint", "Compared as ", el("code", "", about.publishes_as), ` with ${against}; `,
      about.would_release ? "publishing it would make a release." : "publishing it would change nothing live."));
  }
  if (preview.encoding) {
    const delimiter = { ",": "comma", ";": "semicolon", "\t": "tab" }[preview.delimiter] || preview.delimiter;
    parts.push(el("p", "hint", `Read as ${preview.encoding}, ${delimiter}-separated.`));
  }
  target.replaceChildren(...parts);
}

// The position of a column the server names: a known column by its name, another as the
// header writes it, one beyond the header as "column N".
function positionOf(name, found) {
  const key = columnKey(name);
  if (found.index.has(key)) return found.index.get(key);
  const written = found.header.fields.findIndex((field) => field.trim() === name);
  if (written >= 0) return written;
  const numbered = /^column (\d+)$/.exec(name);
  return numbered ? Number(numbered[1]) - 1 : -1;
}

function cellsOf(record, found, bad) {
  const names = found.header.fields;
  const count = Math.max(names.length, record.fields.length);
  const cells = [];
  for (let at = 0; at < count; at += 1) {
    const name = at < names.length ? names[at].trim() || `column ${at + 1}` : `column ${at + 1} (beyond the header)`;
    const value = record.fields[at] ?? "";
    const marked = bad.has(at);
    const term = el("dt", "", alone("span", "", name));
    if (marked) term.append(el("span", "sr-only", " (to fix)"));
    const shown = value === "" ? el("span", "empty", "(empty)") : value;
    const definition = el("dd", "", shown);
    if (value !== "") definition.dir = "auto";
    const cell = el("div", marked ? "cell bad" : "cell", term, definition);
    cell.dataset.column = name;
    cells.push(cell);
  }
  return el("dl", "cells", ...cells);
}

function rejectedRow(error, byLine, found, lines) {
  const item = el("li");
  item.dataset.line = String(error.line);
  item.append(el("p", "why", el("span", "line", `Line ${error.line}: `), alone("span", "reason", error.reason)));
  const record = byLine.get(error.line);
  if (record && found) {
    const bad = new Set((error.columns || []).map((name) => positionOf(name, found)).filter((at) => at >= 0));
    item.append(cellsOf(record, found, bad));
  }
  const written = record ? record.text : lines[error.line - 1];
  if (written !== undefined) {
    const raw = el("details", "raw", el("summary", "", "As written in the file"), el("code", "", written));
    item.append(raw);
  }
  return item;
}

// A likely fix, with its reason and the button that writes it (`onFix(fix, button)`).
function fixItem(fix, onFix) {
  const button = el("button", "", words.fixButton(fix.suggested));
  button.type = "button";
  button.setAttribute("aria-label", words.fixLabel(fix.line, fix.column, fix.value, fix.suggested));
  button.addEventListener("click", () => onFix(fix, button));
  const item = el("li", "", el("p", "why", el("span", "line", words.fixLine(fix.line, fix.column)),
    alone("span", "reason", fix.reason)), button);
  Object.assign(item.dataset, { line: String(fix.line), column: fix.column });
  return item;
}

// `onFix`: how a tapped fix is written (none: no fix is offered); `fixed`: the file was
// fixed on this page ({ name, href } of the fixed copy, to download).
export function renderProblems(target, preview, found, all, text, { onFix = null, fixed = null } = {}) {
  const errors = preview.errors || [];
  const warnings = preview.warnings || [];
  const fixes = onFix ? preview.fixes || [] : [];
  const parts = [];
  if (fixed) {
    const download = el("a", "", words.downloadFixed(fixed.name));
    Object.assign(download, { href: fixed.href, download: fixed.name });
    parts.push(el("p", "fixed-here", words.fixedHere, " ", download));
  }
  if (fixes.length) {
    parts.push(el("h3", "", words.fixesTitle(fixes.length)), el("p", "hint", words.fixesHint));
    const list = el("ul", "fixes", ...fixes.map((fix) => fixItem(fix, onFix)));
    list.id = "fixes";
    parts.push(list);
  }
  if (!errors.length && !warnings.length) parts.push(el("p", "", "Nothing to fix: no row is rejected, no warning."));
  if (errors.length) {
    const byLine = new Map(all.map((record) => [record.line, record]));
    const lines = text.split(/\r\n|\r|\n/);
    parts.push(el("h3", "", `Rejected rows (${preview.rejected.toLocaleString()})`));
    parts.push(el("p", "hint", "Each rejected row as it is in the file; the cells to fix are marked ✗."));
    if (preview.errors_truncated) {
      parts.push(el("p", "", `The first ${errors.length.toLocaleString()} are listed.`));
    }
    parts.push(el("ol", "rejected", ...errors.map((error) => rejectedRow(error, byLine, found, lines))));
  }
  if (warnings.length) {
    parts.push(el("h3", "", `Warnings (${warnings.length.toLocaleString()})`));
    parts.push(el("ul", "warnings", ...warnings.map((warning) => el("li", "", bdi(warning)))));
  }
  target.replaceChildren(...parts);
}
