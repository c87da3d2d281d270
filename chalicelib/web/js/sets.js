// One set on the schedule page: its star, its details, and its clashes with other picks.

import { base } from "./api.js";
import { $, announce, el } from "./dom.js";
import { dayLabel, hhmm, minutes, span, byStart } from "./time.js";
import { emit, isCancelled, picks, state } from "./state.js";

export function toggle(id) {
  const set = state.byId.get(id);
  const on = picks.toggle(id);
  if (set) announce(`${set.artist} ${on ? "added to" : "removed from"} my plan`);
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

// Overlapping picks clash; with a walking time, so do picks on other stages too close to reach.
export function conflicts(sets) {
  const found = new Map();
  const note = (set, kind, text) => { if (!found.has(set.id)) found.set(set.id, []); found.get(set.id).push({ kind, text }); };
  const live = sets.filter((set) => !isCancelled(set)).sort(byStart);
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const [a, b] = [live[i], live[j]];
      const gap = minutes(b.start) - minutes(a.end);
      if (gap < 0) {
        note(a, "clash", `Clashes with ${b.artist} (${b.stage}, ${span(b)})`);
        note(b, "clash", `Clashes with ${a.artist} (${a.stage}, ${span(a)})`);
      } else if (a.stage !== b.stage && gap < state.walk) {
        const text = (other) => `Only ${gap} min to walk between ${a.stage} and ${b.stage} (${other.artist})`;
        note(a, "tight", text(b)); note(b, "tight", text(a));
      }
    }
  }
  return found;
}
