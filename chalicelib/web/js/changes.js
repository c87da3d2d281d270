// Changes since the last visit: read from /changes, listed at the top and marked on the
// sets until dismissed.

import { $, alone, bdi, el } from "./dom.js";
import { clock, dayLabel, list, parts, t } from "./i18n.js";
import { api, emit, festivalDay, state, store } from "./state.js";

export async function markChanges() {
  const newest = (await api.get("changes?limit=1")).items[0];
  if (!newest) return;
  // The first page of this visit keeps the baseline, so a reload still shows what changed.
  let baseline = store.get("baseline", null, sessionStorage);
  if (baseline === null) {
    baseline = store.get("seen", newest.release);
    store.set("baseline", baseline, sessionStorage);
  }
  store.set("seen", newest.release);
  if (baseline === newest.release) return;
  const releases = await api.all(`changes?since=${encodeURIComponent(baseline)}&limit=100`);
  const changed = new Map();
  for (const release of releases) {  // newest first: a set's latest change wins
    for (const change of await everyChange(release)) if (!changed.has(change.id)) changed.set(change.id, change);
  }
  state.changed = changed;
  // The organiser's notes on those releases, newest first ("Saturday's main stage moves indoors").
  state.notes = releases.filter((release) => release.note).map((release) => release.note);
  renderChanges(newest.release);
}

// A release the page followed while open (live.js): its changes are marked as the last
// visit's are, the newest first, and it is seen. `answer` is its changes.json (null when
// it could not be read: the sets are new all the same).
export function markRelease(release, answer) {
  const items = Array.isArray(answer) ? answer : (answer && (answer.items || answer.changes)) || [];
  const fresh = new Map(items.filter((change) => change && change.id).map((change) => [change.id, change]));
  state.changed = new Map([...fresh, ...[...state.changed].filter(([id]) => !fresh.has(id))]);
  if (answer && answer.note) state.notes = [answer.note, ...(state.notes || [])];
  store.set("seen", release);
  renderChanges(release);
}

// A release lists its first changes; a large one (a release can hold thousands) lists the
// rest a page at a time at `all_changes`. Asked beside the page, as /changes/{release}: the
// API's own path may carry a prefix (/api) the page's address does not.
async function everyChange(release) {
  if (release.complete !== false) return release.changes;
  return api.all(`changes/${encodeURIComponent(release.release)}`);
}

let shown = null;  // the release the list was drawn for

// The list again (another language was chosen), if there is one.
export function renderAgain() { if (shown && state.changed.size) renderChanges(shown); }

function renderChanges(current) {
  shown = current;
  const changes = [...state.changed.values()];
  $("changes-note").hidden = changes.length === 0;
  if (!changes.length) return;
  const counts = {};
  for (const change of changes) counts[change.change] = (counts[change.change] || 0) + 1;
  $("changes-summary").textContent = t("changes.summary", { kinds: list(Object.entries(counts).map(([kind, n]) =>
    t(`changes.count.${kind}`, { count: n }))) });
  $("changes-notes").replaceChildren(...(state.notes || []).map((note) =>
    el("p", "note", ...parts("changes.note", { note: alone("span", "", note) }))));
  $("changes-list").replaceChildren(...changes.slice(0, 20).map((change) => {
    const day = (state.byId.get(change.id) || {}).day || festivalDay(change.start);
    const now = { artist: bdi(change.artist), change: t(`change.${change.change}`), stage: bdi(change.stage),
      when: `${dayLabel(day)} ${clock(change.start)}` };
    return el("li", "", ...(change.from ? parts("changes.moved", { ...now, fromStage: bdi(change.from.stage),
      fromTime: clock(change.from.start) }) : parts("changes.item", now)));
  }));
  $("changes-dismiss").onclick = () => {
    store.set("baseline", current, sessionStorage);
    state.changed = new Map(); $("changes-note").hidden = true; emit("picks");
  };
  emit("picks");
}
