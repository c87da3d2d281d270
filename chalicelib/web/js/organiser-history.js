// The history, for signed-in organisers: every release, newest first (GET releases), with
// how it came and who made it, and a Roll back button on each file's latest release for
// publishers (POST releases/{release}/rollback).

import { $, announce, bdi, el } from "./dom.js";
import { words } from "./organiser-words.js";

const PAGE = 20;

export function createHistory({ call, zone, mayRollBack }) {
  const list = $("history-list");
  const more = $("history-more");
  const status = $("history-status");
  const when = new Intl.DateTimeFormat(undefined, {
    timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
  let next = null;
  let seen = new Set();  // files whose latest release is drawn already
  let newest = null;

  function entry(release) {
    const latest = !seen.has(release.file);
    seen.add(release.file);
    const at = new Date(release.at);
    const time = el("time", "when", when.format(at));
    time.dateTime = release.at;
    const who = release.author ? bdi(release.author) : el("span", "bucket", words.byBucket);
    const counts = Object.entries(words.counts)
      .filter(([kind]) => release.counts[kind])
      .map(([kind, word]) => `${release.counts[kind].toLocaleString()} ${word}`).join(", ");
    const item = el("li", `release ${release.action}`,
      el("p", "what", time, " ", el("span", `flag ${release.action}`, words.actions[release.action] || release.action),
        " ", el("code", "", bdi(release.file)), " — ", who,
        release.rollback_of ? ` ${words.rollbackOf(release.rollback_of)}` : ""),
      counts ? el("p", "hint", counts) : null,
      release.note ? el("p", "note", bdi(release.note)) : null);
    item.dataset.release = release.release;
    item.dataset.action = release.action;
    if (latest && mayRollBack()) {
      const button = el("button", "rollback", words.rollBack);
      button.type = "button";
      button.setAttribute("aria-label", words.rollBackLabel(release.file, when.format(at)));
      button.addEventListener("click", () => rollBack(release, button));
      item.append(button);
    }
    return item;
  }

  async function load(more_ = false) {
    const path = `releases?limit=${PAGE}` + (more_ && next ? `&cursor=${encodeURIComponent(next)}` : "");
    let answer;
    try {
      answer = await call(path);
    } catch (error) {
      status.textContent = words.unreachable;
      return null;
    }
    if (!answer.ok) {
      if (answer.status !== 401) status.textContent = words.historyFailed(answer.body ? answer.body.Message : answer.status);
      return null;
    }
    if (!more_) {
      list.replaceChildren();
      seen = new Set();
      newest = answer.body.items[0] ? answer.body.items[0].release : null;
    }
    list.append(...answer.body.items.map(entry));
    next = answer.body.next;
    more.hidden = !next;
    if (!list.children.length) status.textContent = words.historyEmpty;
    $("history").dataset.newest = newest || "";
    return newest;
  }

  // Read the history again until a release newer than `before` is in it (the ingest applies
  // a publish or a rollback within seconds), or give up after about half a minute.
  async function awaitRelease(before) {
    for (let tries = 0; tries < 30; tries += 1) {
      const found = await load();
      if (found && found !== before) return true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return false;
  }

  async function rollBack(release, button) {
    button.disabled = true;
    status.textContent = "";
    announce(words.rollingBack);
    let answer;
    try {
      answer = await call(`releases/${encodeURIComponent(release.release)}/rollback`, { method: "POST", body: "{}" });
    } catch (error) {
      button.disabled = false;
      status.textContent = words.unreachable;
      return;
    }
    if (answer.status !== 202) {
      button.disabled = false;
      if (answer.status !== 401) {
        status.textContent = words.rollBackFailed(answer.body ? answer.body.Message : answer.status);
      }
      return;
    }
    status.textContent = words.rolledBack(release.file);
    announce(words.rolledBack(release.file));
    await awaitRelease(newest);
  }

  more.addEventListener("click", () => load(true));
  return { load, awaitRelease, newest: () => newest };
}
