// The history, for signed-in organisers: every release, newest first (GET releases), with
// how it came and who made it, and a Roll back button on each file's latest release for
// publishers (POST releases/{release}/rollback).

import { $, announce, bdi, el } from "./dom.js";
import { fromServer, has, instant, list as listOf, t } from "./i18n.js";

const PAGE = 20;

export function createHistory({ call, zone, mayRollBack }) {
  const list = $("history-list");
  const more = $("history-more");
  const status = $("history-status");
  const when = { format: (at) => instant(at, zone) };  // in the festival's zone, in the visitor's language
  const KINDS = ["new", "moved", "changed", "cancelled", "removed"];
  const failure = (answer) => (answer.body ? fromServer({ code: answer.body.code, values: answer.body.values,
    message: answer.body.Message }) : String(answer.status));
  const action = (name) => (has(`history.action.${name}`) ? t(`history.action.${name}`) : name);
  let next = null;
  let seen = new Set();  // files whose latest release is drawn already
  let newest = null;

  function entry(release) {
    const latest = !seen.has(release.file);
    seen.add(release.file);
    const at = new Date(release.at);
    const time = el("time", "when", when.format(at));
    time.dateTime = release.at;
    const who = release.author ? bdi(release.author) : el("span", "bucket", t("organiser.byBucket"));
    const counts = listOf(KINDS.filter((kind) => release.counts[kind])
      .map((kind) => t(`changes.count.${kind}`, { count: release.counts[kind] })));
    const item = el("li", `release ${release.action}`,
      el("p", "what", time, " ", el("span", `flag ${release.action}`, action(release.action)),
        " ", el("code", "", bdi(release.file)), " — ", who,
        release.rollback_of ? ` ${t("organiser.rollbackOf", { release: release.rollback_of })}` : ""),
      counts ? el("p", "hint", counts) : null,
      release.note ? el("p", "note", bdi(release.note)) : null);
    item.dataset.release = release.release;
    item.dataset.action = release.action;
    if (latest && mayRollBack()) {
      const button = el("button", "rollback", t("organiser.rollBack"));
      button.type = "button";
      button.setAttribute("aria-label", t("organiser.rollBackLabel", { file: release.file, when: when.format(at) }));
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
      status.textContent = t("organiser.unreachable");
      return null;
    }
    if (!answer.ok) {
      if (answer.status !== 401) status.textContent = t("organiser.historyFailed", { message: failure(answer) });
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
    if (!list.children.length) status.textContent = t("organiser.historyEmpty");
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
    announce(t("organiser.rollingBack"));
    let answer;
    try {
      answer = await call(`releases/${encodeURIComponent(release.release)}/rollback`, { method: "POST", body: "{}" });
    } catch (error) {
      button.disabled = false;
      status.textContent = t("organiser.unreachable");
      return;
    }
    if (answer.status !== 202) {
      button.disabled = false;
      if (answer.status !== 401) {
        status.textContent = t("organiser.rollBackFailed", { message: failure(answer) });
      }
      return;
    }
    status.textContent = t("organiser.rolledBack", { file: release.file });
    announce(t("organiser.rolledBack", { file: release.file }));
    await awaitRelease(newest);
  }

  more.addEventListener("click", () => load(true));
  return { load, awaitRelease, newest: () => newest };
}
