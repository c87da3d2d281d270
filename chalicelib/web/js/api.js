// The API, read with relative URLs (so a page works under API Gateway's /api prefix too)
// and always revalidated: a 304 (one small read for the API) when nothing changed.

import { base } from "./dom.js";

// What the reads say about the connection: `run` counts refreshes (answers to an earlier one
// say nothing about the connection now), `savedAt` is set when an answer came from the
// service worker's saved copy, `fetched` holds the addresses read, for it to keep.
export const newConnection = () => ({ run: 0, savedAt: null, fetched: new Set() });

export function createApi(connection = newConnection()) {
  async function get(path) {
    const run = connection.run;
    const address = path.startsWith("/") ? path : base + path;
    let response;
    try {
      response = await fetch(address, { headers: { Accept: "application/json" }, cache: "no-cache" });
    } catch (error) {
      throw Object.assign(new Error("no connection, and no saved copy"), { offline: true });
    }
    let body = null;
    try { body = await response.json(); } catch (error) { /* not JSON: reported below */ }
    if (!response.ok) {
      // The API's answer: its English message, and the stable code (with named values) the page translates.
      const answer = { code: body && body.code, values: body && body.values,
        message: body && body.Message ? body.Message : `${response.status} ${response.statusText}` };
      const error = new Error(`The schedule API answered ${path.split("?")[0]} with: ${answer.message}`);
      throw Object.assign(error, { status: response.status, path: path.split("?")[0], answer });
    }
    connection.fetched.add(new URL(address, location.href).href);
    const saved = response.headers.get("X-Saved-At");  // set by the service worker on a copy it kept
    // A copy read before a refresh began says nothing about the connection now.
    if (saved && run === connection.run && (!connection.savedAt || saved < connection.savedAt)) {
      connection.savedAt = saved;
    }
    return body;
  }

  async function all(path) {  // follow the cursor to the last page
    const items = []; let cursor = null;
    const joiner = path.includes("?") ? "&" : "?";
    do {
      const page = await get(path + (cursor ? `${joiner}cursor=${encodeURIComponent(cursor)}` : ""));
      items.push(...page.items); cursor = page.next;
    } while (cursor);
    return items;
  }

  return { connection, get, all };
}
