// How to publish the previewed file. A signed-in publisher publishes the draft's exact
// version from here (with the release note), once its preview has no errors; for everyone
// else (and for automation) the page writes the exact commands, quoted for a POSIX shell,
// each with a copy button, and the S3 console's steps.

import { $, announce, el } from "./dom.js";
import { fromServer, onLanguage, parts as said, t } from "./i18n.js";

const MAX_NOTE = 500;
const BUCKET_PLACEHOLDER = "BUCKET";

// A word for a POSIX shell: in double quotes (as the README writes them) when nothing in it
// is special there, otherwise in single quotes.
export const quoted = (text) => (/["$`\\!\r\n]/.test(text) ? `'${text.replace(/'/g, "'\\''")}'` : `"${text}"`);

// What `make publish` can pass on: its recipe puts NAME and NOTE in double quotes.
const makeSafe = (text) => !/["$`\\\r\n]/.test(text);

// S3 keeps metadata as ASCII: another language goes as an RFC 2047 encoded word, which is
// how the S3 console and `make publish NOTE=...` write it, and what the ingest decodes.
export function encodedNote(note) {
  if (/^[\x20-\x7e]*$/.test(note)) return note;
  const bytes = new TextEncoder().encode(note);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `=?utf-8?b?${btoa(binary)}?=`;
}

export function commands({ name, local, bucket, note }) {
  const where = (folder) => `s3://${bucket || BUCKET_PLACEHOLDER}/${folder}/${name}`;
  const metadata = note ? ` --metadata ${quoted(JSON.stringify({ note: encodedNote(note) }))}` : "";
  const make = makeSafe(name) && makeSafe(note)
    ? `make publish DRAFT=${quoted(name)} ${bucket ? `BUCKET=${quoted(bucket)}` : "STAGE=prod"}`
      + (note ? ` NOTE=${quoted(note)}` : "")
    : null;
  return {
    straight: `aws s3 cp ${quoted(local)} ${quoted(where("uploads"))}${metadata}`,
    draft: `aws s3 cp ${quoted(local)} ${quoted(where("drafts"))}${metadata}`,
    make,
    copy: `aws s3 cp ${quoted(where("drafts"))} ${quoted(where("uploads"))}`,
  };
}

async function copy(command, what) {
  try {
    await navigator.clipboard.writeText(command.textContent);
    announce(t("publish.copied", { what: t(`publish.what.${what}`) }));
  } catch (error) {  // no clipboard (an old browser, or refused): select it for Ctrl+C
    const range = document.createRange();
    range.selectNodeContents(command);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    announce(t("publish.selected"));
  }
}

function commandBox(id, what) {
  const command = el("pre", "command");
  command.id = id;
  const button = el("button", "", t("publish.copy"));
  button.type = "button";
  button.setAttribute("aria-label", t("publish.copyLabel", { what: t(`publish.what.${what}`) }));
  button.addEventListener("click", () => copy(command, what));
  return el("div", "command-box", command, button);
}

function steps(bucket) {
  const named = bucket ? el("code", "", bucket) : t("publish.theBucket");
  const console = el("ol", "console",
    el("li", "", ...said("publish.console1", { bucket: named, folder: el("code", "", "uploads/") }),
      el("span", "", " ", ...said("publish.console1Folder", { folder: el("code", "folder", "") })), "."),
    el("li", "", ...said("publish.console2", { file: el("code", "local", "") }), " ",
      el("span", "rename", ...said("publish.console2Rename", { name: el("code", "base", "") }))),
    el("li", "", ...said("publish.console3", { key: el("code", "", "x-amz-meta-note") })),
    el("li", "", ...said("publish.console4", { report: el("code", "report", "") })));
  return el("ol", "steps",
    el("li", "", el("h3", "", t("publish.straight")), commandBox("command-straight", "now")),
    el("li", "", el("h3", "", t("publish.draftFirst")),
      el("p", "", t("publish.draftHint")),
      commandBox("command-draft", "draft"), commandBox("command-make", "make"),
      commandBox("command-copy", "cli")),
    el("li", "", el("h3", "", t("publish.inConsole")), console));
}

// The publish section for a preview: renders once, then follows the name and the note.
// `session()` is the signed-in organiser, if any; `publish(name, draftVersion, note)` asks
// the API to publish a draft.
export function createPublish(bucket, { session = () => null, publish = null } = {}) {
  const target = $("publish");
  const note = el("textarea");
  note.id = "note";
  note.maxLength = MAX_NOTE * 2;  // a longer one is said to be too long, not cut silently
  note.setAttribute("aria-describedby", "note-hint note-problem");
  const noteProblem = el("span", "problem");
  noteProblem.id = "note-problem";
  const noteHint = el("span", "hint", t("publish.noteHint", { count: MAX_NOTE }));
  noteHint.id = "note-hint";
  const caution = el("p", "caution");
  const intro = el("p", "");
  const publishButton = el("button", "primary", "");
  publishButton.type = "button";
  publishButton.id = "publish-button";
  const publishStatus = el("p", "status", "");
  publishStatus.id = "publish-status";
  publishStatus.setAttribute("role", "status");
  const now = el("div", "publish-now", publishButton, publishStatus);
  now.id = "publish-now";
  const byHand = el("details", "by-hand", el("summary", "", t("organiser.orByHand")), intro, steps(bucket));
  const noteLabel = el("label", "", t("organiser.publishNote"));
  target.replaceChildren(caution, el("div", "field note-field", noteLabel, note, noteHint, noteProblem), now, byHand);
  // Another language: the fixed words again (the preview's own are filled again by `show`).
  onLanguage(() => {
    noteHint.textContent = t("publish.noteHint", { count: MAX_NOTE });
    noteLabel.textContent = t("organiser.publishNote");
    byHand.replaceChildren(el("summary", "", t("organiser.orByHand")), intro, steps(bucket));
  });
  target.querySelector(".note-field label").htmlFor = "note";
  let current = null;

  publishButton.addEventListener("click", async () => {
    if (!current || !current.draftVersion || !publish) return;
    const text = note.value.trim();
    if ([...text].length > MAX_NOTE) { note.focus(); return; }
    publishButton.disabled = true;
    publishStatus.textContent = t("organiser.publishing");
    let answer;
    try {
      answer = await publish(current.name, current.draftVersion, text);
    } catch (error) {
      answer = { status: 0, body: { Message: t("organiser.unreachable") } };  // already in the visitor's words
    }
    if (answer.status === 202) {
      publishStatus.textContent = t("organiser.published", { name: current.name });
      announce(t("organiser.published", { name: current.name }));
      target.dataset.published = current.draftVersion;
    } else {
      publishButton.disabled = false;
      publishStatus.textContent = t("organiser.publishFailed", { message: answer.body && answer.body.Message
        ? fromServer({ code: answer.body.code, values: answer.body.values, message: answer.body.Message }) : answer.status });
    }
  });

  function fill() {
    if (!current) return;
    const text = note.value.trim();
    const tooLong = [...text].length > MAX_NOTE;
    noteProblem.textContent = tooLong ? t("publish.noteTooLong", { count: [...text].length, most: MAX_NOTE }) : "";
    note.setAttribute("aria-invalid", String(tooLong));
    const found = commands({ ...current, bucket, note: tooLong ? "" : text });
    $("command-straight").textContent = found.straight;
    $("command-draft").textContent = found.draft;
    $("command-make").textContent = found.make
      || t("publish.noMake");
    $("command-copy").textContent = found.copy;
  }
  note.addEventListener("input", fill);

  return function show({ name, local, preview, draftVersion = null }) {
    current = { name, local, draftVersion };
    const organiser = session();
    const clean = preview.status === "ok" && !(preview.rejected || 0);
    const mayPublish = Boolean(organiser && organiser.role === "publisher" && draftVersion && clean);
    now.hidden = !organiser;
    publishButton.hidden = !mayPublish;
    publishButton.disabled = false;
    publishButton.textContent = t("organiser.publishButton", { name });
    publishStatus.textContent = !organiser || mayPublish ? ""
      : organiser.role !== "publisher" ? t("organiser.editorsMayNot", { name }) : t("organiser.fixFirst");
    byHand.open = !organiser;
    delete target.dataset.published;
    const folder = name.includes("/") ? name.slice(0, name.lastIndexOf("/") + 1) : "";
    const base = name.slice(folder.length);
    target.querySelector(".console .folder").textContent = folder;
    target.querySelector(".console .folder").parentElement.hidden = !folder;
    target.querySelector(".console .local").textContent = local;
    target.querySelector(".console .base").textContent = base;
    target.querySelector(".console .rename").hidden = base === local;
    target.querySelector(".console .report").textContent = `reports/${name}.json`;
    intro.replaceChildren(...said("publish.intro", { file: el("code", "", local),
      bucket: bucket ? el("code", "", bucket) : t("publish.theBucket") }), bucket ? "" : ` ${t("publish.noBucket")}`);
    const rejected = preview.rejected || 0;
    caution.textContent = {
      failed: t("publish.cautionFailed"),
      partial: t("publish.cautionPartial", { count: rejected }),
    }[preview.status] || "";
    caution.hidden = !caution.textContent;
    fill();
  };
}
