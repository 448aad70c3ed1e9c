// Parser for the shared benchmark files `session_id,item,timestamp` (one row per item touched by a session).
import { LatentInputError } from './errors';
import type { Interaction } from './interaction';

/**
 * Every row becomes one Interaction with weight 1 (a commit touched the file). Rows are kept even when
 * repeated: the protocol de-duplicates items per session itself, so nothing is dropped here.
 * Throws LatentInputError naming the line on a bad header, a wrong column count, an empty field or a bad time.
 */
export function parseSessionsCsv(text: string): Interaction[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim().replace(/^\uFEFF/, '');
  if (header !== 'session_id,item,timestamp') {
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
    const session = line.slice(0, first);
    const item = line.slice(first + 1, last);
    const tsText = line.slice(last + 1).trim();
    if (session === '' || item === '') throw new LatentInputError(`sessions CSV line ${ln + 1}: empty session or item`);
    const time = Number(tsText);
    if (tsText === '' || !Number.isFinite(time)) {
      throw new LatentInputError(`sessions CSV line ${ln + 1}: timestamp "${tsText}" is not a number`);
    }
    out.push({ session, item, time, weight: 1 });
  }
  if (out.length === 0) throw new LatentInputError('sessions CSV has no rows');
  return out;
}
