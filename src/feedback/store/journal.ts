// Per-window journals: journal-<window>-<seq>.jsonl, one JSON event per line, appended only by its window.
//
// Why offsets instead of truncating journals: another window may be appending to its journal while we compact, so
// the compactor never rewrites a file it does not own; it records how far it merged. A journal is deleted only once
// fully merged and sealed (its window moved on to a newer segment, disposed, or its process is gone) BEFORE it was read.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Steps } from '../../core/train';
import { FeedbackEvent, toEvent } from '../signal';
import { describe, isErrno } from './fsErrors';
import { JOURNAL_RE, pidOfWindow, windowOfJournal } from './layout';
import { processAlive } from './lock';
import type { StoreProblems } from './problems';
import { ChunkBuilder, STEP, lineSteps, type Slicer } from './steps';

export interface JournalRead {
  events: FeedbackEvent[];
  /** byte offset just past the last complete line */
  end: number;
  size: number;
  bad: string[];
  /** the bytes after `end` (an unfinished last line), as text; '' when the journal ends with a newline */
  tail: string;
}

/** Journal lines (one JSON object per event), in chunks of about CHUNK_CHARS. */
export function* journalChunkSteps(batch: readonly FeedbackEvent[]): Steps<string[]> {
  const chunks = new ChunkBuilder();
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i];
    // Same text as JSON.stringify({ t, item, kind, amount, from }) (kinds are plain words), at a fraction of the cost.
    const from = e.from === undefined ? '' : `,"from":${JSON.stringify(e.from)}`;
    chunks.add(`{"t":${e.t},"item":${JSON.stringify(e.item)},"kind":"${e.kind}","amount":${e.amount}${from}}\n`);
    if ((i & (STEP / 4 - 1)) === 0) yield; // a few microseconds a line: 256 lines is about a millisecond
  }
  return chunks.finish();
}

/** One appendFile for a small batch (the usual case); a big one is written chunk by chunk through one handle. */
export async function appendChunks(file: string, chunks: readonly string[]): Promise<void> {
  if (chunks.length === 1) {
    await fs.appendFile(file, chunks[0]);
    return;
  }
  const fh = await fs.open(file, 'a');
  try {
    for (const c of chunks) await fh.write(c);
  } finally {
    await fh.close();
  }
}

/**
 * The events of a journal's bytes from `start`, tagged with window `w`; a torn last line is left for later (`end`
 * stops before it) and unreadable lines are returned in `bad`.
 */
export function* parseJournalSteps(buf: Buffer, start: number, w: string | undefined): Steps<JournalRead> {
  if (start > buf.length) start = 0; // recreated after a wipe
  const end = buf.lastIndexOf(0x0a) + 1;
  const events: FeedbackEvent[] = [];
  const bad: string[] = [];
  if (end > start) {
    yield* lineSteps(buf, start, end, (line) => {
      if (line.length === 0) return;
      let e: FeedbackEvent | undefined;
      try {
        e = toEvent(JSON.parse(line), w);
      } catch {
        e = undefined;
      }
      if (e) events.push(e);
      else bad.push(line);
    });
  }
  const stop = Math.max(end, start);
  return { events, end: stop, size: buf.length, bad, tail: buf.toString('utf8', stop) };
}

/** Reads journal `name` in `dir` from byte `start`; a torn last line is left for later; unreadable file => moved aside. */
export async function readJournal(dir: string, name: string, start: number, problems: StoreProblems, sliced: Slicer): Promise<JournalRead | undefined> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(path.join(dir, name));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    await problems.moveAside(name, 'journal-file', `could not be read (${describe(err)})`);
    return undefined;
  }
  return sliced(parseJournalSteps(buf, start, windowOfJournal(name)));
}

/** The journal files in `dir` (any window's); [] when the folder is gone. */
export async function journalNames(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => JOURNAL_RE.test(n));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

/**
 * Journals nobody will append to again: an older segment of a window, ours after dispose, or a gone window's.
 * `own`: this window, the segment it writes now, and whether it is disposed.
 */
export function sealedJournals(
  names: readonly string[],
  own: { windowId: string; seq: number; disposed: boolean },
  alive: (pid: number) => boolean = processAlive,
): Map<string, 'sealed' | 'dead'> {
  const latest = new Map<string, number>();
  for (const n of names) {
    const m = JOURNAL_RE.exec(n);
    if (m) latest.set(m[1], Math.max(latest.get(m[1]) ?? -1, Number(m[2])));
  }
  const out = new Map<string, 'sealed' | 'dead'>();
  for (const n of names) {
    const m = JOURNAL_RE.exec(n);
    if (!m) continue;
    const w = m[1];
    const seq = Number(m[2]);
    if (w === own.windowId) {
      if (seq < own.seq || own.disposed) out.set(n, 'sealed');
    } else if (seq < (latest.get(w) ?? seq)) {
      out.set(n, 'sealed');
    } else if (!alive(pidOfWindow(w))) {
      out.set(n, 'dead'); // its torn last line, if any, can never be completed
    }
  }
  return out;
}
