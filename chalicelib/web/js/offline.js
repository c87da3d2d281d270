// No signal: the service worker keeps what the page read; the page says when a copy it
// shows was saved, and asks again, less and less often, until the connection is back.

import { $, base } from "./dom.js";
import { api, emit } from "./state.js";

export async function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.ready;
  const modules = performance.getEntriesByType("resource").map((entry) => entry.name)
    .filter((url) => new URL(url).pathname.startsWith(`${base}js/`));
  const urls = [location.href.split("#")[0], ...modules, ...api.connection.fetched];
  const kept = await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data.kept);
    registration.active.postMessage({ keep: urls }, [channel.port2]);
  });
  const when = new Date().toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  $("saved").textContent = kept ? `Saved on this device for use with no signal (${when}).` : "";
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
  const when = new Date(savedAt).toLocaleString(undefined,
    { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  note.textContent = `No connection: this is the schedule saved on this device, last updated ${when}. ` +
    "It refreshes by itself when the connection is back.";
  retry.timer = setTimeout(() => (navigator.onLine ? emit("refresh") : showSaved()), retry.delay);
  retry.delay = Math.min(retry.delay * 2, 60000);
}
