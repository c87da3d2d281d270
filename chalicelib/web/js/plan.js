// My plan: the picks by festival day with now, next and clashes; a plan someone shared;
// the link to share one's own, and the calendar subscription of the picks.

import { $, base, alone, announce, bdi, el } from "./dom.js";
import { minutes, byStart, festivalNow } from "./time.js";
import { clock, dayLabel, listParts, parts, relative, span, t } from "./i18n.js";
import { MAX_PICKS, SET_ID, describe, emit, isCancelled, newsOf, picks, playsAt, state } from "./state.js";
import { showDetails, starButton } from "./agenda.js";

function planLink(ids) { return `${location.origin}${base}#plan=${ids.join(",")}`; }

export function renderPlan() {
  const shared = state.shared;
  const ids = shared || picks.list();
  const sets = ids.map((id) => state.byId.get(id)).filter(Boolean).sort(byStart);
  const missing = ids.length - sets.length;
  const problems = conflicts(sets);
  const at = minutes(state.moment || festivalNow(state.zone));
  const next = sets.find((set) => !isCancelled(set) && minutes(set.start) > at);
  const playing = sets.filter((set) => playsAt(set, at));
  $("plan-title").textContent = shared ? t("plan.sharedTitle") : t("schedule.myPlan");
  const summary = [];
  if (playing.length) {
    summary.push(...parts("plan.nowPlaying", { sets: listParts(playing.map((s) =>
      el("span", "", ...parts("plan.until", { artist: bdi(s.artist), stage: bdi(s.stage), end: clock(s.end) })))) }), " ");
  }
  if (next) {
    const soon = minutes(next.start) - at;
    summary.push(...parts("plan.next", { artist: bdi(next.artist), stage: bdi(next.stage),
      when: `${dayLabel(next.day)} ${clock(next.start)}`, relative: soon < 24 * 60 ? ` (${relative(soon)})` : "" }));
  }
  $("plan-now").replaceChildren(...summary);
  const list = $("plan-list");
  list.replaceChildren();
  if (!sets.length && state.complete) {
    list.append(el("p", "", t("plan.empty")));
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
      const open = alone("button", "open artist", set.artist); open.type = "button";
      open.setAttribute("aria-label", describe(set));
      open.addEventListener("click", () => showDetails(set));
      what.append(open, el("div", "where", bdi(set.stage), ...(set.genre ? [" · ", bdi(set.genre)] : [])));
      if (isCancelled(set)) what.append(el("span", "flag", t("change.cancelled")));
      const news = newsOf(set);
      if (news) what.append(el("span", "flag news", ` ${t(`change.${news}`)}`));
      const actions = el("div", "actions");
      const calendar = el("a", "", t("plan.calendar")); calendar.href = `${base}calendar.ics?ids=${set.id}`;
      calendar.setAttribute("aria-label", t("plan.calendarLabel", { artist: set.artist }));
      actions.append(calendar, starButton(set));
      item.append(el("span", "time", span(set)), what, actions);
      for (const problem of problems.get(set.id) || []) {
        item.append(el("div", `warning ${problem.kind}`, ...conflictText(problem)));
      }
      items.append(item);
    }
    list.append(items);
  }
  if (missing > 0) {
    const gone = el("p", "message warn", t("plan.missing", { count: missing }));
    if (!shared) {
      const forget = el("button", "", t("plan.forget")); forget.type = "button";
      forget.addEventListener("click", () => { picks.keepOnly((id) => state.byId.has(id)); emit("picks"); });
      gone.append(forget);
    }
    if (state.complete) list.append(gone);
  }
  const own = picks.list();
  $("share-link").value = own.length ? planLink(own) : "";
  renderSubscriptions(own);
  $("share").disabled = own.length === 0;
  $("shared").hidden = !shared;
  if (shared) {
    const fresh = shared.filter((id) => !picks.has(id)).length;
    $("shared-summary").textContent = `${t("plan.sharedSummary", { count: shared.length })} ` +
      (fresh ? t("plan.sharedFresh", { count: fresh }) : t("plan.sharedAllIn"));
    $("shared-left-out").textContent = state.leftOut ? t("plan.sharedLeftOut", { count: state.leftOut }) : "";
    $("shared-add").hidden = fresh === 0 || !state.complete;  // only sets the schedule knows are added
  }
}

