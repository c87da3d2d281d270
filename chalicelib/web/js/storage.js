// What a page keeps in this browser, per schedule address (two festivals on one host keep
// apart): JSON values in localStorage or sessionStorage, and a festival-goer's picks.

export function createStore(base) {
  const key = (name) => `festival-schedule:${base}:${name}`;
  return {
    key,
    get(name, fallback, area = localStorage) {
      try { const text = area.getItem(key(name)); return text === null ? fallback : JSON.parse(text); }
      catch (error) { return fallback; }
    },
    // True when kept; false when the browser refused (storage off, or full).
    set(name, value, area = localStorage) {
      try { area.setItem(key(name), JSON.stringify(value)); return true; }
      catch (error) { return false; }
    },
  };
}

// A festival-goer's picks: set ids kept in this browser (no account), so a pick survives
// reloads and the organiser moving the set.
//
// Several tabs share them: every write applies its one change to what is stored now (so
// a tab never writes back a stale list over another tab's picks), and each tab follows
// the others' writes through the `storage` event. A change the browser refuses to store
// (storage full, or turned off) is kept for this page and applied again on top of every
// read, so it is neither lost nor hidden; `saved` says whether the last write was kept.

export const SET_ID = /^[a-z2-7]{16}$/;
// More than anyone plans (and 34 KB of storage): a list past it comes from no star.
export const MAX_PICKS = 2000;

export function createPicks(store, onChange = () => {}) {
  let unsaved = [];  // [id, picked] changes the browser refused to store, in order
  const read = () => {
    const stored = store.get("picks", []);
    const ids = new Set((Array.isArray(stored) ? stored : []).filter((id) => SET_ID.test(id)).slice(0, MAX_PICKS));
    for (const [id, on] of unsaved) { if (on) ids.add(id); else ids.delete(id); }
    return ids;
  };
  let ids = read();
  const picks = {
    saved: true,
    has: (id) => ids.has(id),
    get size() { return ids.size; },
    list: () => [...ids],
    // Applies [id, picked] changes to the stored picks as they are now: "changed",
    // "unchanged", or "refused" when the plan would pass MAX_PICKS (nothing is applied).
    change(changes) {
      const latest = read();
      const fresh = changes.filter(([id, on]) => latest.has(id) !== on);
      for (const [id, on] of fresh) { if (on) latest.add(id); else latest.delete(id); }
      if (latest.size > MAX_PICKS && fresh.some(([, on]) => on)) return "refused";
      ids = latest;
      if (!fresh.length) return "unchanged";
      picks.saved = store.set("picks", [...latest]);
      unsaved = picks.saved ? [] : [...unsaved, ...fresh];
      return "changed";
    },
    toggle(id) { return picks.change([[id, !ids.has(id)]]); },
    add(more) { return picks.change(more.map((id) => [id, true])); },
    keepOnly(wanted) { return picks.change([...ids].filter((id) => !wanted(id)).map((id) => [id, false])); },
  };
  window.addEventListener("storage", (event) => {
    if (event.storageArea === localStorage && (event.key === store.key("picks") || event.key === null)) {
      ids = read();
      onChange();
    }
  });
  return picks;
}
