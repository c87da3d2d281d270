// The organiser's page: see what a timetable CSV would change before publishing it. Signed
// in, the file is kept as a draft (PUT drafts/{name}) and previewed; a publisher publishes
// that draft's exact version from here, changes live sets on the day (organiser-edits.js),
// and the history below rolls releases back. Signed out, the file is sent to POST /previews
// (which stores nothing). The answer is shown as a verdict, the file's likely fixes (one tap
// writes one, through POST /fixes, and previews again) and rejected rows with the cells to
// fix, the changes, the file's sets by festival day, and how to publish it.

import { $, announce, base, createStore, el } from "./dom.js";
import { decode, records } from "./csv.js";
import { renderProblems, renderVerdict } from "./organiser-report.js";
import { renderChanges } from "./organiser-changes.js";
import { fileSets, table } from "./organiser-sets.js";
import { createDays } from "./organiser-grid.js";
import { createPublish } from "./organiser-publish.js";
import { createCaller, current, forget, signIn } from "./organiser-session.js";
import { createHistory } from "./organiser-history.js";
import { createEdits } from "./organiser-edits.js";
import { clock, fromServer, onLanguage, parts, t, translatePage, wireLanguageMenu } from "./i18n.js";

const MAX_BYTES = 2 * 1024 * 1024;  // what POST /previews takes
const NAME = /^[^\x00-\x1f\x7f]{1,200}\.csv$/iu;  // what its `file` parameter takes

const settings = JSON.parse($("organiser-data").textContent || "{}");
const store = createStore(base);
const showDays = createDays(store);
const call = createCaller(() => { showAccount(); $("account-status").textContent = t("organiser.sessionEnded"); });
const history = createHistory({ call, zone: settings.timezone, mayRollBack: () => (current() || {}).role === "publisher" });
const showPublish = createPublish(settings.bucket || "", {
  session: current,
  async publish(name, draftVersion, note) {
    const before = history.newest();
    const answer = await call("releases", {
      method: "POST", body: JSON.stringify({ file: name, draft_version: draftVersion, note }),
    });
    if (answer.status === 202) history.awaitRelease(before);
    return answer;
  },
});

const edits = createEdits({ call, history, settings });

let file = null;     // { local: its own name, bytes, fixed: whether fixes were written in here }
let fixedCopy = null;  // the address of the fixed file's copy, to download
let asked = 0;       // previews asked for: only the latest one's answer is shown
let lastKey = null;  // the file and name of the latest preview asked for
let waiting = false; // whether that one is still on its way
let namedFirst = false;  // a name was typed before any file was chosen: the first file takes it

const showZone = () => {
  $("zone").textContent = t("organiser.zone", { zone: settings.timezone,
    change: clock(`1970-01-01T${settings.day_change || "06:00"}`) });
};
const signedIn = (session) => t(session.role === "publisher" ? "organiser.signedInPublisher" : "organiser.signedInEditor",
  { email: session.email });
// What the API said, in the visitor's words where its code has them, else its own English.
const said = (body, status) => (body && body.Message ? fromServer({ code: body.code, values: body.values,
  message: body.Message }) : String(status));

const setState = (state) => { document.body.dataset.state = state; };

function fail(message, retry = false) {
  const box = $("error");
  box.replaceChildren(el("span", "", message));
  if (retry) {
    const again = el("button", "", t("words.tryAgain"));
    again.type = "button";
    again.addEventListener("click", () => preview(true));
    box.append(again);
  }
  box.hidden = false;
  announce("");
  setState("error");
}

function nameProblem(name) {
  if (!name) return t("organiser.nameNeeded");
  if (!NAME.test(name)) return t("organiser.nameWrong");
  return "";
}

// The name a file was last previewed as here, or its own.
const nameFor = (local) => store.get("names", {})[local] || local;

function remember(local, name) {
  const names = store.get("names", {});
  if (names[local] === name) return;
  const kept = Object.entries(names).filter(([each]) => each !== local).slice(-49);
  store.set("names", Object.fromEntries([...kept, [local, name]]));
}

