// On the day, for signed-in publishers: a festival day's live sets, by stage; tap one to
// delay it (alone, or with the rest of its stage), cancel or restore it, or move it to another
// stage or time. Every change is previewed first (the API's dry run: the changelog its release
// will make, the cascade included) and applied exactly as previewed, from the set's ETag
// (If-Match): PATCH performances/{id}, or POST stages/{stage}/delays for the rest of the
// stage. Each is written into the set's own CSV file as its next version, which the ingest
// releases; the page reads the day again until the release shows, then the history.

import { $, announce, alone, el } from "./dom.js";
import { byStart, clockMinutes, festivalDayOf, festivalNow, hhmm } from "./time.js";
import { dayLabel, fromServer, onLanguage, signed, span, t } from "./i18n.js";
import { renderChanges } from "./organiser-changes.js";

const DELAYS = [-5, 5, 10, 15, 30];
const RELEASE_POLLS = 90;  // a second apart: the ingest releases an edit within seconds

// A public read of the API, beside the page (relative: /api/... under API Gateway), revalidated.
async function read(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-cache" });
  let body = null;
  try { body = await response.json(); } catch (error) { /* said below */ }
  if (!response.ok || !body) {
    const error = new Error(body && body.Message ? body.Message : `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return { body, etag: response.headers.get("ETag") };
}

async function readAll(path) {
  const items = [];
  let cursor = null;
  do {
    const { body } = await read(path + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
    items.push(...body.items);
    cursor = body.next;
  } while (cursor);
  return items;
}

// The festival day to open at: today's, the next one between two, the first before and after
// the festival (as the schedule page opens).
function openingDay(days, zone, dayChange) {
  if (!days.length) return null;
  const today = festivalDayOf(festivalNow(zone), clockMinutes(dayChange));
  if (today < days[0] || today > days[days.length - 1]) return days[0];
  return days.find((day) => day >= today);
}

// What the API said about a refused change, in the visitor's words where its code has them.
const message = (answer) => (answer.body && answer.body.Message ? fromServer({ code: answer.body.code,
  values: answer.body.values, message: answer.body.Message }) : String(answer.status));
// "5 min later", "5 min earlier".
const later = (minutes) => t(minutes > 0 ? "organiser.minLater" : "organiser.minEarlier", { count: Math.abs(minutes) });

export function createEdits({ call, history, settings }) {
  const section = $("on-the-day");
  const dialog = $("editor");
  const status = $("today-status");
  const editStatus = $("edit-status");
  const apply = $("edit-apply");
  let days = [];
  let day = null;
  let sets = [];
  let open = null;     // { set, etag }: the set being edited, as read
  let draft = null;    // the change previewed: { label, path, method, body, ifMatch }
  let asked = 0;       // previews asked for: only the latest one's answer is shown
  let delayed = null;  // the minutes of the delay previewed, if it is one

  const delayChoices = () => $("delay-choices").replaceChildren(...DELAYS.map((minutes) => {
    const button = el("button", "delay", signed(minutes));
    button.type = "button";
    button.dataset.minutes = String(minutes);
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-label", t(minutes > 0 ? "organiser.later" : "organiser.earlier", { count: Math.abs(minutes) }));
    button.addEventListener("click", () => delay(minutes));
    return button;
  }));
  delayChoices();

  // The day's sets, by stage, each a button that opens the editor.
  function render() {
    $("today-days").replaceChildren(...days.map((each) => {
      const button = el("button", "", dayLabel(each));
      button.type = "button";
      button.dataset.day = each;
      button.setAttribute("aria-pressed", String(each === day));
      button.addEventListener("click", () => showDay(each));
      return button;
    }));
    const stages = [...new Set(sets.map((set) => set.stage))].sort((a, b) => a.localeCompare(b));
    const parts = stages.map((stage) => {
      const items = sets.filter((set) => set.stage === stage).sort(byStart).map((set) => {
        const cancelled = set.status === "cancelled";
        const button = el("button", "set-button", el("span", "when", span(set)), " ", alone("span", "artist", set.artist),
          cancelled ? el("span", "flag cancelled", t("organiser.cancelledFlag")) : null);
        button.type = "button";
        button.setAttribute("aria-label", t(cancelled ? "organiser.editLabelCancelled" : "organiser.editLabel",
          { artist: set.artist, stage: set.stage, when: span(set) }));
        button.addEventListener("click", () => edit(set));
        const item = el("li", cancelled ? "cancelled" : "", button);
        Object.assign(item.dataset, { id: set.id, start: set.start, end: set.end, stage: set.stage, status: set.status });
        return item;
      });
      const list = el("ol", "today-list", ...items);
      list.dataset.stage = stage;
      return el("section", "today-stage", alone("h3", "", stage), list);
    });
    $("today-sets").replaceChildren(...(parts.length ? parts : [el("p", "", t("organiser.todayEmpty"))]));
    $("today-sets").dataset.day = day || "";
    $("stage-names").replaceChildren(...stages.map((stage) => { const o = el("option"); o.value = stage; return o; }));
  }

  async function showDay(next) {
    day = next;
    try {
      sets = day ? await readAll(`performances?day=${day}&limit=500`) : [];
    } catch (error) {
      status.textContent = t("organiser.todayFailed", { message: error.message });
      return;
    }
    render();
  }

  async function load() {
    section.hidden = false;
    try {
      days = (await readAll("days?limit=500")).map((item) => item.day);
    } catch (error) {
      status.textContent = t("organiser.todayFailed", { message: error.message });
      return;
    }
    await showDay(days.includes(day) ? day : openingDay(days, settings.timezone, settings.day_change));
  }

  // The editor: the set as it is now (and its ETag, the If-Match of its edit).
  async function edit(set) {
    let found;
    try {
      found = await read(`performances/${encodeURIComponent(set.id)}`);
    } catch (error) {
      status.textContent = t("organiser.todayFailed", { message: error.message });
      return;
    }
    open = { set: found.body, etag: found.etag };
    draft = null;
    asked += 1;
    $("edit-note").value = "";
    $("delay-minutes").value = "";
    $("delay-rest").checked = false;
    fill();
    clearPreview();
    if (!dialog.open) dialog.showModal();
  }

  function fill() {
    const set = open.set;
    const cancelled = set.status === "cancelled";
    $("editor-title").textContent = set.artist;
    $("editor-set").textContent = t(cancelled ? "organiser.editingSetCancelled" : "organiser.editingSet",
      { stage: set.stage, day: dayLabel(set.day), when: span(set) });
    $("cancel-set").textContent = cancelled ? t("organiser.restore") : t("organiser.cancel");
    $("move-stage").value = set.stage;
    $("move-start").value = hhmm(set.start);
    $("move-end").value = hhmm(set.end);
    $("delay-rest-label").textContent = t("organiser.delayRest", { stage: set.stage });
  }

  function clearPreview(text = "") {
    delayed = null;
    $("edit-changes").replaceChildren();
    $("edit-preview").hidden = true;
    editStatus.textContent = text;
    apply.hidden = true;
    for (const button of $("delay-choices").children) button.setAttribute("aria-pressed", "false");
  }

  async function delay(minutes) {
    const set = open.set;
    const change = $("delay-rest").checked
      ? { label: t("organiser.delayedRest", { stage: set.stage, by: later(minutes) }),
        path: `stages/${encodeURIComponent(set.stage)}/delays`,
        method: "POST", body: { from: set.start, minutes } }
      : { label: t("organiser.delayedSet", { artist: set.artist, by: later(minutes) }), body: { delay: minutes } };
    if (!(await preview(change))) return;
    delayed = minutes;
    for (const button of $("delay-choices").children) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.minutes) === minutes));
    }
  }

  function otherDelay() {
    const minutes = Number($("delay-minutes").value);
    if (!Number.isInteger(minutes) || minutes === 0) {
      clearPreview(t("organiser.delayMinutesNeeded"));
      $("delay-minutes").focus();
      return;
    }
    delay(minutes);
  }

  function move() {
    const set = open.set;
    const body = {};
    const stage = $("move-stage").value.trim();
    if (stage && stage !== set.stage) body.stage = stage;
    const [start, end] = [$("move-start").value, $("move-end").value];
    if (start && start !== hhmm(set.start)) body.start = start;
    if (end && end !== hhmm(set.end)) body.end = end;
    if (!Object.keys(body).length) { clearPreview(t("organiser.nothingToMove")); return; }
    preview({ label: t("organiser.movedSet", { artist: set.artist }), body });
  }

  function cancelOrRestore() {
    const cancelled = open.set.status === "cancelled";
    preview({ label: cancelled ? t("organiser.restoredSet", { artist: open.set.artist }) : t("organiser.cancelledSet", { artist: open.set.artist }),
      body: { status: cancelled ? "" : "cancelled" } });
  }

  // The request a change makes: the set's PATCH (with its ETag) unless it says otherwise.
  function request(change, dryRun) {
    const path = change.path || `performances/${encodeURIComponent(open.set.id)}`;
    const note = $("edit-note").value.trim();
    const body = JSON.stringify(note ? { ...change.body, note } : change.body);
    const headers = change.path ? {} : { "If-Match": open.etag };
    return call(path + (dryRun ? "?dry_run=1" : ""), { method: change.method || "PATCH", body, headers });
  }

  // Preview a change (the API's dry run); whether its answer is the one shown (no later
  // change was asked for meanwhile).
  async function preview(change) {
    const mine = ++asked;
    draft = null;
    clearPreview(t("organiser.previewing"));
    let answer;
    try {
      answer = await request(change, true);
    } catch (error) {
      if (mine === asked) editStatus.textContent = t("organiser.unreachable");
      return mine === asked;
    }
    if (mine !== asked) return false;
    if (answer.status !== 200) { refused(answer); return true; }
    const changelog = answer.body.previews.flatMap((each) => each.changelog || []);
    renderChanges($("edit-changes"), { status: "ok", changelog,
      changelog_truncated: answer.body.previews.some((each) => each.changelog_truncated) });
    $("edit-preview").hidden = false;
    $("edit-preview").dataset.changes = String(changelog.length);
    $("edit-preview").scrollIntoView({ block: "start" });
    editStatus.textContent = t("organiser.previewed", { label: change.label, count: changelog.length });
    draft = change;
    apply.hidden = false;
    apply.disabled = false;
    return true;
  }

  // A change the API did not take: why, and what it knows now.
  function refused(answer) {
    if (answer.status === 412) {
      if (answer.body && answer.body.performance) {
        const etag = answer.headers.get("ETag");
        open = { set: answer.body.performance, etag: etag || open.etag };
        fill();
      }
      const later = answer.headers.get("Retry-After");
      editStatus.textContent = later ? t("organiser.releasingNow", { count: later }) : t("organiser.changedMeanwhile");
    } else if (answer.status === 503) {
      editStatus.textContent = t("organiser.notNow", { message: message(answer), count: answer.headers.get("Retry-After") || 30 });
    } else if (answer.status === 401) {
      dialog.close();
    } else {
      editStatus.textContent = t("organiser.editRefused", { message: message(answer) });
    }
  }

  async function applyDraft() {
    if (!draft) return;
    const change = draft;
    apply.disabled = true;
    editStatus.textContent = t("organiser.applying");
    let answer;
    try {
      answer = await request(change, false);
    } catch (error) {
      apply.disabled = false;
      editStatus.textContent = t("organiser.unreachable");
      return;
    }
    if (answer.status !== 202) { apply.hidden = true; refused(answer); return; }
    draft = null;
    apply.hidden = true;
    const changelog = answer.body.previews.flatMap((each) => each.changelog || []);
    editStatus.textContent = t("organiser.applied", { label: change.label });
    status.textContent = t("organiser.applied", { label: change.label });
    announce(t("organiser.applied", { label: change.label }));
    dialog.close();
    const landed = await released(changelog);
    status.textContent = landed ? t("organiser.released", { label: change.label }) : t("organiser.notYetReleased", { label: change.label });
    announce(status.textContent);
    section.dataset.released = landed ? String(Date.now()) : "";
    history.load();
  }

  // Read the day again until every change of the release shows on it (or give up).
  async function released(changelog) {
    const expected = changelog.filter((change) => change.change !== "removed");
    for (let tries = 0; tries < RELEASE_POLLS; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await showDay(day);
      const byId = new Map(sets.map((set) => [set.id, set]));
      const shown = (change) => {
        if (change.day !== day) return true;  // on another day: not read here
        const set = byId.get(change.id);
        return set && set.start === change.start && set.stage === change.stage && set.status === change.status;
      };
      if (expected.every(shown)) return true;
    }
    return false;
  }

  $("delay-other").addEventListener("click", otherDelay);
  $("delay-minutes").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); otherDelay(); }
  });
  $("delay-rest").addEventListener("change", () => { if (delayed !== null) delay(delayed); });
  $("move-preview").addEventListener("click", move);
  $("cancel-set").addEventListener("click", cancelOrRestore);
  apply.addEventListener("click", applyDraft);
  $("edit-close").addEventListener("click", () => dialog.close());
  $("editor-form").addEventListener("submit", (event) => event.preventDefault());

  // Another language: the day's sets, and the editor's words for the set open in it.
  onLanguage(() => {
    delayChoices();
    if (!section.hidden) render();
    if (open) fill();
    if (draft) editStatus.textContent = "";
  });

  return {
    load,
    hide() { section.hidden = true; if (dialog.open) dialog.close(); },
  };
}
