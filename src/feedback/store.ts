// Per-workspace feedback storage: one append-only journal per window + a compacted snapshot (node:fs, no vscode).
//
// Layout of `dir` (the store owns the whole folder; wipe() empties it):
//   journal-<window>-<seq>.jsonl  one JSON event per line, written only by its window (so windows never share a file)
//   snapshot.json                 compacted events + how many bytes of each journal it already holds ("merged");
//                                 line-oriented (header, items, windows, one event per line; see encodeSnapshotSteps)
//                                 so it is read and written in slices
//   model.json, model.prev.json   the trained model and the one before it (backup)
//   compact.lock                  held while compacting; stale after staleLockMs without renewal or when its process is gone
//   *.corrupt-<time>              unreadable files (or unreadable journal lines) moved aside, never deleted silently
//
// Why offsets instead of truncating journals: another window may be appending to its journal while we compact, so
// the compactor never rewrites a file it does not own; it records how far it merged. A journal is deleted only once
// fully merged and sealed (its window moved on to a newer segment, disposed, or its process is gone) BEFORE it was read.
//
// The extension host's event loop is shared with every other extension: reading, compaction and sorting run as
// generator steps (core/train.ts) driven in slices of a few ms with a yield between them, and file I/O is async.
//
// Caps (eviction, applied at compaction): at most maxItems distinct items (items whose latest event is oldest go
// first, with all their events) and at most maxEvents events (oldest first). Consecutive dwell events of one item in
// one window less than a minute apart are merged (amounts summed), which keeps dwell ticks from filling the cap.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LatentInputError } from '../core/errors';
import { SLICE_BUDGET_MS, finishSteps, finishStepsAsync, type Steps } from '../core/train';
import { FeedbackEvent, SIGNAL_KINDS, SignalKind, checkEvent, toEvent } from './signal';

export interface FeedbackStoreOptions {
  /** cap on stored events; default 200 000 */
  maxEvents?: number;
  /** cap on distinct items; default 20 000 */
  maxItems?: number;
  /** told once per kind of problem, in plain words (the wiring shows it to the user) */
  onProblem?(message: string): void;
  /** unique per window; default `<pid>-<random>` (the pid lets others see that the window is gone) */
  windowId?: string;
  /** buffered events are written this often; default 2000 ms; 0 = only on flush()/dispose() */
  flushIntervalMs?: number;
  /** compaction cadence; default 30 min; 0 = only on open, rotation, dispose and compact() */
  compactIntervalMs?: number;
  /** own journal segment is sealed and a new one started past this size; default 1 MiB */
  segmentBytes?: number;
  /** a lock older than this is considered abandoned; default 30 s */
  staleLockMs?: number;
  /** longest stretch of reading/compaction work between turns of the event loop; default SLICE_BUDGET_MS (4 ms) */
  sliceMs?: number;
}

export const SNAPSHOT_SCHEMA = 2;
/** The single-JSON-object format before 2: still read (one synchronous parse), rewritten as 2 at the next compaction. */
const SNAPSHOT_SCHEMA_V1 = 1;
/** Work units (events, lines) between yield points of the generator steps. */
const STEP = 1024;
export const DEFAULT_MAX_EVENTS = 200_000;
export const DEFAULT_MAX_ITEMS = 20_000;
const DWELL_MERGE_MS = 60_000;
const SNAPSHOT = 'snapshot.json';
const MODEL = 'model.json';
const MODEL_PREV = 'model.prev.json';
const LOCK = 'compact.lock';
const JOURNAL_RE = /^journal-(.+)-(\d+)\.jsonl$/;
const WINDOW_RE = /^[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*$/;

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

interface Snapshot {
  events: FeedbackEvent[];
  merged: Record<string, number>;
  evicted: { events: number; items: number };
}

interface JournalRead {
  events: FeedbackEvent[];
  /** byte offset just past the last complete line */
  end: number;
  size: number;
  bad: string[];
}

const EMPTY: Snapshot = { events: [], merged: {}, evicted: { events: 0, items: 0 } };

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Journal lines (one JSON object per event), in chunks of about CHUNK_CHARS. */
function* journalChunkSteps(batch: readonly FeedbackEvent[]): Steps<string[]> {
  const chunks: string[] = [];
  let text = '';
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i];
    // Same text as JSON.stringify({ t, item, kind, amount }) (kinds are plain words), at a fraction of the cost.
    text += `{"t":${e.t},"item":${JSON.stringify(e.item)},"kind":"${e.kind}","amount":${e.amount}}\n`;
    if (text.length >= CHUNK_CHARS) {
      chunks.push(text);
      text = '';
    }
    if ((i & (STEP - 1)) === 0) yield;
  }
  if (text !== '') chunks.push(text);
  return chunks;
}