// The page's own words (a file name's examples are code, in no language).
function translateFixed() {
  translatePage();
  showZone();
  const code = (text) => el("code", "", text);
  $("name-hint").replaceChildren(...parts("organiser.nameHint", { folder: code("uploads/"), first: code("day 1.csv"),
    second: code("sample/friday.csv") }));
}
translateFixed();

// Signing in and out.

function showAccount() {
  const session = current();
  $("sign-in").hidden = Boolean(session);
  $("signed-in").hidden = !session;
  $("history").hidden = !session;
  $("account-status").textContent = "";
  document.body.dataset.role = session ? session.role : "";
  if (session) {
    $("who").textContent = signedIn(session);
    history.load();
  }
  if (session && session.role === "publisher") edits.load();
  else edits.hide();
  lastKey = null;  // a file previewed before signing in is kept as a draft when previewed again
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("account-status");
  status.textContent = t("organiser.signingIn");
  let result;
  try {
    result = await signIn($("email").value.trim(), $("password").value, $("new-password").value || null);
  } catch (error) {
    status.textContent = t("organiser.unreachable");
    return;
  }
  if (result.ok) {
    $("password").value = "";
    $("new-password").value = "";
    $("new-password-field").hidden = true;
    showAccount();
    announce(signedIn(result.session));
    if (file) preview(true);
    return;
  }
  if (result.code === "NewPasswordRequired") {
    $("new-password-field").hidden = false;
    $("new-password").focus();
    status.textContent = t("organiser.newPasswordRequired");
  } else if (result.status === 401) {
    status.textContent = t("organiser.wrongPassword");
  } else {
    status.textContent = t("organiser.cannotSignIn", { message: fromServer({ code: result.slug, values: result.values,
      message: result.message || String(result.status) }) });
  }
});

$("sign-out").addEventListener("click", () => {
  forget();
  showAccount();
  $("account-status").textContent = t("organiser.signedOut");
  $("email").focus();
});

function show(preview, name) {
  shown = [preview, name];
  const text = decode(file.bytes, preview.encoding);
  const all = records(text, preview.delimiter || ",");
  const found = table(all);
  const report = $("report");
  report.hidden = false;  // first: the day's grid scrolls to its first change, which needs its layout
  renderVerdict($("verdict"), preview);
  if (fixedCopy) URL.revokeObjectURL(fixedCopy);
  fixedCopy = file.fixed ? URL.createObjectURL(new Blob([file.bytes], { type: "text/csv" })) : null;
  renderProblems($("problems-body"), preview, found, all, text, {
    onFix: applyFix, fixed: fixedCopy ? { name: file.local, href: fixedCopy } : null,
  });
  renderChanges($("changes"), preview);
  showDays(fileSets(found, preview));
  showPublish({ name, local: file.local, preview, draftVersion: preview.draft_version || null });
  report.dataset.previewed = name;
  report.dataset.status = preview.status;
  report.dataset.fixes = String((preview.fixes || []).length);
  const changed = (preview.changelog || []).length;
  announce(t("organiser.previewAnnounced", { name, status: t(`report.verdict.${preview.status}`),
    rejected: t("report.rows", { count: preview.rejected || 0 }), changes: t("report.changes", { count: changed }) }));
  setState("done");
}

