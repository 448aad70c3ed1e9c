// Parser for the shared benchmark files `session_id,item,timestamp` (one row per item touched by a session).
import { LatentInputError } from './errors';
import type { Interaction } from './interaction';

/**
 * Every row becomes one Interaction with weight 1 (a commit touched the file). Rows are kept even when
 * repeated: the protocol de-duplicates items per session itself, so nothing is dropped here.
 * Timestamps: unix seconds (the shared files), or milliseconds, microseconds or ISO 8601 dates (unixSeconds).
 * Throws LatentInputError naming the line on a bad header, a wrong column count, an empty field or a bad time.
 */
export function parseSessionsCsv(text: string): Interaction[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim().replace(/^\uFEFF/, '');
  // A writer that quotes every field, or pads it, writes the same three names.
  if (header.split(',').map((f) => unquoted(f.trim())).join(',') !== 'session_id,item,timestamp') {
    throw new LatentInputError(`sessions CSV must start with the header "session_id,item,timestamp", got "${header}"`);
  }
  const out: Interaction[] = [];
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln];
    if (line.trim() === '') continue;
    // Items are paths and may contain commas; the id has none and the timestamp is last.
    const first = line.indexOf(',');
    const last = line.lastIndexOf(',');
    if (first < 0 || last === first) {
      throw new LatentInputError(`sessions CSV line ${ln + 1}: expected 3 columns, got "${line}"`);
    }
    const session = unquoted(line.slice(0, first));
    const item = unquoted(line.slice(first + 1, last));
    const tsText = unquoted(line.slice(last + 1).trim());
    if (session === '' || item === '') throw new LatentInputError(`sessions CSV line ${ln + 1}: empty session or item`);
    const time = unixSeconds(tsText);
    if (time === undefined) {
      throw new LatentInputError(`sessions CSV line ${ln + 1}: timestamp "${tsText}" is neither a number nor an ISO 8601 date`);
    }
    out.push({ session, item, time, weight: 1 });
  }
  if (out.length === 0) throw new LatentInputError('sessions CSV has no rows');
  return out;
}

/**
 * A field as a CSV writer that quotes (RFC 4180) wrote it: `"a,b"` and `"say ""hi"""` come back as `a,b` and
 * `say "hi"`. Kept quoted, an item would miss latent.neverRecommend's patterns.
 */
function unquoted(field: string): string {
  return field.length >= 2 && field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field;
}

/**
 * Seconds since 1970, the unit every half-life is counted in. Milliseconds and microseconds (what JavaScript and many
 * loggers write) are told by their size: 1e11 seconds is the year 5138, 1e11 ms is 1973. ISO 8601 dates are read too.
 */
function unixSeconds(text: string): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  if (Number.isFinite(n)) return Math.abs(n) >= 1e14 ? n / 1e6 : Math.abs(n) >= 1e11 ? n / 1e3 : n;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}
