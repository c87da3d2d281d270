// Inlined in each page's head (its hash is in the page's CSP), so it runs before anything is
// drawn: the page's language is the one chosen on it before (kept in this browser), else the
// first of the browser's languages that has a catalogue, else English. It sets <html lang
// dir data-language> and, unless the page carries that language's words (#words: the
// schedule page carries those of the browser's first language), starts fetching its
// catalogue at once, beside the page's first modules (i18n.js reads it).
(() => {
  const { version, languages } = JSON.parse(document.getElementById("languages").textContent);
  const known = (code) => typeof code === "string" && Object.hasOwn(languages, code);
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  const base = (tag) => String(tag).toLowerCase().split("-")[0];
  let code = null;
  try { code = localStorage.getItem("festival-language"); } catch (error) { /* storage off */ }
  if (!known(code)) code = wanted.map(base).find(known) || "en";
  const root = document.documentElement;
  root.lang = wanted.find((tag) => base(tag) === code) || code;
  root.dir = languages[code].dir;
  root.dataset.language = code;
  const carried = document.getElementById("words");
  if (carried && JSON.parse(carried.textContent || "{}").language === code) return;
  const link = document.createElement("link");
  Object.assign(link, { rel: "preload", as: "fetch", crossOrigin: "anonymous", href: `languages/${code}.json?v=${version}` });
  document.head.append(link);
})();
