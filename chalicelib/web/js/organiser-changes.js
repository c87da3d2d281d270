// What publishing the file would change, as the preview lists it: grouped by kind, then
// by stage (where the set is after publishing), each set with its festival day and time,
// and a moved set with where it was -> where it goes.

import { bdi, el } from "./dom.js";
import { dayLabel, list, span, t } from "./i18n.js";

const KINDS = ["moved", "new", "changed", "cancelled", "removed"];

export const flag = (kind) => el("span", `flag ${kind}`, t(`change.${kind}`));

// `day`: the festival day, as the server's preview gives it (its day change is the server's).
function when(place) {
  return `${dayLabel(place.day)} ${span(place)}`;
}

function change(entry) {
  const item = el("li");
  item.dataset.id = entry.id;
  item.dataset.change = entry.change;
  item.append(el("span", "artist", bdi(entry.artist)), " · ");
  if (entry.change === "moved" && entry.from) {
    const elsewhere = entry.from.stage !== entry.stage;
    const was = el("span", "was", elsewhere ? bdi(entry.from.stage) : "", elsewhere ? " " : "", when(entry.from));
    const now = el("span", "when", elsewhere ? bdi(entry.stage) : "", elsewhere ? " " : "", when(entry));
    item.append(el("span", "sr-only", `${t("report.from")} `), was, el("span", "arrow", el("span", "", "→"),
      el("span", "sr-only", ` ${t("report.to")} `)), now);
  } else {
    item.append(el("span", "when", when(entry)));
  }
  if (entry.fields && entry.fields.length) {
    item.append(` · ${t("report.changedFields", { fields: list(entry.fields.map((field) => t(`report.field.${field}`))) })}`);
  }
  return item;
}

export function renderChanges(target, preview) {
  const changelog = preview.changelog || [];
  const parts = [];
  if (!changelog.length) {
    parts.push(el("p", "", t(preview.status === "failed" ? "report.nothingFails" : "report.nothingChanges")));
  }
  for (const kind of KINDS) {
    const entries = changelog.filter((entry) => entry.change === kind);
    if (!entries.length) continue;
    const stages = [...new Set(entries.map((entry) => entry.stage))].sort((a, b) => a.localeCompare(b));
    const section = el("section", "kind", el("h3", "", flag(kind), t(`report.kind.${kind}`, { count: entries.length })));
    section.dataset.kind = kind;
    for (const stage of stages) {
      const here = entries.filter((entry) => entry.stage === stage).sort((a, b) => a.start.localeCompare(b.start));
      const list = el("ul", "changes", ...here.map(change));
      list.dataset.stage = stage;
      section.append(el("h4", "", bdi(stage)), list);
    }
    parts.push(section);
  }
  if (preview.changelog_truncated) {
    parts.push(el("p", "hint", t("report.changesTruncated")));
  }
  target.replaceChildren(...parts);
}
