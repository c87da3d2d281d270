// Festival time as the API writes it: festival-local "YYYY-MM-DDTHH:MM", compared as
// minutes without ever going through the browser's own time zone. How a time is shown is
// i18n.js's (Intl, in the visitor's locale): nothing here writes one for people.

export const minutes = (iso) => {
  const [d, t] = iso.split("T"); const [y, m, day] = d.split("-").map(Number); const [h, mi] = t.split(":").map(Number);
  return Date.UTC(y, m - 1, day, h, mi) / 60000;
};
export const iso = (mins) => new Date(mins * 60000).toISOString().slice(0, 16);
// "HH:MM" as a form's <input type="time"> takes it (a value, not text for people).
export const hhmm = (isoText) => isoText.slice(11, 16);
export const byStart = (a, b) => a.start.localeCompare(b.start) || a.stage.localeCompare(b.stage);

// "06:00" (the API's day_change) as minutes after midnight.
export const clockMinutes = (text) => minutes(`1970-01-01T${text}`);

// The festival day a moment belongs to, given the API's day change in minutes: a moment
// before the day change belongs to the night before.
export const festivalDayOf = (isoText, dayChange) => iso(minutes(isoText) - dayChange).slice(0, 10);

// Now, as festival-local time in the festival's zone.
export function festivalNow(zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