/** One array from several, copied in slices (a 200k-element copy is a few ms on its own). */
function* concatSteps(parts: readonly FeedbackEvent[][]): Steps<FeedbackEvent[]> {
  const out: FeedbackEvent[] = [];
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      out.push(p[i]);
      if ((i & (STEP * 8 - 1)) === 0) yield;
    }
  }
  return out;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** True unless we know for sure the process is gone (ESRCH); EPERM means it exists but is not ours. */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}

function stampOf(s: { ino: number; mtimeMs: number; size: number }): string {
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
}

function pidOfWindow(w: string): number {
  const m = /^(\d+)-/.exec(w);
  return m ? Number(m[1]) : NaN;
}

export class FeedbackStore {
  readonly dir: string;
  readonly windowId: string;
  private readonly maxEvents: number;
  private readonly maxItems: number;
  private readonly segmentBytes: number;
  private readonly staleLockMs: number;
  private readonly sliceMs: number;
  private readonly onProblem: (message: string) => void;
  private readonly reported = new Set<string>();
  private buffer: FeedbackEvent[] = [];
  private seq = 0;
  private segmentSize = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  private constructor(dir: string, opts: FeedbackStoreOptions) {
    this.dir = dir;
    const w = opts.windowId ?? `${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!WINDOW_RE.test(w)) throw new LatentInputError(`window id must be letters, digits, '.', '_' and '-', got ${JSON.stringify(w)}`);
    this.windowId = w;
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.maxItems = opts.maxItems ?? DEFAULT_MAX_ITEMS;
    this.segmentBytes = opts.segmentBytes ?? 1 << 20;
    this.staleLockMs = opts.staleLockMs ?? 30_000;
    this.sliceMs = opts.sliceMs ?? SLICE_BUDGET_MS;
    if (!Number.isFinite(this.sliceMs) || this.sliceMs < 0) throw new LatentInputError(`sliceMs must be a number >= 0, got ${this.sliceMs}`);
    for (const [name, v] of [['maxEvents', this.maxEvents], ['maxItems', this.maxItems], ['segmentBytes', this.segmentBytes]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new LatentInputError(`${name} must be a positive integer, got ${v}`);
    }
    const sink = opts.onProblem;
    this.onProblem = (m) => {
      try {
        sink?.(m);
      } catch {
        // a failing reporter must not stop recording
      }
    };
    const flushMs = opts.flushIntervalMs ?? 2000;
    if (flushMs > 0) {
      this.flushTimer = setInterval(() => void this.flush(), flushMs);
      this.flushTimer.unref();
    }
    const compactMs = opts.compactIntervalMs ?? 30 * 60_000;
    if (compactMs > 0) {
      this.compactTimer = setInterval(() => void this.compact(), compactMs);
      this.compactTimer.unref();
    }
  }

  static async open(dir: string, opts: FeedbackStoreOptions = {}): Promise<FeedbackStore> {
    await fs.mkdir(dir, { recursive: true });
    const store = new FeedbackStore(dir, opts);
    // Merges journals left by windows that are gone and finds a corrupt snapshot early (told once, moved aside).
    await store.compact();
    return store;
  }

  /** O(1): validates and buffers; written within flushIntervalMs. Throws LatentInputError on a malformed event. */
  append(e: FeedbackEvent): void {
    checkEvent(e);
    if (this.disposed) throw new LatentInputError('feedback store is disposed');
    this.buffer.push({ t: e.t, item: e.item, kind: e.kind, amount: e.amount });
    if (this.buffer.length > this.maxEvents) {
      // Only reachable when writes keep failing; say so rather than grow without bound.
      const dropped = this.buffer.length - this.maxEvents;
      this.buffer.splice(0, dropped);
      this.report('overflow', `Latent could not save feedback for a while and dropped the ${dropped} oldest unsaved events.`);
    }
  }

  /** Writes buffered events to this window's journal. Never rejects: failures are reported and retried. */
  flush(): Promise<void> {
    return this.serial(() => this.writeBuffer());
  }

  /** Everything recorded by every window: snapshot + the unmerged part of all journals (+ our buffer, flushed). */
  async events(): Promise<FeedbackEvent[]> {
    await this.flush();
    let read = await this.readAll();
    for (let attempt = 1; attempt < 3 && !read.stable; attempt++) read = await this.readAll();
    if (!read.stable) {
      // Other windows kept compacting while we read: read once more holding the lock, which keeps the files still.
      // Should the lock never come free (e.g. a read-only folder, where nobody compacts either), the last read stands.
      const deadline = Date.now() + this.staleLockMs + 1000;
      for (let wait = 5; Date.now() < deadline; wait = Math.min(wait * 2, 200)) {
        const lock = await this.tryLock();
        if (lock !== undefined) {
          try {
            read = await this.readAll();
          } finally {
            await this.unlock(lock);
          }
          break;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    return this.sliced(sortByTimeSteps(await this.sliced(concatSteps(read.parts))));
  }

  /**
   * Snapshot + unmerged journal lines. Not `stable` when the snapshot was replaced during the read: a compaction by
   * another window may have moved journal lines into the newer snapshot and deleted their journal (we would miss them).
   */
  private async readAll(): Promise<{ parts: FeedbackEvent[][]; stable: boolean }> {
    const { snap, stamp } = await this.readSnapshot();
    const parts = [snap.events];
    for (const name of await this.journalNames()) {
      const read = await this.readJournal(name, snap.merged[name] ?? 0);
      if (read) parts.push(read.events);
    }
    return { parts, stable: stamp === (await this.snapshotStamp()) };
  }

  /**
   * Folds journals into the snapshot under the lock, applies the caps, deletes fully merged sealed journals.
   * Returns false when another window holds the lock (it is doing the same work).
   */
  compact(): Promise<boolean> {
    return this.serial(async () => {
      await this.writeBuffer();
      return this.compactLocked();
    });
  }

  async saveModel(json: string): Promise<void> {
    if (typeof json !== 'string' || json.length === 0) throw new LatentInputError('model must be a non-empty string');
    await this.serial(async () => {
      await fs.mkdir(this.dir, { recursive: true });
      try {
        await fs.copyFile(this.file(MODEL), this.file(MODEL_PREV));
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
      await this.writeAtomic(MODEL, json);
    });
  }

  /** The saved model text, or the backup when the latest is unreadable (moved aside and told once). */
  async loadModel(): Promise<string | undefined> {
    for (const name of [MODEL, MODEL_PREV]) {
      let text: string;
      try {
        text = await fs.readFile(this.file(name), 'utf8');
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        await this.moveAside(name, 'model', `could not be read (${describe(err)})`);
        continue;
      }
      try {
        JSON.parse(text);
        return text;
      } catch (err) {
        await this.moveAside(name, 'model', `is not valid JSON (${describe(err)})`);
      }
    }
    return undefined;
  }

  /** Removes journals (all windows), snapshots, models, backups and moved-aside files; recording continues after. */
  async wipe(): Promise<void> {
    this.buffer = [];
    await this.serial(async () => {
      this.buffer = [];
      let entries: string[] = [];
      try {
        entries = await fs.readdir(this.dir);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
      await Promise.all(entries.map((name) => fs.rm(this.file(name), { recursive: true, force: true })));
      this.seq++;
      this.segmentSize = 0;
    });
  }

  /** Stops the timers, writes what is buffered, and folds this window's journal into the snapshot if it can. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.compactTimer) clearInterval(this.compactTimer);
    await this.flush();
    this.disposed = true;
    await this.serial(() => this.compactLocked());
  }

  // ---- internals ----

  /** Runs CPU work in slices of sliceMs with a turn for the event loop between them. */
  private sliced<T>(steps: Steps<T>): Promise<T> {
    return finishStepsAsync(steps, this.sliceMs);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private journalName(seq = this.seq): string {
    return `journal-${this.windowId}-${seq}.jsonl`;
  }

  private report(kind: string, message: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.onProblem(message);
  }

  private async writeBuffer(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    // A backlog can be large (100k events is ~0.1 s of JSON on the host): encode in slices.
    const chunks = batch.length > STEP ? await this.sliced(journalChunkSteps(batch)) : finishSteps(journalChunkSteps(batch));
    const name = this.journalName();
    try {
      await this.appendChunks(name, chunks);
    } catch (first) {
      try {
        // The folder may have been removed under us (Reset in another window, storage cleanup): recreate, retry once.
        await fs.mkdir(this.dir, { recursive: true });
        await this.appendChunks(name, chunks);
      } catch (err) {
        // Cut off any partial write so the retry does not glue onto a torn line; failing that, use a new segment.
        await fs.truncate(this.file(name), this.segmentSize).catch(() => {
          this.seq++;
          this.segmentSize = 0;
        });
        this.buffer = batch.concat(this.buffer);
        this.report('write', `Latent could not save feedback to ${this.dir} (${describe(err ?? first)}). It keeps what it has in memory and retries.`);
        return;
      }
    }
    for (const c of chunks) this.segmentSize += Buffer.byteLength(c);
    if (this.segmentSize >= this.segmentBytes) {
      this.seq++;
      this.segmentSize = 0;
      await this.compactLocked();
    }
  }

  /** One appendFile for a small batch (the usual case); a big one is written chunk by chunk through one handle. */
  private async appendChunks(name: string, chunks: readonly string[]): Promise<void> {
    if (chunks.length === 1) {
      await fs.appendFile(this.file(name), chunks[0]);
      return;
    }
    const fh = await fs.open(this.file(name), 'a');
    try {
      for (const c of chunks) await fh.write(c);
    } finally {
      await fh.close();
    }
  }

  private async journalNames(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).filter((n) => JOURNAL_RE.test(n));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
  }

  /** Identity of the current snapshot file: a compaction renames a new file over it, which changes the inode. */
  private async snapshotStamp(): Promise<string> {
    try {
      return stampOf(await fs.stat(this.file(SNAPSHOT)));
    } catch {
      return 'none';
    }
  }

  /** Reads a journal from `start`; a torn last line is left for later; unreadable file => moved aside. */
  private async readJournal(name: string, start: number): Promise<JournalRead | undefined> {
    let buf: Buffer;
    try {
      buf = await fs.readFile(this.file(name));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      await this.moveAside(name, 'journal-file', `could not be read (${describe(err)})`);
      return undefined;
    }
    const m = JOURNAL_RE.exec(name);
    const w = m ? m[1] : undefined;
    if (start > buf.length) start = 0; // recreated after a wipe
    const end = buf.lastIndexOf(0x0a) + 1;
    const events: FeedbackEvent[] = [];
    const bad: string[] = [];
    if (end > start) {
      await this.sliced(
        lineSteps(buf, start, end, (line) => {
          if (line.length === 0) return;
          let e: FeedbackEvent | undefined;
          try {
            e = toEvent(JSON.parse(line), w);
          } catch {
            e = undefined;
          }
          if (e) events.push(e);
          else bad.push(line);
        }),
      );
    }
    return { events, end: Math.max(end, start), size: buf.length, bad };
  }

  /** The snapshot and the stamp of the very file read (taken from its handle, so a rename meanwhile cannot mix them). */
  private async readSnapshot(): Promise<{ snap: Snapshot; stamp: string }> {
    let buf: Buffer;
    let stamp: string;
    try {
      const fh = await fs.open(this.file(SNAPSHOT), 'r');
      try {
        stamp = stampOf(await fh.stat());
        buf = await fh.readFile();
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { snap: EMPTY, stamp: 'none' };
      await this.moveAside(SNAPSHOT, 'snapshot', `could not be read (${describe(err)})`);
      return { snap: EMPTY, stamp: await this.snapshotStamp() };
    }
    try {
      return { snap: await this.sliced(decodeSnapshotSteps(buf)), stamp };
    } catch (err) {
      await this.moveAside(SNAPSHOT, 'snapshot', `is damaged (${describe(err)})`);
      return { snap: EMPTY, stamp: await this.snapshotStamp() };
    }
  }

  private async moveAside(name: string, kind: string, why: string): Promise<void> {
    const aside = `${name}.corrupt-${stamp()}`;
    try {
      await fs.rename(this.file(name), this.file(aside));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return; // someone else moved it already
    }
    this.report(kind, `Latent's saved data ${name} ${why}. It was moved aside to ${aside} in ${this.dir}; recording continues with what could be read.`);
  }

