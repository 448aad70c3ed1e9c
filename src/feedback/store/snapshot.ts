// snapshot.json: the compacted events and how far each journal is merged. Format v2 (line-oriented, written and read
// in slices) is what is written; v1 (one JSON object) is still read and rewritten as v2 at the next compaction.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Steps } from '../../core/train';
import { FeedbackEvent, SIGNAL_KINDS, SignalKind, toEvent } from '../signal';
import { describe, isErrno } from './fsErrors';
import { SNAPSHOT } from './layout';
import type { StoreProblems } from './problems';
import { ChunkBuilder, STEP, countLinesSteps, lineSteps, type Slicer } from './steps';

export const SNAPSHOT_SCHEMA = 2;
/** The single-JSON-object format before 2: still read (one synchronous parse), rewritten as 2 at the next compaction. */
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

export interface Snapshot {
  events: FeedbackEvent[];
  merged: Record<string, number>;
  evicted: { events: number; items: number };
}

const EMPTY: Snapshot = { events: [], merged: {}, evicted: { events: 0, items: 0 } };

/** Identity of a snapshot file: a compaction renames a new file over it, which changes the inode. */
function stampOf(s: { ino: number; mtimeMs: number; size: number }): string {
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
}

/** Identity of the current snapshot file in `dir`; 'none' when there is none (or it cannot be seen). */
export async function snapshotStamp(dir: string): Promise<string> {
  try {
    return stampOf(await fs.stat(path.join(dir, SNAPSHOT)));
  } catch {
    return 'none';
  }
}

/**
 * The snapshot in `dir` and the stamp of the very file read (taken from its handle, so a rename meanwhile cannot mix
 * them). An unreadable snapshot, or one whose header is damaged, is moved aside (told once) and read as empty.
 * A snapshot damaged after its header gives every good row, with `damaged` set; with `repair` (the caller holds the
 * lock and writes a new snapshot from what it read) a copy is put aside and the loss told once, with counts.
 */
export async function readSnapshot(
  dir: string,
  problems: StoreProblems,
  sliced: Slicer,
  repair = false,
): Promise<{ snap: Snapshot; stamp: string; damaged: boolean }> {
  const file = path.join(dir, SNAPSHOT);
  let buf: Buffer;
  let stamp: string;
  try {
    const fh = await fs.open(file, 'r');
    try {
      stamp = stampOf(await fh.stat());
      buf = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { snap: EMPTY, stamp: 'none', damaged: false };
    await problems.moveAside(SNAPSHOT, 'snapshot', `could not be read (${describe(err)})`);
    return { snap: EMPTY, stamp: await snapshotStamp(dir), damaged: false };
  }
  let snap: DecodedSnapshot;
  try {
    snap = await sliced(decodeSnapshotSteps(buf));
  } catch (err) {
    await problems.moveAside(SNAPSHOT, 'snapshot', `is damaged (${describe(err)}); none of its events could be read`);
    return { snap: EMPTY, stamp: await snapshotStamp(dir), damaged: false };
  }
  const { damage } = snap;
  if (damage === undefined) return { snap, stamp, damaged: false };
  delete snap.damage;
  if (repair) {
    const lost = Math.max(0, damage.expected - damage.kept);
    await problems.copyAside(
      SNAPSHOT,
      'snapshot',
      (aside) =>
        `Latent's saved data ${SNAPSHOT} is damaged (${damage.why.join('; ')}). ${damage.kept} of its ${damage.expected} events were salvaged and ${lost} lost; ` +
        (aside ? `the damaged file was moved aside to ${aside} in ${dir}` : `the damaged file could not be kept aside in ${dir}`) +
        '; recording continues.',
    );
  }
  return { snap, stamp, damaged: true };
}

/**
 * Snapshot schema 2, one record per line so it is written and read in slices:
 *   {"format":"latent-feedback-snapshot","schema":2,"savedAt":...,"kinds":[...],"merged":{...},"evicted":{...},
 *    "items":I,"windows":W,"events":E}
 *   I lines: JSON string of an item; W lines: JSON string of a window id ("" = none)
 *   E lines: t,item index,kind index,amount,window index[,from item index (a rename's old key)]
 *            (sorted by t; numbers as JS prints them, exact)
 */
export function* encodeSnapshotSteps(
  events: readonly FeedbackEvent[],
  merged: Record<string, number>,
  evicted: { events: number; items: number },
): Steps<string[]> {
  const items: string[] = [];
  const itemIx = new Map<string, number>();
  const windows: string[] = [];
  const windowIx = new Map<string, number>();
  const kindIx = new Map<SignalKind, number>(SIGNAL_KINDS.map((k, i) => [k, i]));
  const rows = new ChunkBuilder();
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    let ii = itemIx.get(e.item);
    if (ii === undefined) itemIx.set(e.item, (ii = items.push(e.item) - 1));
    const w = e.w ?? '';
    let wi = windowIx.get(w);
    if (wi === undefined) windowIx.set(w, (wi = windows.push(w) - 1));
    let fi = '';
    if (e.from !== undefined) {
      let ix = itemIx.get(e.from);
      if (ix === undefined) itemIx.set(e.from, (ix = items.push(e.from) - 1));
      fi = `,${ix}`;
    }
    rows.add(`${e.t},${ii},${kindIx.get(e.kind) ?? 0},${e.amount},${wi}${fi}\n`);
    if ((i & (STEP - 1)) === 0) yield;
  }
  const header = {
    format: 'latent-feedback-snapshot',
    schema: SNAPSHOT_SCHEMA,
    savedAt: Date.now(),
    kinds: [...SIGNAL_KINDS],
    merged,
    evicted,
    items: items.length,
    windows: windows.length,
    events: events.length,
  };
  const out = new ChunkBuilder();
  out.add(JSON.stringify(header) + '\n');
  for (const [i, name] of [...items, ...windows].entries()) {
    out.add(JSON.stringify(name) + '\n');
    if ((i & (STEP - 1)) === 0) yield;
  }
  return [...out.finish(), ...rows.finish()];
}

