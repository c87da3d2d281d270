// The schedule page's service worker: it keeps the last schedule read, so the page opens
// with no signal. Network first, so a connection always shows the organiser's latest:
// each request is revalidated with the server's ETag (a 304 costs one small read), and
// the copy kept is stamped with when it was saved, which the page shows when offline.
"use strict";
const CACHE = "festival-schedule-3";  // 3: the page, its modules and its language
const page = new URL(self.registration.scope);

// What is worth keeping: the page, its modules, the days, each day's sets and the changes.
// "Now" answers go stale within the minute; the page works those out from the sets offline.
// The release pointer (public/current.json) is never kept: with no signal there is nothing
// to follow, and a kept pointer would only ever be stale; release files are not needed
// offline either (the days they bring are kept as the API's answers, see `save`).
function keyFor(url, navigation) {
  const address = new URL(url);
  if (address.origin !== page.origin || !address.pathname.startsWith(page.pathname)) return null;
  if (navigation) return address.pathname === page.pathname ? page.href : null;
  const path = address.pathname.slice(page.pathname.length);
  const kept = path === "days" || path === "changes" || path.startsWith("changes/") || isModule(address) ||
    (path === "performances" && address.searchParams.has("day"));
  return kept ? address.href : null;
}

// A page module or language catalogue at a version (js/x.js?v=..., languages/de.json?v=...):
// that address never changes, so the kept copy is served first, with no round trip.
function isModule(address) {
  return ["js/", "languages/"].some((folder) => address.pathname.startsWith(page.pathname + folder)) &&
    address.searchParams.has("v");
}

async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set("X-Saved-At", new Date().toISOString());
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE);
  const saved = await cache.match(key);
  if (saved) return saved;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request, { cache: "no-cache" });
    if (response.ok) await cache.put(key, await stamped(response.clone()));
    return response;
  } catch (error) {
    const saved = await cache.match(key);
    if (saved) return saved;
    throw error;
  }
}

// The page's first visit was read before this worker controlled it: the page sends
// what it read, and what is not kept yet is fetched again (a 304 from the HTTP cache).
async function keep(urls) {
  const cache = await caches.open(CACHE);
  let kept = 0;
  for (const url of urls) {
    const key = keyFor(url, new URL(url).pathname === page.pathname);  // the page, whatever its query
    if (!key) continue;
    if (!(await cache.match(key))) {
      try {
        const response = await fetch(url, { cache: "no-cache", headers: { Accept: "application/json" } });
        if (response.ok) await cache.put(key, await stamped(response));
      } catch (error) { continue; }
    }
    kept += 1;
  }
  // Modules of an earlier version are no page's any more.
  const current = new Set(urls.filter((url) => isModule(new URL(url))));
  if (current.size) {
    for (const request of await cache.keys()) {
      if (isModule(new URL(request.url)) && !current.has(request.url)) await cache.delete(request);
    }
  }
  return kept;
}

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  const key = keyFor(event.request.url, event.request.mode === "navigate");
  if (key) event.respondWith(isModule(new URL(key)) ? cacheFirst(event.request, key) : networkFirst(event.request, key));
});

// A release the open page followed (live.js): the days it read again, as the API answers
// them whole, replace the kept copies (only of what this worker keeps).
async function save(answers) {
  const cache = await caches.open(CACHE);
  for (const { url, body } of answers) {
    const key = keyFor(url, false);
    if (!key || typeof body !== "string") continue;
    const response = new Response(body, { headers: { "Content-Type": "application/json" } });
    await cache.put(key, await stamped(response));
  }
}

self.addEventListener("message", (event) => {
  if (event.data && Array.isArray(event.data.save)) {
    event.waitUntil(save(event.data.save));
    return;
  }
  const urls = (event.data && event.data.keep) || [];
  event.waitUntil(keep(urls).then((kept) => event.ports[0] && event.ports[0].postMessage({ kept })));
});
