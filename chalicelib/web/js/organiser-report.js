// The preview's verdict and counts, and what to fix: each rejected row of the file as it
// is written, its cells under the file's own column names, the cells the server names
// marked (a word, a sign and a border, not a colour alone); then the warnings.

import { alone, bdi, el } from "./dom.js";
import { columnKey } from "./csv.js";
import { count, fromServer, has, parts as said, t } from "./i18n.js";

const KINDS = ["new", "moved", "changed", "cancelled", "removed", "unchanged"];
const DELIMITERS = { ",": "comma", ";": "semicolon", "\t": "tab" };

// A rejected row's reasons, each in the visitor's words where the server's code has them
// (`problems`: [{code, values, message}]), else the server's English `reason`.
export const reasonOf = (error) => (error.problems && error.problems.length
  ? error.problems.map((problem) => fromServer(problem)).join(t("report.problemSeparator")) : error.reason);

export function renderVerdict(target, preview) {
  const known = has(`report.verdict.${preview.status}`);
  const head = el("div", `verdict ${preview.status}`,
    el("span", "word", known ? t(`report.verdict.${preview.status}`) : preview.status),
    el("span", "", t("report.accepted", { accepted: t("report.rows", { count: preview.accepted || 0 }),
      rejected: count(preview.rejected || 0) })));
  const parts = [head];
  if (preview.reason) {
    const reason = fromServer({ code: preview.reason_code, values: preview.reason_values, message: preview.reason });
    parts.push(el("p", "reason", ...said("report.why", { reason: alone("span", "", reason) })));
  }
  if (known) parts.push(el("p", "", t(`report.meaning.${preview.status}`)));
  const changes = preview.changes || {};
  if (preview.changes) {
    parts.push(el("ul", "counts", ...KINDS.map((kind) => el("li", "", el("b", "", count(changes[kind] || 0)),
      ` ${t(`change.${kind}`)}`))));
  }
  const about = preview.preview || {};
  if (about.publishes_as) {
    const against = about.against_release ? t("report.againstRelease", { release: about.against_release })
      : t("report.againstNothing");
    parts.push(el("p", "hint", ...said(about.would_release ? "report.comparedRelease" : "report.comparedNothing",
      { name: el("code", "", about.publishes_as), against })));
  }
  if (preview.encoding) {
    const delimiter = DELIMITERS[preview.delimiter] ? t(`report.delimiter.${DELIMITERS[preview.delimiter]}`)
      : preview.delimiter;
    parts.push(el("p", "hint", t("report.readAs", { encoding: preview.encoding, delimiter })));
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
    const name = at < names.length ? names[at].trim() || t("report.column", { number: at + 1 })
      : t("report.columnBeyond", { number: at + 1 });
    const value = record.fields[at] ?? "";
    const marked = bad.has(at);
    const term = el("dt", "", alone("span", "", name));
    if (marked) term.append(el("span", "sr-only", ` ${t("report.toFix")}`));
    const shown = value === "" ? el("span", "empty", t("report.empty")) : value;
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
  item.append(el("p", "why", el("span", "line", t("report.line", { line: error.line })),
    alone("span", "reason", reasonOf(error))));
  const record = byLine.get(error.line);
  if (record && found) {
    const bad = new Set((error.columns || []).map((name) => positionOf(name, found)).filter((at) => at >= 0));
    item.append(cellsOf(record, found, bad));
  }
  const written = record ? record.text : lines[error.line - 1];
  if (written !== undefined) {
    const raw = el("details", "raw", el("summary", "", t("report.asWritten")), el("code", "", written));
    item.append(raw);
  }
  return item;
}

// A likely fix, with its reason and the button that writes it (`onFix(fix, button)`).
function fixItem(fix, onFix) {
  const button = el("button", "", t("organiser.fixButton", { suggested: fix.suggested }));
  button.type = "button";
  button.setAttribute("aria-label", t("organiser.fixLabel", { line: fix.line, column: fix.column, value: fix.value, suggested: fix.suggested }));
  button.addEventListener("click", () => onFix(fix, button));
  const item = el("li", "", el("p", "why", el("span", "line", t("organiser.fixLine", { line: fix.line, column: fix.column })),
    alone("span", "reason", fromServer({ code: fix.code, values: fix.values, message: fix.reason }))), button);
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
    const download = el("a", "", t("organiser.downloadFixed", { name: fixed.name }));
    Object.assign(download, { href: fixed.href, download: fixed.name });
    parts.push(el("p", "fixed-here", t("organiser.fixedHere"), " ", download));
  }
  if (fixes.length) {
    parts.push(el("h3", "", t("organiser.fixesTitle", { count: fixes.length })), el("p", "hint", t("organiser.fixesHint")));
    const list = el("ul", "fixes", ...fixes.map((fix) => fixItem(fix, onFix)));
    list.id = "fixes";
    parts.push(list);
  }
  if (!errors.length && !warnings.length) parts.push(el("p", "", t("report.nothingToFix")));
  if (errors.length) {
    const byLine = new Map(all.map((record) => [record.line, record]));
    const lines = text.split(/\r\n|\r|\n/);
    parts.push(el("h3", "", t("report.rejectedTitle", { count: preview.rejected })));
    parts.push(el("p", "hint", t("report.rejectedHint")));
    if (preview.errors_truncated) {
      parts.push(el("p", "", t("report.firstListed", { count: errors.length })));
    }
    parts.push(el("ol", "rejected", ...errors.map((error) => rejectedRow(error, byLine, found, lines))));
  }
  if (warnings.length) {
    const details = preview.warning_details || [];
    parts.push(el("h3", "", t("report.warningsTitle", { count: warnings.length })));
    parts.push(el("ul", "warnings", ...warnings.map((warning, at) =>
      el("li", "", bdi(fromServer({ ...(details[at] || {}), message: warning }))))));
  }
  target.replaceChildren(...parts);
}
