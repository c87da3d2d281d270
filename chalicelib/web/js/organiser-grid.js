// The file's sets by festival day: a tab per day, the day as stages in columns (time
// running down, each set as long as it lasts) or as a list in time order (what a phone
// shows first), new, moved, changed and cancelled sets marked with a word and a border;
// below, what leaves the day (removed, moved to another day) and what a rejected row keeps.

import { $, alone, bdi, el } from "./dom.js";
import { byStart, iso, minutes } from "./time.js";
import { clock, dayLabel, parts as said, span, t } from "./i18n.js";
import { flag } from "./organiser-changes.js";

const NARROW = "(max-width: 40rem)";

export function createDays(store) {
  let layout = store.get("organiser-layout", null) || (matchMedia(NARROW).matches ? "list" : "grid");
  let shown = { sets: [], removed: [], kept: [], unplaced: 0 };
  let days = [];
  let day = null;

  function from(set) {
    if (set.change !== "moved" || !set.from) return null;
    const fromDay = set.day !== set.from.day ? `${dayLabel(set.from.day)} ` : "";
    const when = `${fromDay}${span(set.from)}`;
    return set.from.stage !== set.stage ? said("grid.fromStage", { stage: bdi(set.from.stage), when })
      : said("grid.from", { when });
  }


  function flags(set) {
    const kinds = [];
    if (set.change && set.change !== "cancelled") kinds.push(set.change);
    if (set.cancelled) kinds.push("cancelled");
    return kinds.map(flag);
  }

  function block(set, top) {
    const kinds = [set.change, set.cancelled ? "cancelled" : null].filter(Boolean);
    const item = el("li", ["set", ...kinds].join(" "));
    Object.assign(item.dataset, { start: set.start, end: set.end, stage: set.stage, change: set.change || "" });
    item.style.top = `calc(${minutes(set.start) - top} * var(--minute))`;
    item.style.height = `calc(${minutes(set.end) - minutes(set.start)} * var(--minute) - 2px)`;
    const moved = from(set);
    item.append(el("span", "flags", ...flags(set)), alone("span", "artist", set.artist), el("span", "when", span(set)));
    if (moved) item.append(el("span", "from", ...moved));
    return item;
  }

  function grid(sets) {
    const top = Math.floor(Math.min(...sets.map((set) => minutes(set.start))) / 60) * 60;
    const bottom = Math.ceil(Math.max(...sets.map((set) => minutes(set.end))) / 60) * 60;
    const stages = [...new Set(sets.map((set) => set.stage))].sort((a, b) => a.localeCompare(b));
    const height = `calc(${bottom - top} * var(--minute))`;
    const inner = el("div", "grid");
    inner.style.gridTemplateColumns = `3rem repeat(${stages.length}, minmax(var(--column), 1fr))`;
    inner.style.gridTemplateRows = `auto ${height}`;
    inner.append(el("div", "corner"));
    stages.forEach((stage, at) => {
      const head = alone("h3", "stage-head", stage);
      head.id = `stage-${at}`;
      inner.append(head);
    });
    const times = el("div", "times");
    times.style.height = height;
    times.setAttribute("aria-hidden", "true");
    for (let hour = top; hour <= bottom; hour += 60) {
      const label = el("span", "hour", clock(iso(hour)));
      label.style.top = `calc(${hour - top} * var(--minute))`;
      times.append(label);
    }
    inner.append(times);
    stages.forEach((stage, at) => {
      const column = el("ol", "column", ...sets.filter((set) => set.stage === stage).map((set) => block(set, top)));
      column.dataset.stage = stage;
      column.style.height = height;
      column.setAttribute("aria-labelledby", `stage-${at}`);
      inner.append(column);
    });
    const wrap = el("div", "grid-wrap", inner);
    wrap.id = "grid";
    wrap.tabIndex = 0;  // it scrolls: a keyboard must reach it
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", t("grid.label", { day: dayLabel(day) }));
    return wrap;
  }

  function list(sets) {
    const items = sets.map((set) => {
      const kinds = [set.change, set.cancelled ? "cancelled" : null].filter(Boolean);
      const item = el("li", ["entry", ...kinds].join(" "));
      Object.assign(item.dataset, { start: set.start, end: set.end, stage: set.stage, change: set.change || "" });
      const moved = from(set);
      item.append(el("span", "when", span(set)), el("span", "", ...flags(set), alone("span", "artist", set.artist),
        el("span", "where", bdi(set.stage)), moved ? el("span", "from", ...moved) : null));
      return item;
    });
    const agenda = el("ol", "agenda", ...items);
    agenda.id = "agenda";
    return agenda;
  }

  function gone() {
    const items = [];
    for (const set of shown.removed.filter((set) => set.day === day)) {
      items.push(el("li", "", flag("removed"), bdi(set.artist), ", ", bdi(set.stage), ` ${span(set)}`));
    }
    for (const set of shown.sets.filter((set) => set.change === "moved" && set.from && set.day !== day)) {
      if (set.from.day !== day) continue;
      items.push(el("li", "", flag("moved"), ...said("grid.movedAway", { artist: bdi(set.artist), from: span(set.from),
        day: dayLabel(set.day), stage: bdi(set.stage), when: span(set) })));
    }
    for (const set of shown.kept.filter((set) => set.day === day)) {
      items.push(el("li", "", ...said("grid.kept", { artist: bdi(set.artist), stage: bdi(set.stage),
        start: clock(set.start) })));
    }
    if (!items.length) return [];
    const list = el("ul", "gone", ...items);
    list.id = "gone";
    return [el("h3", "", t("grid.notShown")), list];
  }

  function renderTabs() {
    $("days").replaceChildren(...days.map((each, at) => {
      const count = shown.sets.filter((set) => set.day === each && set.change).length
        + shown.removed.filter((set) => set.day === each).length;
      const tab = el("button", "", dayLabel(each), count ? el("span", "", ` · ${t("grid.changedCount", { count })}`) : null);
      Object.assign(tab, { type: "button", id: `day-tab-${at}`, tabIndex: each === day ? 0 : -1 });
      tab.dataset.day = each;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-selected", String(each === day));
      tab.setAttribute("aria-controls", "day-panel");
      tab.addEventListener("click", () => choose(each));
      return tab;
    }));
  }

  function renderPanel() {
    const panel = $("day-panel");
    const tab = days.indexOf(day);
    if (tab >= 0) panel.setAttribute("aria-labelledby", `day-tab-${tab}`);
    const only = $("changed-only").checked;
    const sets = shown.sets.filter((set) => set.day === day && (!only || set.change)).sort(byStart);
    const parts = [];
    if (!days.length) parts.push(el("p", "", t("grid.noSets")));
    else if (!sets.length && only) parts.push(el("p", "", t("grid.noChanges")));
    else if (!sets.length) parts.push(el("p", "", t("grid.noneThisDay")));
    else parts.push(layout === "grid" ? grid(sets) : list(sets));
    if (shown.unplaced) {
      parts.push(el("p", "hint", t("grid.unplaced", { count: shown.unplaced })));
    }
    panel.replaceChildren(...parts, ...gone());
    const wrap = $("grid");
    const first = wrap && wrap.querySelector(".set.new, .set.moved, .set.changed, .set.cancelled");
    if (first) {  // the first change in sight, below the stages' heads
      const head = wrap.querySelector(".stage-head").offsetHeight;
      const below = first.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
      wrap.scrollTop = Math.max(0, below - head - 24);
    }
    panel.dataset.day = day || "";
    panel.dataset.layout = layout;
    $("show-grid").setAttribute("aria-pressed", String(layout === "grid"));
    $("show-list").setAttribute("aria-pressed", String(layout === "list"));
  }

  function choose(next, focus = false) {
    day = next;
    renderTabs();
    renderPanel();
    if (focus) $("days").querySelector(`[data-day="${next}"]`).focus();
  }

  // Arrow keys move along the tabs, as in any tab list.
  $("days").addEventListener("keydown", (event) => {
    const at = days.indexOf(day);
    const step = { ArrowRight: 1, ArrowLeft: -1, Home: -at, End: days.length - 1 - at }[event.key];
    if (step === undefined || !days.length) return;
    event.preventDefault();
    choose(days[(at + step + days.length) % days.length], true);
  });
  $("changed-only").addEventListener("change", renderPanel);
  for (const [id, name] of [["show-grid", "grid"], ["show-list", "list"]]) {
    $(id).addEventListener("click", () => {
      layout = name;
      store.set("organiser-layout", name);
      renderPanel();
    });
  }

  // Show a preview's sets: the day on screen stays if the file still has it; otherwise
  // the first day with a change, or the first day.
  return function show(next) {
    shown = next;
    days = [...new Set([...next.sets, ...next.removed].map((set) => set.day))].sort();
    const changed = days.find((each) => next.sets.some((set) => set.day === each && set.change)
      || next.removed.some((set) => set.day === each));
    day = days.includes(day) ? day : changed || days[0] || null;
    renderTabs();
    renderPanel();
  };
}
