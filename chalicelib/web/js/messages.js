// The page's error box: what went wrong, and a way to try again.

import { $, el } from "./dom.js";
import { emit } from "./state.js";

export function showError(error) {
  const box = $("error");
  box.replaceChildren();
  const retry = el("button", "", "Try again"); retry.type = "button";
  retry.addEventListener("click", () => { box.hidden = true; emit("retry"); });
  box.append(el("span", "", (error && error.message) || String(error)), retry);
  box.hidden = false;
}

// Something the person should know that is not an error (a link to a set that is gone).
export function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = !text;
}
