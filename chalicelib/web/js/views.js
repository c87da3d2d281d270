// Which view is on screen (the timetable or My plan), which festival day, which moment.

import { $, el, reducedMotion } from "./dom.js";
import { dayLabel } from "./time.js";
import { loadDay, state } from "./state.js";
import { markMoment, renderGrid, renderStrip, scrollToMoment } from "./timetable.js";
import { renderPlan } from "./plan.js";
import { showError } from "./messages.js";

export function showView(view) {
  if (view === "plan") renderPlan();
  $("timetable-view").hidden = view !== "timetable";
  $("plan-view").hidden = view !== "plan";
  $("show-timetable").setAttribute("aria-current", String(view === "timetable"));
  $("show-plan").setAttribute("aria-current", String(view === "plan"));
}

export function renderTabs() {
  $("days").replaceChildren(...state.days.map((day) => {
    const tab = el("button", "", dayLabel(day.day));
    tab.type = "button"; tab.setAttribute("role", "tab"); tab.dataset.day = day.day;
    tab.title = `${day.performances} sets on ${day.stages.length} stages`;
    tab.setAttribute("aria-selected", String(day.day === state.day));
    tab.addEventListener("click", () => selectDay(day.day));
    return tab;
  }));
}

export async function selectDay(day) {
  state.day = day;
  renderTabs();
  let sets = [];
  try {
    sets = await loadDay(day);
    $("error").hidden = true;
  } catch (error) { showError(error); }
  if (state.day !== day) return;  // another tab was chosen while this one loaded
  state.sets = sets;
  renderGrid();
  scrollToMoment();
}

export function setMoment(value) {
  state.moment = value;
  $("moment").value = value;
  markMoment();
  scrollToMoment();
  renderStrip();
  renderPlan();
}

// Bring a set into view on the timetable: its day, scrolled to it, marked and focused
// (so closing its details returns there).
export async function revealSet(set) {
  showView("timetable");
  if (state.day !== set.day) await selectDay(set.day);
  const block = document.querySelector(`#grid .set[data-id="${CSS.escape(set.id)}"]`);
  if (!block) return;
  document.querySelectorAll("#grid .set.found").forEach((b) => b.classList.remove("found"));
  block.classList.remove("dimmed"); block.classList.add("found");
  block.scrollIntoView({ block: "center", inline: "center", behavior: reducedMotion() ? "auto" : "smooth" });
  block.querySelector(".open").focus({ preventScroll: true });
}
