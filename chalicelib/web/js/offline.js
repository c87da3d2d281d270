// No signal: the service worker keeps what the page read; the page says when a copy it
// shows was saved, and asks again, less and less often, until the connection is back.

import { $, base } from "./dom.js";
import { api, emit, state } from "./state.js";
import { instant, relative, t } from "./i18n.js";

export async function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.ready;
  const modules = performance.getEntriesByType("resource").map((entry) => entry.name)
    .filter((url) => ["js/", "languages/"].some((folder) => new URL(url).pathname.startsWith(base + folder)));
  const urls = [location.href.split("#")[0], ...modules, ...api.connection.fetched];
  const kept = await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data.kept);
    registration.active.postMessage({ keep: urls }, [channel.port2]);
  });
  keptAt = kept ? new Date() : null;
  showKept();
}

let keptAt = null;  // when this device last kept the schedule for use with no signal

export function showKept() {
  const when = keptAt && instant(keptAt, state.zone, { hour: "numeric", minute: "2-digit" });
  $("saved").textContent = keptAt ? t("offline.saved", { when }) : "";
}

// "online" is only a hint (the first request may still fail, or the signal may come back
// without the event): while the page shows a saved copy it asks again ("refresh").
const retry = { timer: null, delay: 2000 };

export function showSaved() {
  const note = $("offline");
  const savedAt = api.connection.savedAt;
  note.hidden = !savedAt;
  clearTimeout(retry.timer);
  if (!savedAt) { retry.delay = 2000; return; }
  const when = instant(new Date(savedAt), state.zone);
  const ago = relative((new Date(savedAt) - Date.now()) / 60000);
  note.textContent = t("offline.copy", { when, ago });
  retry.timer = setTimeout(() => (navigator.onLine ? emit("refresh") : showSaved()), retry.delay);
  retry.delay = Math.min(retry.delay * 2, 60000);
}
