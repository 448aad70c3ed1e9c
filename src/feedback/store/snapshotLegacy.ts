// snapshot.json, the text formats before snapshot.bin: schema 2 (line-oriented) and schema 1 (one JSON object). Only
// read, to migrate a store on its first compaction by this version (which writes snapshot.bin and removes the text).
import type { Steps } from '../../core/train';
import { FeedbackEvent, SignalKind, toEvent } from '../signal';
import { type SnapshotDamage, type SnapshotMeta, checkOffsets, evictedOf } from './snapshotBinary';
import { STEP, countLinesSteps, lineSteps } from './steps';

/** What a text snapshot holds: its events as objects (it is read once, to be migrated). */
export interface LegacySnapshot extends SnapshotMeta {
  events: FeedbackEvent[];
  /** set when the file is damaged but its header was readable: every good row was kept */
  damage?: SnapshotDamage;
}

const SNAPSHOT_SCHEMA_V2 = 2;
const SNAPSHOT_SCHEMA_V1 = 1;

interface SnapshotFileV1 {
  format: 'latent-feedback-snapshot';
  schema: number;
  savedAt: number;
  items: string[];
  windows: string[];
  kinds: SignalKind[];
  /** flat [t, item index, kind index, amount, window index] per event, sorted by t */
  events: number[];
  merged: Record<string, number>;
  evicted: { events: number; items: number };
}

const BAD = Symbol('bad line');

function nameOf(line: string | undefined): string | typeof BAD {
  if (line === undefined) return BAD;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'string' ? v : BAD;
  } catch {
    return BAD;
  }
}

/**
 * Reads a schema 2 file (or a schema 1 one). Throws when the header is unreadable (nothing can be trusted then).
 * Damage after the header (a bad row, an unreadable name, a cut-off tail) keeps every good row and says what was lost
 * in `damage`. A damaged name line loses the rows of that item only; a line break added or removed inside the names
 * (the file then has one line more or fewer than its header says) is located and the names after it realigned.
 */
