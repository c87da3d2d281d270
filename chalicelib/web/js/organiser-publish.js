// How to publish the previewed file. A signed-in publisher publishes the draft's exact
// version from here (with the release note), once its preview has no errors; for everyone
// else (and for automation) the page writes the exact commands, quoted for a POSIX shell,
// each with a copy button, and the S3 console's steps.

import { $, announce, el, plural } from "./dom.js";
import { words } from "./organiser-words.js";

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
    announce(`Copied the command to ${what}.`);
  } catch (error) {  // no clipboard (an old browser, or refused): select it for Ctrl+C
    const range = document.createRange();
    range.selectNodeContents(command);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    announce("The command is selected: copy it with Ctrl+C (⌘C on a Mac).");
  }
}

function commandBox(id, what) {
  const command = el("pre", "command");
  command.id = id;
  const button = el("button", "", "Copy");
  button.type = "button";
  button.setAttribute("aria-label", `Copy the command to ${what}`);
  button.addEventListener("click", () => copy(command, what));
  return el("div", "command-box", command, button);
}

function steps(bucket) {
  const named = bucket ? el("code", "", bucket) : "the schedule bucket";
  const console = el("ol", "console",
    el("li", "", "Open the S3 console at the bucket ", named, ", folder ", el("code", "", "uploads/"),
      el("span", "", " then ", el("code", "folder", ""), " (create it if it is missing)"), "."),
    el("li", "", "Upload › Add files › choose ", el("code", "local", ""), ". ",
      el("span", "rename", "S3 names it after the file: rename the file to ", el("code", "base", ""), " first.")),
    el("li", "", "With a release note: Properties › Metadata › Add metadata: type User defined, key ",
      el("code", "", "x-amz-meta-note"), ", value: the note."),
    el("li", "", "Upload. The report lands under ", el("code", "report", ""), " within seconds."));
  return el("ol", "steps",
    el("li", "", el("h3", "", "Straight to the live schedule"), commandBox("command-straight", "publish it now")),
    el("li", "", el("h3", "", "As a draft first, then publish the draft"),
      el("p", "", "The draft changes nothing live: its report and the team's preview message say what publishing "
        + "it does. Then publish it from a checkout of this repository, or with the AWS CLI."),
      commandBox("command-draft", "upload it as a draft"), commandBox("command-make", "publish the draft with make"),
      commandBox("command-copy", "publish the draft with the AWS CLI")),
    el("li", "", el("h3", "", "In the S3 console"), console));
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
  const noteHint = el("span", "hint", `Optional, any language, at most ${MAX_NOTE} characters: shown with the release `
    + "in /changes, the team's e-mail and festival-goers' \"changes since your last visit\".");
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
  const byHand = el("details", "by-hand", el("summary", "", words.orByHand), intro, steps(bucket));
  target.replaceChildren(caution,
    el("div", "field note-field", el("label", "", words.publishNote), note, noteHint, noteProblem), now, byHand);
  target.querySelector(".note-field label").htmlFor = "note";
  let current = null;

  publishButton.addEventListener("click", async () => {
    if (!current || !current.draftVersion || !publish) return;
    const text = note.value.trim();
    if ([...text].length > MAX_NOTE) { note.focus(); return; }
    publishButton.disabled = true;
    publishStatus.textContent = words.publishing;
    let answer;
    try {
      answer = await publish(current.name, current.draftVersion, text);
    } catch (error) {
      answer = { status: 0, body: { Message: words.unreachable } };
    }
    if (answer.status === 202) {
      publishStatus.textContent = words.published(current.name);
      announce(words.published(current.name));
      target.dataset.published = current.draftVersion;
    } else {
      publishButton.disabled = false;
      publishStatus.textContent = words.publishFailed(answer.body && answer.body.Message ? answer.body.Message
        : answer.status);
    }
  });

  function fill() {
    if (!current) return;
    const text = note.value.trim();
    const tooLong = [...text].length > MAX_NOTE;
    noteProblem.textContent = tooLong ? `The note is ${[...text].length} characters; at most ${MAX_NOTE}.` : "";
    note.setAttribute("aria-invalid", String(tooLong));
    const found = commands({ ...current, bucket, note: tooLong ? "" : text });
    $("command-straight").textContent = found.straight;
    $("command-draft").textContent = found.draft;
    $("command-make").textContent = found.make
      || "(make cannot pass this name or note on: publish the draft with the AWS CLI below)";
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
    publishButton.textContent = words.publishButton(name);
    publishStatus.textContent = !organiser || mayPublish ? ""
      : organiser.role !== "publisher" ? words.editorsMayNot(name) : words.fixFirst;
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
    intro.replaceChildren("Run one of these where ", el("code", "", local), " is, with AWS credentials that may write to ",
      bucket ? el("code", "", bucket) : "the schedule bucket", ". ",
      bucket ? "" : "This page does not know the bucket's name: put it in place of BUCKET.");
    const rejected = preview.rejected || 0;
    caution.textContent = {
      failed: "This file fails as a whole: publishing it would change nothing. Fix it first.",
      partial: `${plural(rejected, "row is", "rows are")} rejected: publishing it applies the others, and the sets `
        + "the rejected rows stand for stay live as they are until the rows are fixed and the file is published again.",
    }[preview.status] || "";
    caution.hidden = !caution.textContent;
    fill();
  };
}
