// Search across every day, whatever the case and accents, and a jump to the set found.

import { $, alone, bdi, el, fold } from "./dom.js";
import { byStart } from "./time.js";
import { dayLabel, span, t } from "./i18n.js";
import { emit, isCancelled, matches, on, state } from "./state.js";
import { dimGrid } from "./timetable.js";

export function applyFilter() {
  const words = fold($("filter").value).split(/\s+/).filter(Boolean);
  state.words = words;
  dimGrid();
  const results = $("results");
  if (!words.length) { results.hidden = true; results.replaceChildren(); return; }
  const found = [...state.byId.values()].filter((set) => matches(set, words)).sort(byStart).slice(0, 30);
  results.replaceChildren(...found.map((set) => {
    const item = el("li"); const choose = el("button", "", ""); choose.type = "button"; choose.dataset.id = set.id;
    choose.append(alone("span", "artist", set.artist),
      el("span", "where", `${dayLabel(set.day)} ${span(set)} · `, bdi(set.stage),
        isCancelled(set) ? ` · ${t("change.cancelled")}` : ""));
    choose.addEventListener("click", () => jumpTo(set.id));
    item.append(choose);
    return item;
  }));
  if (!found.length) results.append(el("li", "hint", t("search.none")));
  results.hidden = false;
}

export async function jumpTo(id) {
  const set = state.byId.get(id);
  if (!set) return;
  $("results").hidden = true;
  emit("reveal", set);
}

export function wireSearch() {
  $("filter").addEventListener("input", applyFilter);
  $("filter").addEventListener("keydown", (event) => {
    const first = $("results").querySelector("button");
    if (event.key === "Enter" && first) { event.preventDefault(); jumpTo(first.dataset.id); }
    if (event.key === "ArrowDown" && first) { event.preventDefault(); first.focus(); }
    if (event.key === "Escape") $("results").hidden = true;
  });
  $("results").addEventListener("keydown", (event) => {
    const buttons = [...$("results").querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < buttons.length - 1) { event.preventDefault(); buttons[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? buttons[at - 1] : $("filter")).focus(); }
    if (event.key === "Escape") { $("results").hidden = true; $("filter").focus(); }
  });
  // What was typed before this module, or before the day that has a match, arrived is searched again.
  const again = () => { if ($("filter").value && !$("results").contains(document.activeElement)) applyFilter(); };
  on("arrived", again);
  again();
}