/** What a damaged snapshot still gave: `kept` of the `expected` events (the header's count), and why it is damaged. */
export interface SnapshotDamage {
  why: string[];
  kept: number;
  expected: number;
}

export interface DecodedSnapshot extends Snapshot {
  /** set when the file is damaged but its header was readable: every good row was kept */
  damage?: SnapshotDamage;
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
export function* decodeSnapshotSteps(buf: Buffer): Steps<DecodedSnapshot> {
  const firstEnd = buf.indexOf(0x0a);
  const headText = buf.toString('utf8', 0, firstEnd < 0 ? buf.length : firstEnd);
  const head = JSON.parse(headText) as Record<string, unknown>;
  if (typeof head !== 'object' || head === null || head.format !== 'latent-feedback-snapshot') throw new Error('not a Latent feedback snapshot');
  if (head.schema === SNAPSHOT_SCHEMA_V1 && firstEnd < 0) return decodeSnapshotV1(headText);
  if (head.schema !== SNAPSHOT_SCHEMA) throw new Error(`schema version ${String(head.schema)} is not ${SNAPSHOT_SCHEMA}`);
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
  const snap: DecodedSnapshot = { events: out, merged: offsets, evicted: evictedOf(evicted) };
  if (why.length > 0) snap.damage = { why, kept: out.length, expected: nEvents };
  return snap;
}

function checkOffsets(merged: unknown): Record<string, number> {
  if (typeof merged !== 'object' || merged === null || Object.values(merged).some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error('malformed journal offsets');
  }
  return { ...(merged as Record<string, number>) };
}

function evictedOf(evicted: { events?: unknown; items?: unknown } | undefined): { events: number; items: number } {
  return evicted && Number.isFinite(evicted.events) && Number.isFinite(evicted.items)
    ? { events: evicted.events as number, items: evicted.items as number }
    : { events: 0, items: 0 };
}

/** Schema 1: one JSON object with a flat [t, item, kind, amount, window] array. */
function decodeSnapshotV1(text: string): Snapshot {
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