  /**
   * Writes a temp file (chunk by chunk: each write yields to the loop), syncs it, then renames it over `name`.
   * `commit`, asked right before the rename, can still call it off (temp removed, false returned).
   */
  private async writeAtomic(name: string, data: string | readonly string[], commit?: () => Promise<boolean>): Promise<boolean> {
    const tmp = this.file(`${name}.tmp-${randomBytes(4).toString('hex')}`);
    const fh = await fs.open(tmp, 'w');
    try {
      for (const chunk of typeof data === 'string' ? [data] : data) await fh.write(chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      if (commit && !(await commit())) {
        await fs.rm(tmp, { force: true });
        return false;
      }
      await fs.rename(tmp, this.file(name));
      return true;
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  private async tryLock(): Promise<string | undefined> {
    const id = `${this.windowId}:${randomBytes(4).toString('hex')}`;
    const body = JSON.stringify({ id, pid: process.pid, t: Date.now() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fs.writeFile(this.file(LOCK), body, { flag: 'wx' });
        return id;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) {
          this.report('lock', `Latent could not lock ${this.dir} to tidy its feedback (${describe(err)}); it will try again later.`);
          return undefined;
        }
      }
      if (attempt === 0 && !(await this.breakStaleLock())) return undefined;
    }
    return undefined;
  }

  /** Removes the lock if its holder crashed (process gone or lock too old); true when removed. */
  private async breakStaleLock(): Promise<boolean> {
    let text: string;
    let age: number;
    try {
      text = await fs.readFile(this.file(LOCK), 'utf8');
      age = Date.now() - (await fs.stat(this.file(LOCK))).mtimeMs;
    } catch {
      return true; // released meanwhile
    }
    let pid = NaN;
    try {
      pid = Number((JSON.parse(text) as { pid?: unknown }).pid);
    } catch {
      // unreadable lock: judge by age only
    }
    const stale = age > this.staleLockMs || (Number.isInteger(pid) && !processAlive(pid));
    if (!stale) return false;
    // Re-read right before removing so we do not remove a lock someone just took over (narrow race, documented).
    try {
      if ((await fs.readFile(this.file(LOCK), 'utf8')) !== text) return false;
      await fs.rm(this.file(LOCK), { force: true });
    } catch {
      return false;
    }
    return true;
  }

  /** True while the lock is still ours; renews its age so a slow (not crashed) holder is not judged stale. */
  private async holdLock(id: string): Promise<boolean> {
    try {
      const text = await fs.readFile(this.file(LOCK), 'utf8');
      if ((JSON.parse(text) as { id?: unknown }).id !== id) return false;
      const now = new Date();
      await fs.utimes(this.file(LOCK), now, now);
      return true;
    } catch {
      return false;
    }
  }

  private async unlock(id: string): Promise<void> {
    try {
      const text = await fs.readFile(this.file(LOCK), 'utf8');
      if ((JSON.parse(text) as { id?: unknown }).id === id) await fs.rm(this.file(LOCK), { force: true });
    } catch {
      // gone already
    }
  }

  private async compactLocked(): Promise<boolean> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
    } catch {
      return false;
    }
    const lock = await this.tryLock();
    if (lock === undefined) return false;
    try {
      const { snap, stamp } = await this.readSnapshot();
      const names = await this.journalNames();
      // Which journals may be deleted is decided BEFORE reading them: only one nobody can append to any more is
      // fully held by what we read. Judged after the read, a window that appended and then exited in between looked
      // 'dead', and its last lines were deleted with the file without ever reaching the snapshot.
      const sealed = await this.sealedJournals(names);
      const merged: Record<string, number> = {};
      const parts = [snap.events];
      const done: { name: string; complete: boolean }[] = [];
      for (const name of names) {
        const start = snap.merged[name] ?? 0;
        const read = await this.readJournal(name, start);
        if (!read) continue;
        parts.push(read.events);
        if (read.bad.length > 0) await this.saveBadLines(name, read.bad);
        merged[name] = read.end;
        done.push({ name, complete: read.end === read.size });
      }
      if (!(await this.holdLock(lock))) return false;
      const evicted = { ...snap.evicted };
      const events = await this.sliced(concatSteps(parts));
      const dwellMerged = await this.sliced(mergeDwellSteps(events, true));
      const kept = await this.sliced(applyCapsSteps(dwellMerged, this.maxItems, this.maxEvents, evicted));
      const chunks = await this.sliced(encodeSnapshotSteps(kept, merged, evicted));
      // If our lock was taken as stale and the taker wrote a snapshot meanwhile, ours is built from an older one and
      // would undo its merge (whose journals it may have deleted): give up and leave the work to the next compaction.
      const current = async (): Promise<boolean> => (await this.holdLock(lock)) && (await this.snapshotStamp()) === stamp;
      if (!(await this.writeAtomic(SNAPSHOT, chunks, current))) return false;
      // Only now that the snapshot holds their lines may sealed journals go (a crash before this leaves them,
      // with merged offsets equal to their size, so nothing is read twice).
      for (const { name, complete } of done) {
        if (sealed.has(name) && (complete || sealed.get(name) === 'dead')) await fs.rm(this.file(name), { force: true });
      }
      return true;
    } catch (err) {
      this.report('compact', `Latent could not tidy its saved feedback in ${this.dir} (${describe(err)}); nothing was lost, it will try again later.`);
      return false;
    } finally {
      await this.unlock(lock);
    }
  }

