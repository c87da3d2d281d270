// One set on the schedule page: its star, its details, and its clashes with other picks.

import { base } from "./api.js";
import { $, announce, bdi, el } from "./dom.js";
import { dayLabel, hhmm, minutes, span, byStart } from "./time.js";
import { emit, isCancelled, picks, state } from "./state.js";
import { MAX_PICKS } from "./picks.js";

export function toggle(id) {
  const set = state.byId.get(id);
  const outcome = picks.toggle(id);
  if (outcome === "refused") announce(`My plan holds ${MAX_PICKS} sets, the most it can: remove some first`);
  else if (set) announce(bdi(set.artist), ` ${picks.has(id) ? "added to" : "removed from"} my plan`);
  emit("picks");
}

export function paintStar(star) {
  const on = picks.has(star.dataset.id);
  star.setAttribute("aria-pressed", String(on));
  if (star.id !== "details-star") star.textContent = on ? "★" : "☆";
}

export function starButton(set) {
  const star = el("button", "star", "☆"); star.type = "button"; star.dataset.id = set.id;
  star.setAttribute("aria-label", `Star ${set.artist}, ${set.stage} ${hhmm(set.start)}`);
  star.addEventListener("click", (event) => { event.stopPropagation(); toggle(set.id); });
  paintStar(star);
  return star;
}

// Where a set opens on this page: what every feed and export links to (`/#set=<id>`).
export const pageLink = (id) => `${location.origin}${base}#set=${id}`;

export function showDetails(set) {
  $("details-artist").textContent = set.artist;
  $("details-stage").textContent = set.stage;
  $("details-when").textContent = `${set.start.replace("T", " ")} – ${set.end.replace("T", " ")}` +
    (isCancelled(set) ? " (cancelled)" : "");
  $("details-genre").textContent = set.genre || "—";
  $("details-notes").textContent = set.notes || "—";
  $("details-day").textContent = dayLabel(set.day);
  const link = $("details-link");
  link.href = link.textContent = pageLink(set.id);
  // Beside the page, as the page reads the API (the API's own `url` may carry a prefix the page's address does not).
  const api = $("details-url");
  api.href = api.textContent = new URL(`${base}performances/${set.id}`, location.href).href;
  const star = $("details-star");
  star.dataset.id = set.id;
  star.setAttribute("aria-label", `Star ${set.artist}: keep it in my plan`);
  paintStar(star);
  $("details-calendar").href = `${base}calendar.ics?ids=${set.id}`;
  if (!$("details").open) $("details").showModal();
}

// Overlapping picks clash; with a walking time, so do picks on other stages too close to
// reach. Set id -> [{ kind: "clash" | "tight", other, from, to, gap }].
export function conflicts(sets) {
  const found = new Map();
  const note = (set, problem) => { if (!found.has(set.id)) found.set(set.id, []); found.get(set.id).push(problem); };
  const live = sets.filter((set) => !isCancelled(set)).sort(byStart);
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const [a, b] = [live[i], live[j]];
      const gap = minutes(b.start) - minutes(a.end);
      if (gap < 0) {
        note(a, { kind: "clash", other: b }); note(b, { kind: "clash", other: a });
      } else if (a.stage !== b.stage && gap < state.walk) {
        const walk = { kind: "tight", from: a.stage, to: b.stage, gap };
        note(a, { ...walk, other: b }); note(b, { ...walk, other: a });
      }
    }
  }
  return found;
}

// A conflict as the page says it, names isolated.
export function conflictText(problem) {
  const other = problem.other;
  if (problem.kind === "clash") return ["Clashes with ", bdi(other.artist), " (", bdi(other.stage), `, ${span(other)})`];
  return [`Only ${problem.gap} min to walk between `, bdi(problem.from), " and ", bdi(problem.to), " (",
    bdi(other.artist), ")"];
}