// A calendar subscription asks for at most CALENDAR_IDS sets (the API's limit, which keeps
// the address short enough for every CDN and calendar app): a longer plan is split into
// several, earliest sets first. Once the schedule is loaded, only sets it has are asked for.
const CALENDAR_IDS = 400;

function renderSubscriptions(own) {
  const known = own.map((id) => state.byId.get(id)).filter(Boolean).sort(byStart).map((set) => set.id);
  const ids = state.complete ? known : own;
  const parts = [];
  for (let at = 0; at < ids.length; at += CALENDAR_IDS) parts.push(ids.slice(at, at + CALENDAR_IDS));
  const feeds = parts.map((part) => new URL(`${base}calendar.ics?ids=${part.join(",")}`, location.href).href);
  const webcal = (feed) => feed.replace(/^https?:/, "webcal:");  // opens the phone's calendar app
  const range = (i) => t("plan.range", { first: i * CALENDAR_IDS + 1, last: i * CALENDAR_IDS + parts[i].length });
  $("subscribe").hidden = $("subscribe-hint").hidden = parts.length === 0;
  if (!parts.length) return;
  $("subscribe").href = webcal(feeds[0]);
  $("subscribe").textContent = parts.length > 1 ? t("plan.subscribeRange", { range: range(0) }) : t("plan.subscribe");
  $("calendar-address").href = feeds[0];
  $("calendar-address").textContent = parts.length > 1 ? t("plan.addressOf", { range: range(0) }) : t("plan.feedAddress");
  $("subscribe-more").replaceChildren(...feeds.slice(1).map((feed, i) => {
    const link = el("a", "button subscribe-part", t("plan.subscribePart", { range: range(i + 1) })); link.href = webcal(feed);
    return link;
  }));
  $("calendar-address-more").replaceChildren(...feeds.slice(1).flatMap((feed, i) => {
    const link = el("a", "", t("plan.addressOfMore", { range: range(i + 1) })); link.href = feed;
    return [", ", link];
  }));
  $("subscribe-parts").textContent = parts.length > 1 ?
    t("plan.subscribeParts", { most: CALENDAR_IDS, count: parts.length }) : "";
}

// A shared plan names at most what the festival holds; once every day is loaded, sets the
// schedule does not have are left out (and counted, to say so).
export function trimSharedPlan() {
  if (!state.shared) return;
  const before = state.shared.length;
  const total = state.days.reduce((sum, day) => sum + day.performances, 0);
  if (state.days.length) state.shared = state.shared.slice(0, total);
  if (state.complete) state.shared = state.shared.filter((id) => state.byId.has(id));
  state.leftOut += before - state.shared.length;
  if (!state.shared.length) state.shared = null;
}

// "#plan=id,id": a plan someone shared, at most MAX_PICKS sets. True when there is one.
export function readSharedPlan() {
  const match = location.hash.match(/^#plan=([a-z2-7,]*)$/);
  const ids = [...new Set(match ? match[1].split(",").filter((id) => SET_ID.test(id)) : [])];
  state.shared = ids.length ? ids.slice(0, MAX_PICKS) : null;
  state.leftOut = ids.length - (state.shared || []).length;
  trimSharedPlan();
  return Boolean(state.shared);
}

export function leaveSharedPlan() {
  state.shared = null;
  history.replaceState(null, "", location.pathname + location.search);
  renderPlan();
}

export function addSharedPlan() {
  if (picks.add(state.shared || []) === "refused") {
    announce(t("plan.notAdded", { count: MAX_PICKS }));
    return;
  }
  announce(t("plan.addedShared"));
  leaveSharedPlan();
  emit("picks");
}

export async function share() {
  const link = planLink(picks.list());
  $("share-link").select();
  try {
    if (navigator.share) await navigator.share({ title: t("plan.shareTitle"), url: link });
    else { await navigator.clipboard.writeText(link); announce(t("plan.copied")); }
  } catch (error) { announce(t("plan.copyByHand")); }
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
  if (problem.kind === "clash") {
    return parts("plan.clash", { artist: bdi(other.artist), stage: bdi(other.stage), when: span(other) });
  }
  return parts("plan.tight", { count: problem.gap, from: bdi(problem.from), to: bdi(problem.to),
    artist: bdi(other.artist) });
}
