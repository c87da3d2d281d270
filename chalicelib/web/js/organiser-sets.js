// The file's sets, for the organiser's grid: every set the preview says the file would put
// live (`preview.sets`, placed by the server's own reading of the CSV, so this page has no
// second copy of its time rules), each with the change the preview lists for it, if any.

import { columnKey, isBlank } from "./csv.js";

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


function fromChange(change) {
  return {
    line: null, stage: change.stage, artist: change.artist, start: change.start, end: change.end, day: change.day,
    cancelled: change.status === "cancelled", change: change.change, id: change.id, from: change.from,
    fields: change.fields || [],
  };
}

// What the grid shows: `sets` (each with its festival `day`, as the server says, and `change` when the preview
// lists one), `removed` (removed sets), `kept` (live sets a rejected row keeps as they are),
// and `unplaced`, the sets the answer had no room to list (the server's counts stand).
export function fileSets(found, preview) {
  const byLine = new Map((found ? found.rows : []).map((row) => [row.line, row]));
  const genreOf = (line) => {
    const row = byLine.get(line);
    const at = found && found.index.has("genre") ? found.index.get("genre") : -1;
    return row && at >= 0 ? (row.fields[at] || "").trim() : "";
  };
  const changes = new Map();
  const removed = [];
  for (const change of preview.changelog || []) {
    if (change.change === "removed") removed.push(fromChange(change));
    else changes.set(change.id, change);
  }
  const keptIds = new Set((preview.kept || []).map((set) => set.id));  // listed apart, under the grid
  const sets = (preview.sets || []).filter((set) => !keptIds.has(set.id)).map((set) => {
    const shown = {
      line: set.line, stage: set.stage, artist: set.artist, genre: genreOf(set.line),
      start: set.start, end: set.end, day: set.day, cancelled: set.status === "cancelled", id: set.id,
    };
    const change = changes.get(set.id);
    return change ? Object.assign(shown, fromChange(change), { line: set.line, genre: shown.genre }) : shown;
  });
  const unplaced = preview.sets_truncated ? Math.max(0, (preview.accepted || 0) - sets.length) : 0;
  return { sets, removed, kept: preview.kept || [], unplaced };
}
