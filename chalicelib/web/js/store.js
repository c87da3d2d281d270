// What a page keeps in this browser, per schedule address (two festivals on one host
// keep apart): JSON values in localStorage or sessionStorage.

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