// Ask for the preview of the chosen file under the name in the field. `again`: even if the
// same one was just asked for (the live schedule may have changed since).
async function preview(again = false) {
  if (!file) { fail(t("organiser.chooseFirst")); return; }
  const name = $("name").value.trim();
  const problem = nameProblem(name);
  $("name-problem").textContent = problem;
  $("name").setAttribute("aria-invalid", String(Boolean(problem)));
  if (problem) { setState("error"); return; }
  const key = [file, name];
  const same = lastKey && lastKey[0] === file && lastKey[1] === name;
  if (same && (waiting || !again)) return;
  lastKey = key;
  waiting = true;
  const mine = ++asked;
  $("error").hidden = true;
  setState("previewing");
  announce(t("organiser.previewingAs", { file: file.local, name }));
  let response = null;
  let body = null;
  try {
    if (current()) {  // kept as a draft, and previewed
      const answer = await call(`drafts/${encodeURIComponent(name)}`, { method: "PUT", body: file.bytes, type: "text/csv" });
      response = { ok: answer.ok, status: answer.status, statusText: "", headers: answer.headers };
      body = answer.body;
    } else {
      response = await fetch(`previews?file=${encodeURIComponent(name)}`, {
        method: "POST", body: file.bytes, cache: "no-store",
        headers: { "Content-Type": "text/csv", Accept: "application/json" },
      });
      try { body = await response.json(); } catch (error) { /* not JSON: said below */ }
    }
  } catch (error) {
    if (mine === asked) { waiting = false; fail(t("organiser.unreachable"), true); }
    return;
  }
  if (mine !== asked) return;  // another file or name was asked for meanwhile
  waiting = false;
  const message = body && body.Message ? said(body) : `${response.status} ${response.statusText}`;
  if (response.status === 503) {
    fail(t("organiser.notNow", { message, count: Number(response.headers.get("Retry-After")) || 30 }), true);
  } else if (!response.ok || !body) {
    fail(t("organiser.previewFailed", { message }), true);
  } else {
    remember(file.local, name);
    show(body, name);
  }
}

// Write one of the preview's fixes into the file (POST fixes: the server rewrites that cell
// in the file's own encoding and quoting) and preview it again.
async function applyFix(fix, button) {
  button.disabled = true;
  announce(t("organiser.fixing"));
  const query = new URLSearchParams({ line: String(fix.line), column: fix.column, value: fix.value,
    suggested: fix.suggested });
  let response;
  try {
    response = await fetch(`fixes?${query}`, {
      method: "POST", body: file.bytes, cache: "no-store", headers: { "Content-Type": "text/csv", Accept: "text/csv" },
    });
  } catch (error) {
    button.disabled = false;
    fail(t("organiser.unreachable"));
    return;
  }
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch (error) { /* said below */ }
    button.disabled = false;
    fail(t("organiser.fixFailed", { message: said(body, response.status) }));
    return;
  }
  file = { ...file, bytes: await response.arrayBuffer(), fixed: true };
  await preview(true);
}

async function choose(chosen) {
  if (!chosen) return;
  if (chosen.size > MAX_BYTES) {
    file = null;
    fail(t("organiser.tooLarge", { file: chosen.name, count: chosen.size }));
    return;
  }
  const first = !file;
  file = { local: chosen.name, bytes: await chosen.arrayBuffer() };
  if (!(first && namedFirst && $("name").value.trim())) $("name").value = nameFor(chosen.name);
  await preview();
}

const drop = $("drop");
const dragging = (on) => {
  drop.classList.toggle("over", on);
  $("drop-label").textContent = t(on ? "organiser.dropNow" : "organiser.drop");
};
drop.addEventListener("dragover", (event) => { event.preventDefault(); dragging(true); });
drop.addEventListener("dragleave", () => dragging(false));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  dragging(false);
  choose(event.dataTransfer.files[0]);
});
// A file dropped beside the box would make the browser leave the page to show it.
for (const type of ["dragover", "drop"]) document.addEventListener(type, (event) => event.preventDefault());
$("file").addEventListener("change", () => choose($("file").files[0]));
$("name").addEventListener("input", () => { if (!file) namedFirst = true; });
$("name").addEventListener("change", () => { if (file) preview(); });
$("choose").addEventListener("submit", (event) => { event.preventDefault(); preview(true); });
// Another language chosen on the page: its words again, the preview on screen with them.
let shown = null;  // [preview, name] on screen
onLanguage(() => {
  translateFixed();
  const status = $("account-status").textContent;
  showAccount();
  $("account-status").textContent = status;
  if (shown && file) show(...shown);
  $("name-problem").textContent = $("name").getAttribute("aria-invalid") === "true" ? nameProblem($("name").value.trim()) : "";
});
wireLanguageMenu($("language"));
showAccount();
setState("ready");
