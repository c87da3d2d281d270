// My plan: the picks by festival day with now, next and clashes; a plan someone shared;
// the link to share one's own, and the calendar subscription of the picks.

import { base } from "./api.js";
import { $, announce, el } from "./dom.js";
import { dayLabel, hhmm, minutes, span, byStart, festivalNow } from "./time.js";
import { describe, emit, isCancelled, newsOf, picks, state } from "./state.js";
import { conflicts, showDetails, starButton } from "./sets.js";
import { SET_ID } from "./picks.js";

function planLink(ids) { return `${location.origin}${base}#plan=${ids.join(",")}`; }

export function renderPlan() {
  const shared = state.shared;
  const ids = shared || picks.list();
  const sets = ids.map((id) => state.byId.get(id)).filter(Boolean).sort(byStart);
  const missing = ids.length - sets.length;
  const problems = conflicts(sets);
  const at = minutes(state.moment || festivalNow(state.zone));
  const next = sets.find((set) => !isCancelled(set) && minutes(set.start) > at);
  const playing = sets.filter((set) => !isCancelled(set) && minutes(set.start) <= at && at < minutes(set.end));
  $("plan-title").textContent = shared ? "A shared plan" : "My plan";
  const summary = [];
  if (playing.length) summary.push(`Now: ${playing.map((s) => `${s.artist} (${s.stage}, until ${hhmm(s.end)})`).join(", ")}.`);
  if (next) summary.push(`Next: ${next.artist} (${next.stage}, ${dayLabel(next.day)} ${hhmm(next.start)}).`);
  $("plan-now").textContent = summary.join(" ");
  const list = $("plan-list");
  list.replaceChildren();
  if (!sets.length && state.complete) {
    list.append(el("p", "", "Nothing in your plan yet. Star (☆) the sets you want to see in the timetable; " +
      "they are listed here by festival day, with any clashes."));
  }
  for (const day of [...new Set(sets.map((set) => set.day))]) {
    list.append(el("h3", "", dayLabel(day)));
    const items = el("ol", "plan-day");
    for (const set of sets.filter((s) => s.day === day)) {
      const item = el("li", "pick"); item.dataset.id = set.id;
      item.classList.toggle("cancelled", isCancelled(set));
      item.classList.toggle("now", playing.includes(set));
      item.classList.toggle("next", set === next);
      const what = el("div");
      const open = el("button", "open artist", set.artist); open.type = "button";
      open.setAttribute("aria-label", describe(set));
      open.addEventListener("click", () => showDetails(set));
      what.append(open, el("div", "where", `${set.stage}${set.genre ? " · " + set.genre : ""}`));
      if (isCancelled(set)) what.append(el("span", "flag", "cancelled"));
      const news = newsOf(set);
      if (news) what.append(el("span", "flag news", ` ${news}`));
      const actions = el("div", "actions");
      const calendar = el("a", "", "Calendar"); calendar.href = `${base}calendar.ics?ids=${set.id}`;
      calendar.setAttribute("aria-label", `Add ${set.artist} to my calendar`);
      actions.append(calendar, starButton(set));
      item.append(el("span", "time", span(set)), what, actions);
      for (const problem of problems.get(set.id) || []) item.append(el("div", `warning ${problem.kind}`, problem.text));
      items.append(item);
    }
    list.append(items);
  }
  if (missing > 0) {
    const gone = el("p", "message warn", `${missing} picked set${missing > 1 ? "s are" : " is"} no longer in the schedule.`);
    if (!shared) {
      const forget = el("button", "", "Forget"); forget.type = "button";
      forget.addEventListener("click", () => { picks.keepOnly((id) => state.byId.has(id)); emit("picks"); });
      gone.append(forget);
    }
    if (state.complete) list.append(gone);
  }
  const own = picks.list();
  $("share-link").value = own.length ? planLink(own) : "";
  const feed = new URL(`${base}calendar.ics?ids=${own.join(",")}`, location.href);
  $("subscribe").href = feed.href.replace(/^https?:/, "webcal:");  // opens the phone's calendar app
  $("calendar-address").href = feed.href;
  $("subscribe").hidden = $("subscribe-hint").hidden = own.length === 0;
  $("share").disabled = own.length === 0;
  $("shared").hidden = !shared;
  if (shared) {
    const fresh = shared.filter((id) => !picks.has(id)).length;
    $("shared-summary").textContent = `Someone shared a plan of ${shared.length} set${shared.length === 1 ? "" : "s"}` +
      (fresh ? `; ${fresh} of them are not in yours.` : "; all of them are in yours.");
    $("shared-add").hidden = fresh === 0;
  }
}

// "#plan=id,id": a plan someone shared. True when there is one.
export function readSharedPlan() {
  const match = location.hash.match(/^#plan=([a-z2-7,]*)$/);
  const ids = match ? match[1].split(",").filter((id) => SET_ID.test(id)) : [];
  state.shared = ids.length ? [...new Set(ids)] : null;
  return Boolean(state.shared);
}

export function leaveSharedPlan() {
  state.shared = null;
  history.replaceState(null, "", location.pathname + location.search);
  renderPlan();
}

export function addSharedPlan() {
  picks.add(state.shared || []);
  announce("Added to my plan");
  leaveSharedPlan();
  emit("picks");
}

export async function share() {
  const link = planLink(picks.list());
  $("share-link").select();
  try {
    if (navigator.share) await navigator.share({ title: "My festival plan", url: link });
    else { await navigator.clipboard.writeText(link); announce("Link to my plan copied"); }
  } catch (error) { announce("Copy the link from the field next to the button"); }
}
