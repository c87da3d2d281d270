// The file's sets, for the organiser's grid: its accepted rows placed in time as the CSV
// contract says (a `date` is the calendar date; a `day` is the festival day, so a time
// before the day change is the next morning; 24:00-29:59 are the next morning; an end
// before the start is the next day), each matched with the change the preview says it
// makes. Where they meet, the server's word (a change's stage and times) wins.

import { columnKey, isBlank } from "./csv.js";
import { festivalDayOf, iso, minutes } from "./time.js";

const DAY = 24 * 60;
const TIME = /^(\d{1,2}):(\d{2})(?::00)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CANCELLED = /^(cancelled|canceled)$/i;

const timeOf = (text) => {
  const match = TIME.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
};

// The file's header record and its data records (blank ones left out, as the server skips
// them); `index` maps a known column (lower case) to its position. Null for a file with no header.
export function table(all) {
  const at = all.findIndex((record) => !isBlank(record));
  if (at < 0) return null;
  const header = all[at];
  const index = new Map();
  header.fields.forEach((name, position) => {
    const key = columnKey(name);
    if (key && !index.has(key)) index.set(key, position);
  });
  return { header, index, rows: all.slice(at + 1).filter((record) => !isBlank(record)) };
}

// One accepted row as a set, or null when it cannot be placed here.
export function placed(row, index, dayChange) {
  const value = (name) => (index.has(name) ? (row.fields[index.get(name)] || "").trim() : "");
  const start = timeOf(value("start"));
  const end = timeOf(value("end"));
  if (start === null || end === null) return null;
  let from;
  if (DATE.test(value("date"))) from = minutes(`${value("date")}T00:00`) + start;
  else if (DATE.test(value("day"))) from = minutes(`${value("day")}T00:00`) + start + (start < dayChange ? DAY : 0);
  else return null;
  const length = (((end - start) % DAY) + DAY) % DAY;
  return {
    line: row.line, stage: value("stage").normalize("NFC"), artist: value("artist").normalize("NFC"),
    genre: value("genre"), start: iso(from), end: iso(from + length), cancelled: CANCELLED.test(value("status")),
  };
}

const keyOf = (set) => `${set.artist}\u0000${set.stage}\u0000${set.start}`;

function fromChange(change) {
  return {
    line: null, stage: change.stage, artist: change.artist, start: change.start, end: change.end,
    cancelled: change.status === "cancelled", change: change.change, id: change.id, from: change.from,
    fields: change.fields || [],
  };
}

// What the grid shows: `sets` (each with its festival `day`, and `change` when the preview
// lists one), `removed` (removed sets), `kept` (live sets a rejected row keeps as they are),
// and `unplaced`, the accepted rows this page could not place (the server's counts stand).
export function fileSets(found, preview, dayChange) {
  const rejected = new Set((preview.errors || []).map((error) => error.line));
  const changes = new Map();
  const removed = [];
  for (const change of preview.changelog || []) {
    if (change.change === "removed") removed.push(fromChange(change));
    else changes.set(keyOf(change), change);
  }
  const sets = [];
  for (const row of found ? found.rows : []) {
    if (rejected.has(row.line)) continue;
    const set = placed(row, found.index, dayChange);
    if (!set) continue;
    const change = changes.get(keyOf(set));
    if (change) {
      changes.delete(keyOf(set));
      Object.assign(set, fromChange(change), { line: set.line, genre: set.genre });
    }
    sets.push(set);
  }
  for (const change of changes.values()) sets.push(fromChange(change));  // a row read otherwise here
  const withDay = (set) => ({ ...set, day: festivalDayOf(set.start, dayChange) });
  const kept = (preview.kept || []).map((set) => ({ ...set, day: festivalDayOf(set.start, dayChange) }));
  const unplaced = Math.max(0, (preview.accepted || 0) - sets.length);
  return { sets: sets.map(withDay), removed: removed.map(withDay), kept, unplaced };
}