export function* decodeLegacySnapshotSteps(buf: Buffer): Steps<LegacySnapshot> {
  const firstEnd = buf.indexOf(0x0a);
  const headText = buf.toString('utf8', 0, firstEnd < 0 ? buf.length : firstEnd);
  const head = JSON.parse(headText) as Record<string, unknown>;
  if (typeof head !== 'object' || head === null || head.format !== 'latent-feedback-snapshot') throw new Error('not a Latent feedback snapshot');
  if (head.schema === SNAPSHOT_SCHEMA_V1 && firstEnd < 0) return decodeSnapshotV1(headText);
  if (head.schema !== SNAPSHOT_SCHEMA_V2) throw new Error(`schema version ${String(head.schema)} is not ${SNAPSHOT_SCHEMA_V2}`);
  const { kinds, merged, evicted } = head as { kinds?: unknown; merged?: unknown; evicted?: { events?: unknown; items?: unknown } };
  const counts = [head.items, head.windows, head.events];
  if (!Array.isArray(kinds) || !counts.every((c) => Number.isInteger(c) && (c as number) >= 0)) throw new Error('missing or malformed fields');
  const offsets = checkOffsets(merged);
  const [nItems, nWindows, nEvents] = counts as number[];
  const why: string[] = [];
  const end = buf.lastIndexOf(0x0a) + 1;
  const torn = end < buf.length;
  if (torn) why.push('the file ends in the middle of a line');
  // Only the name lines (and one more, for a line break added or removed among them) are kept as strings; the event
  // rows are parsed as they are decoded. Holding every line of a million-event file until the end made each of them
  // survive into the old generation: the host's scavenges copied them all, tens of ms at a time.
  const nNames = nItems + nWindows;
  const bodyStart = firstEnd + 1;
  const bodyEnd = firstEnd < 0 ? bodyStart : Math.max(end, bodyStart);
  let headEnd = bodyStart;
  let nHead = 0;
  while (nHead < nNames + 1 && headEnd < bodyEnd) {
    headEnd = buf.indexOf(0x0a, headEnd) + 1;
    if ((++nHead & (STEP * 8 - 1)) === 0) yield;
  }
  const nameLines: string[] = [];
  yield* lineSteps(buf, bodyStart, headEnd, (line) => void nameLines.push(line));

  // Names: line k holds name k, unless a line break was added or removed at the first bad name (the file has one
  // line more or fewer than the header says and was not cut off): then the names after it are one line off.
  const parsed: (string | typeof BAD)[] = [];
  for (let k = 0; k < nameLines.length; k++) {
    parsed.push(nameOf(nameLines[k]));
    if ((k & (STEP - 1)) === 0) yield;
  }
  let firstBad = -1;
  for (let k = 0; k < nNames && firstBad < 0; k++) if ((parsed[k] ?? BAD) === BAD) firstBad = k;
  let shift = 0;
  if (firstBad >= 0 && !torn) shift = nHead + (yield* countLinesSteps(buf, headEnd, bodyEnd)) - (nNames + nEvents);
  if (Math.abs(shift) !== 1) shift = 0;
  const names: (string | typeof BAD)[] = new Array<string | typeof BAD>(nNames);
  let badNames = 0;
  for (let k = 0; k < nNames; k++) {
    let at = k;
    if (shift === 1 && k >= firstBad) at = k === firstBad ? -1 : k + 1;
    else if (shift === -1 && k >= firstBad) at = k <= firstBad + 1 ? -1 : k - 1;
    names[k] = parsed[at] ?? BAD;
    if (names[k] === BAD) badNames++;
  }
  if (badNames > 0) why.push(`${badNames} item or window name(s) are unreadable`);

  const out: FeedbackEvent[] = [];
  let badRows = 0;
  const row = (line: string): void => {
    const f = line.split(',');
    const ii = Number(f[1]);
    const wi = Number(f[4]);
    const item = Number.isInteger(ii) && ii >= 0 && ii < nItems ? names[ii] : BAD;
    const w = Number.isInteger(wi) && wi >= 0 && wi < nWindows ? names[nItems + wi] : BAD;
    const fromIx = f.length === 6 ? Number(f[5]) : -1;
    const from = fromIx < 0 ? undefined : Number.isInteger(fromIx) && fromIx < nItems ? names[fromIx] : BAD;
    const e =
      (f.length === 5 || f.length === 6) && typeof w === 'string' && item !== BAD && from !== BAD
        ? toEvent({ t: Number(f[0]), item, kind: kinds[Number(f[2])], amount: Number(f[3]), from }, w === '' ? undefined : w)
        : undefined;
    if (e) {
      out.push(e);
    } else {
      badRows++;
    }
  };
  for (let i = nNames + shift; i < nameLines.length; i++) row(nameLines[i]);
  let nLines = nameLines.length;
  yield* lineSteps(buf, headEnd, bodyEnd, (line) => {
    nLines++;
    row(line);
  });
  if (badRows > 0) why.push(`${badRows} event line(s) are malformed`);
  if (nLines < nNames || out.length + badRows !== nEvents) why.push(`the file has ${nLines < nNames + nEvents ? 'fewer' : 'more'} lines than its header says`);
  const snap: LegacySnapshot = { events: out, merged: offsets, evicted: evictedOf(evicted) };
  if (why.length > 0) snap.damage = { why, kept: out.length, expected: nEvents };
  return snap;
}

/** Schema 1: one JSON object with a flat [t, item, kind, amount, window] array. */
function decodeSnapshotV1(text: string): LegacySnapshot {
  const raw = JSON.parse(text) as Partial<SnapshotFileV1>;
  const { items, windows, kinds, events, merged, evicted } = raw;
  if (!Array.isArray(items) || !Array.isArray(windows) || !Array.isArray(kinds) || !Array.isArray(events) || events.length % 5 !== 0) {
    throw new Error('missing or malformed fields');
  }
  const offsets = checkOffsets(merged);
  const out: FeedbackEvent[] = new Array<FeedbackEvent>(events.length / 5);
  for (let i = 0, j = 0; j < events.length; i++, j += 5) {
    const w = windows[events[j + 4]];
    const e = toEvent({ t: events[j], item: items[events[j + 1]], kind: kinds[events[j + 2]], amount: events[j + 3] });
    if (!e || typeof w !== 'string') throw new Error(`event ${i} is malformed`);
    if (w !== '') e.w = w;
    out[i] = e;
  }
  return { events: out, merged: offsets, evicted: evictedOf(evicted) };
}