  /** Journals nobody will append to again: an older segment of a window, ours after dispose, or a gone window's. */
  private async sealedJournals(names: string[]): Promise<Map<string, 'sealed' | 'dead'>> {
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
      if (w === this.windowId) {
        if (seq < this.seq || this.disposed) out.set(n, 'sealed');
      } else if (seq < (latest.get(w) ?? seq)) {
        out.set(n, 'sealed');
      } else if (!processAlive(pidOfWindow(w))) {
        out.set(n, 'dead'); // its torn last line, if any, can never be completed
      }
    }
    return out;
  }

  private async saveBadLines(name: string, lines: string[]): Promise<void> {
    const aside = `${name}.corrupt-${stamp()}`;
    await fs.appendFile(this.file(aside), lines.join('\n') + '\n');
    this.report('journal', `Latent found ${lines.length} unreadable line(s) in its feedback journal ${name}. They were skipped and saved to ${aside} in ${this.dir}; recording continues.`);
  }
}

/** Stable sort by time, written for nearly sorted input (runs of a snapshot and journals): natural merge sort. */
export function* sortByTimeSteps(events: FeedbackEvent[]): Steps<FeedbackEvent[]> {
  const n = events.length;
  // Boundaries of the non-decreasing runs.
  const bounds = [0];
  for (let i = 1; i < n; i++) {
    if (events[i].t < events[i - 1].t) bounds.push(i);
    if ((i & (STEP * 8 - 1)) === 0) yield;
  }
  bounds.push(n);
  let src = events;
  let dst = new Array<FeedbackEvent>(n);
  let runs = bounds;
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r];
      const mid = runs[r + 1];
      const hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let a = lo;
      let b = mid;
      let o = lo;
      while (a < mid && b < hi) {
        // ties keep the earlier run first: stable, like Array.prototype.sort
        dst[o++] = src[b].t < src[a].t ? src[b++] : src[a++];
        if ((o & (STEP * 4 - 1)) === 0) yield;
      }
      while (a < mid) dst[o++] = src[a++];
      while (b < hi) dst[o++] = src[b++];
      next.push(hi);
      yield;
    }
    runs = next;
    [src, dst] = [dst, src];
  }
  return src;
}

