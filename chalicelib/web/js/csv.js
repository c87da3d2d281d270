// A CSV file as its organiser wrote it, for showing its rows: decoded as the server read it
// and split into records, each with the physical line it starts on (the line numbers the
// server's errors give). For display only: which rows are accepted is the server's to say.

// The bytes as text, in the encoding the server named ("UTF-8" or "Windows-1252"). A UTF-8
// byte order mark is dropped, as the server drops it.
export function decode(bytes, encoding) {
  const label = /1252/.test(encoding || "") ? "windows-1252" : "utf-8";
  return new TextDecoder(label).decode(bytes);
}

// The length of the line break at `at` (\r\n, \r or \n: what the server splits lines at), or 0.
function lineBreak(text, at) {
  const c = text[at];
  if (c === "\r") return text[at + 1] === "\n" ? 2 : 1;
  return c === "\n" ? 1 : 0;
}

// Records as a spreadsheet's CSV writer makes them (a value in double quotes may hold the
// delimiter, line breaks and doubled quotes): [{ line, fields, text }], `text` being the
// record as written. A stray quote is kept as text rather than failing.
export function records(text, delimiter = ",") {
  const found = [];
  let at = 0;
  let line = 1;
  while (at < text.length) {
    const begin = at;
    const first = line;
    const fields = [];
    let field = "";
    let quoted = false;
    let fresh = true;  // at the start of a value: only there does a quote open one
    for (;;) {
      if (at >= text.length) { fields.push(field); break; }
      const c = text[at];
      const breakLength = lineBreak(text, at);
      if (quoted) {
        if (c === '"' && text[at + 1] === '"') { field += '"'; at += 2; }
        else if (c === '"') { quoted = false; at += 1; }
        else if (breakLength) { field += text.slice(at, at + breakLength); at += breakLength; line += 1; }
        else { field += c; at += 1; }
      } else if (c === '"' && fresh) { quoted = true; fresh = false; at += 1; }
      else if (c === delimiter) { fields.push(field); field = ""; fresh = true; at += 1; }
      else if (breakLength) { fields.push(field); at += breakLength; line += 1; break; }
      else { field += c; fresh = false; at += 1; }
    }
    found.push({ line: first, fields, text: text.slice(begin, at).replace(/(\r\n|\r|\n)$/, "") });
  }
  return found;
}

// Whether a record holds nothing (a blank line, or only delimiters and spaces): the server skips it.
export const isBlank = (record) => !record.fields.join("").trim();

// A header name as the server matches it: case-insensitive, surrounding spaces (and a BOM) ignored.
export const columnKey = (name) => name.trim().replace(/^\uFEFF/, "").trim().toLowerCase();
