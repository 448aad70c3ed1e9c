// snapshot.json: the compacted events and how far each journal is merged. Format v2 (line-oriented, written and read
// in slices) is what is written; v1 (one JSON object) is still read and rewritten as v2 at the next compaction.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Steps } from '../../core/train';
import { FeedbackEvent, SIGNAL_KINDS, SignalKind, toEvent } from '../signal';
import { describe, isErrno } from './fsErrors';
import { SNAPSHOT } from './layout';
import type { StoreProblems } from './problems';
import { CHUNK_CHARS, STEP, lineSteps, type Slicer } from './steps';

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
 * them). An unreadable or damaged snapshot is moved aside (told once) and read as empty.
 */
export async function readSnapshot(dir: string, problems: StoreProblems, sliced: Slicer): Promise<{ snap: Snapshot; stamp: string }> {
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
    if (isErrno(err, 'ENOENT')) return { snap: EMPTY, stamp: 'none' };
    await problems.moveAside(SNAPSHOT, 'snapshot', `could not be read (${describe(err)})`);
    return { snap: EMPTY, stamp: await snapshotStamp(dir) };
  }
  try {
    return { snap: await sliced(decodeSnapshotSteps(buf)), stamp };
  } catch (err) {
    await problems.moveAside(SNAPSHOT, 'snapshot', `is damaged (${describe(err)})`);
    return { snap: EMPTY, stamp: await snapshotStamp(dir) };
  }
}

/**
 * Snapshot schema 2, one record per line so it is written and read in slices:
 *   {"format":"latent-feedback-snapshot","schema":2,"savedAt":...,"kinds":[...],"merged":{...},"evicted":{...},
 *    "items":I,"windows":W,"events":E}
 *   I lines: JSON string of an item; W lines: JSON string of a window id ("" = none)
 *   E lines: t,item index,kind index,amount,window index   (sorted by t; numbers as JS prints them, exact)
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
  const rows: string[] = [];
  const chunks: string[] = [];
  let chunk = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    let ii = itemIx.get(e.item);
    if (ii === undefined) itemIx.set(e.item, (ii = items.push(e.item) - 1));
    const w = e.w ?? '';
    let wi = windowIx.get(w);
    if (wi === undefined) windowIx.set(w, (wi = windows.push(w) - 1));
    chunk += `${e.t},${ii},${kindIx.get(e.kind) ?? 0},${e.amount},${wi}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      rows.push(chunk);
      chunk = '';
    }
    if ((i & (STEP - 1)) === 0) yield;
  }
  if (chunk !== '') rows.push(chunk);
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
  chunk = JSON.stringify(header) + '\n';
  for (const [i, name] of [...items, ...windows].entries()) {
    chunk += JSON.stringify(name) + '\n';
    if (chunk.length >= CHUNK_CHARS) {
      chunks.push(chunk);
      chunk = '';
    }
    if ((i & (STEP - 1)) === 0) yield;
  }
  if (chunk !== '') chunks.push(chunk);
  for (const r of rows) chunks.push(r);
  return chunks;
}

/** Reads a schema 2 file (or a schema 1 one); throws on anything damaged rather than returning half of it. */
export function* decodeSnapshotSteps(buf: Buffer): Steps<Snapshot> {
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
  const names: unknown[] = [];
  const out: FeedbackEvent[] = [];
  let bad = '';
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end < buf.length) throw new Error('the file ends in the middle of a line');
  yield* lineSteps(buf, firstEnd + 1, end, (line, i) => {
    if (bad !== '') return;
    if (i < nItems + nWindows) {
      names.push(JSON.parse(line));
      return;
    }
    const f = line.split(',');
    const w = names[nItems + Number(f[4])];
    const ii = Number(f[1]);
    const e =
      f.length === 5 && Number.isInteger(ii) && ii >= 0 && ii < nItems
        ? toEvent({ t: Number(f[0]), item: names[ii], kind: kinds[Number(f[2])], amount: Number(f[3]) })
        : undefined;
    if (!e || typeof w !== 'string' || !(Number(f[4]) < nWindows)) {
      bad = `event ${i - nItems - nWindows} is malformed`;
      return;
    }
    if (w !== '') e.w = w;
    out.push(e);
  });
  if (bad !== '') throw new Error(bad);
  if (names.length !== nItems + nWindows || out.length !== nEvents) throw new Error('the file is shorter or longer than its header says');
  return { events: out, merged: offsets, evicted: evictedOf(evicted) };
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