/** Merges a window's back-to-back dwell ticks on one item (< 1 min apart): same total, fewer events. */
export function mergeDwell(events: FeedbackEvent[]): FeedbackEvent[] {
  return finishSteps(mergeDwellSteps(events));
}

/** `owned`: the events are this caller's to change (fresh from disk), so merged ticks are updated in place instead
 * of copied; at compaction that halves the objects the host's GC has to move. */
export function* mergeDwellSteps(events: FeedbackEvent[], owned = false): Steps<FeedbackEvent[]> {
  const sorted = yield* sortByTimeSteps(events);
  const out: FeedbackEvent[] = [];
  const lastOfWindow = new Map<string, FeedbackEvent>();
  let moved = false;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i];
    if ((i & (STEP - 1)) === 0) yield;
    const w = e.w ?? '';
    const prev = lastOfWindow.get(w);
    if (prev && prev.kind === 'dwell' && e.kind === 'dwell' && prev.item === e.item && e.t - prev.t < DWELL_MERGE_MS) {
      prev.amount += e.amount;
      prev.t = e.t;
      moved = true;
      continue;
    }
    const copy: FeedbackEvent = owned ? e : { ...e };
    out.push(copy);
    lastOfWindow.set(w, copy);
  }
  // A merged tick moved later, possibly past other events: restore the order (few short runs, cheap).
  return moved ? yield* sortByTimeSteps(out) : out;
}

/** Applies the item cap (least recently used items evicted whole) then the event cap (oldest first), in slices. */
export function* applyCapsSteps(
  events: FeedbackEvent[],
  maxItems: number,
  maxEvents: number,
  evicted: { events: number; items: number },
): Steps<FeedbackEvent[]> {
  let out = events;
  const last = new Map<string, number>();
  for (let i = 0; i < out.length; i++) {
    const e = out[i];
    last.set(e.item, Math.max(last.get(e.item) ?? -Infinity, e.t));
    if ((i & (STEP - 1)) === 0) yield;
  }
  if (last.size > maxItems) {
    const drop = new Set([...last.entries()].sort((a, b) => a[1] - b[1]).slice(0, last.size - maxItems).map(([item]) => item));
    yield;
    const kept: FeedbackEvent[] = [];
    for (let i = 0; i < out.length; i++) {
      if (!drop.has(out[i].item)) kept.push(out[i]);
      if ((i & (STEP - 1)) === 0) yield;
    }
    evicted.items += drop.size;
    evicted.events += out.length - kept.length;
    out = kept;
  }
  if (out.length > maxEvents) {
    evicted.events += out.length - maxEvents;
    out = out.slice(out.length - maxEvents);
  }
  return out;
}

/** Text chunks of about this many characters are written one at a time. */
const CHUNK_CHARS = 1 << 16;

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

/** Lines of `buf` in [start, end) (end just past a newline), decoded a slice at a time. */
function* lineSteps(buf: Buffer, start: number, end: number, onLine: (line: string, index: number) => void): Steps<void> {
  let index = 0;
  for (let pos = start; pos < end; ) {
    // Decode about CHUNK_CHARS bytes up to a line end, then split: far cheaper than a toString per line.
    let stop = Math.min(end, pos + CHUNK_CHARS);
    if (stop < end) {
      const nl = buf.indexOf(0x0a, stop - 1);
      stop = nl < 0 || nl >= end ? end : nl + 1;
    }
    const lines = buf.toString('utf8', pos, stop).split('\n');
    pos = stop;
    // The text ends with a newline (or the end of the range): the last piece is empty or a line without one.
    const last = lines.length - 1;
    for (let i = 0; i < lines.length; i++) {
      if (i === last && lines[i] === '') break;
      onLine(lines[i], index++);
    }
    yield;
  }
}

function* decodeSnapshotSteps(buf: Buffer): Steps<Snapshot> {
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
