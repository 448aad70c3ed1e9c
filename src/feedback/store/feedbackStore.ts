// Per-workspace feedback storage: one append-only journal per window + a compacted snapshot (node:fs, no vscode).
// This class holds the window's state (buffer, segment, timers, the one-at-a-time chain) and composes the parts:
//   layout.ts       the folder's files and their names
//   journal.ts      per-window journals (append, parse, which are sealed)
//   snapshot.ts     the snapshot file (which one, its identity, salvage of a damaged one's good events), in the
//                   binary format (snapshotBinary.ts) or, before migration, the text one (snapshotLegacy.ts)
//   lock.ts         compact.lock across windows and processes (something else under its name is moved aside)
//   compaction.ts   sort by time, merge dwell ticks, apply the caps
//   aggregation.ts  old sessions folded to one event per (item, kind), as training reads them
//   compactJob.ts   one compaction under the lock, on this thread or in a worker (compactWorker.ts, compactInWorker.ts)
//   modelFile.ts    model.json with its backup, checksummed; a bad one never becomes the backup
//   problems.ts     corrupt files moved aside, each kind of problem told once
//   atomicWrite.ts  temp file + sync + rename
//   marker.ts       reset.json and dismissals.json: what one window tells the others on this folder
//
// What a kill -9 can lose: the events appended in the last flushIntervalMs (250 ms by default); measured by
// test/unit/feedback/store/faults.test.ts.
//
// The extension host's event loop is shared with every other extension: reading, compaction and sorting run as
// generator steps (core/train.ts) driven in slices of a few ms with a yield between them, and file I/O is async.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LatentInputError } from '../../core/errors';
import { SLICE_BUDGET_MS, finishSteps, finishStepsAsync } from '../../core/train';
import { DEFAULT_SESSION_GAP_MS } from '../sessions';
import { FeedbackEvent, checkEvent } from '../signal';
import { removeStaleTemps } from './atomicWrite';
import { compactInWorker } from './compactInWorker';
import { compactHeld, type CompactParams } from './compactJob';
import { describe, isErrno } from './fsErrors';
import { appendChunks, journalChunkSteps, journalNames, readJournal } from './journal';
import { DISMISSALS_MARKER, LEGACY_SNAPSHOT, LOCK, RESET_MARKER, SNAPSHOT, WINDOW_RE, journalName } from './layout';
import { StoreMarker } from './marker';
import { CompactLock } from './lock';
import { type ModelValidator, loadModelFile, saveModelFile } from './modelFile';
import { StoreProblems } from './problems';
import { readSnapshot, snapshotStamp } from './snapshot';
import { STEP, type Slicer } from './steps';
import { StoredEvents } from '../storedEvents';

export interface FeedbackStoreOptions {
  /** cap on stored events; default 200 000 */
  maxEvents?: number;
  /** cap on distinct items; default 20 000 */
  maxItems?: number;
  /** told once per kind of problem, in plain words (the wiring shows it to the user) */
  onProblem?(message: string): void;
  /** unique per window; default `<pid>-<random>` (the pid lets others see that the window is gone) */
  windowId?: string;
  /**
   * Buffered events are on disk within this long (what a kill -9 can lose): the first event after a quiet spell is
   * written at the next turn of the event loop, later ones at most once per interval; default 250 ms
   * (DEFAULT_FLUSH_MS); 0 = only on flush()/dispose()
   */
  flushIntervalMs?: number;
  /** compaction cadence; default 30 min; 0 = only on open, rotation, dispose and compact() */
  compactIntervalMs?: number;
  /** own journal segment is sealed and a new one started past this size; default 1 MiB */
  segmentBytes?: number;
  /** a lock older than this is considered abandoned; default 30 s */
  staleLockMs?: number;
  /** longest stretch of reading/compaction work between turns of the event loop; default SLICE_BUDGET_MS (2 ms) */
  sliceMs?: number;
  /**
   * A compaction of a folder holding more than this (snapshot and journals) runs in a worker thread; default
   * DEFAULT_WORKER_COMPACT_BYTES; Infinity = always on this thread
   */
  workerCompactBytes?: number;
  /**
   * A deleted file's history is dropped at the first compaction this long after it was deleted (if it did not come
   * back); default 30 days (DEFAULT_DELETED_RETENTION_MS); Infinity keeps it.
   */
  deletedRetentionMs?: number;
  /**
   * A session that ended longer ago than this is kept, at compaction, as one event per (item, kind) with the amounts
   * summed (aggregation.ts): what training reads of it is unchanged, the raw events go. The extension uses
   * DEFAULT_AGGREGATE_AFTER_MS (30 days); the default, Infinity, keeps every raw event.
   */
  aggregateAfterMs?: number;
  /** where sessions end, for aggregation (latent.sessionGapMinutes, as read at open); default DEFAULT_SESSION_GAP_MS */
  sessionGapMs?: number;
}

export const DEFAULT_MAX_EVENTS = 200_000;
/**
 * A flush costs about 0.2 ms of CPU (measured: an appendFile of a few lines); at most 4 per second under a steady
 * stream of events, and none while nothing is recorded (no timer runs then).
 */
export const DEFAULT_FLUSH_MS = 250;
/** A temp file of an atomic write this old was left by a crash. */
const STALE_TEMP_MS = 10 * 60_000;
/** While writes fail (folder gone, disk full), buffered events are retried this often instead. */
const RETRY_FLUSH_MS = 2000;
export const DEFAULT_MAX_ITEMS = 20_000;
/** About 150,000 stored events: below it, compacting in slices on the host is short in every respect. */
export const DEFAULT_WORKER_COMPACT_BYTES = 4 * 1024 * 1024;
export const DEFAULT_DELETED_RETENTION_MS = 30 * 24 * 3600_000;
export const DEFAULT_AGGREGATE_AFTER_MS = 30 * 24 * 3600_000;

export class FeedbackStore {
  readonly dir: string;
  readonly windowId: string;
  private readonly maxEvents: number;
  private readonly maxItems: number;
  private readonly segmentBytes: number;
  private readonly staleLockMs: number;
  private readonly sliceMs: number;
  private readonly deletedRetentionMs: number;
  private readonly aggregateAfterMs: number;
  private readonly sessionGapMs: number;
  private readonly workerCompactBytes: number;
  private readonly lock: CompactLock;
  private readonly problems: StoreProblems;
  private buffer: FeedbackEvent[] = [];
  private seq = 0;
  private segmentSize = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly flushMs: number;
  private flushTimer: NodeJS.Timeout | undefined;
  /** when the last write of the buffer started (performance.now()), and whether it failed */
  private lastWrite = -Infinity;
  private writeFailed = false;
  private compactTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Marks for the other windows on this folder: a Reset, and dismissals changed. */
  private readonly resetMarker: StoreMarker;
  private readonly dismissalsMarker: StoreMarker;

  private constructor(dir: string, opts: FeedbackStoreOptions) {
    this.dir = dir;
    const w = opts.windowId ?? `${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!WINDOW_RE.test(w)) throw new LatentInputError(`window id must be letters, digits, '.', '_' and '-', got ${JSON.stringify(w)}`);
    this.windowId = w;
    this.resetMarker = new StoreMarker(path.join(dir, RESET_MARKER));
    this.dismissalsMarker = new StoreMarker(path.join(dir, DISMISSALS_MARKER));
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.maxItems = opts.maxItems ?? DEFAULT_MAX_ITEMS;
    this.segmentBytes = opts.segmentBytes ?? 1 << 20;
    this.staleLockMs = opts.staleLockMs ?? 30_000;
    this.sliceMs = opts.sliceMs ?? SLICE_BUDGET_MS;
    if (!Number.isFinite(this.sliceMs) || this.sliceMs < 0) throw new LatentInputError(`sliceMs must be a number >= 0, got ${this.sliceMs}`);
    this.deletedRetentionMs = opts.deletedRetentionMs ?? DEFAULT_DELETED_RETENTION_MS;
    this.workerCompactBytes = opts.workerCompactBytes ?? DEFAULT_WORKER_COMPACT_BYTES;
    if (!(this.workerCompactBytes >= 0)) throw new LatentInputError(`workerCompactBytes must be a number >= 0, got ${this.workerCompactBytes}`);
    if (!(this.deletedRetentionMs >= 0)) throw new LatentInputError(`deletedRetentionMs must be a number >= 0, got ${this.deletedRetentionMs}`);
    this.aggregateAfterMs = opts.aggregateAfterMs ?? Number.POSITIVE_INFINITY;
    if (!(this.aggregateAfterMs >= 0)) throw new LatentInputError(`aggregateAfterMs must be a number >= 0, got ${this.aggregateAfterMs}`);
    this.sessionGapMs = opts.sessionGapMs ?? DEFAULT_SESSION_GAP_MS;
    if (!(this.sessionGapMs > 0 && Number.isFinite(this.sessionGapMs))) throw new LatentInputError(`sessionGapMs must be a number > 0, got ${this.sessionGapMs}`);
    for (const [name, v] of [['maxEvents', this.maxEvents], ['maxItems', this.maxItems], ['segmentBytes', this.segmentBytes]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new LatentInputError(`${name} must be a positive integer, got ${v}`);
    }
    this.problems = new StoreProblems(dir, opts.onProblem);
    this.lock = new CompactLock(this.file(LOCK), this.windowId, this.staleLockMs, () =>
      this.problems.moveAside(LOCK, 'lock-file', 'is not a file (something else has its name), which kept Latent from tidying its feedback', 'tidying continues'),
    );
    this.flushMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_MS;
    if (!Number.isFinite(this.flushMs) || this.flushMs < 0) throw new LatentInputError(`flushIntervalMs must be a number >= 0, got ${this.flushMs}`);
    const compactMs = opts.compactIntervalMs ?? 30 * 60_000;
    if (compactMs > 0) {
      this.compactTimer = setInterval(() => void this.compact(), compactMs);
      this.compactTimer.unref();
    }
  }

  static async open(dir: string, opts: FeedbackStoreOptions = {}): Promise<FeedbackStore> {
    await fs.mkdir(dir, { recursive: true });
    const store = new FeedbackStore(dir, opts);
    await store.resetMarker.init();
    await store.dismissalsMarker.init();
    // Merges journals left by windows that are gone and finds a corrupt snapshot early (told once, moved aside).
    await store.compact();
    // Temp files of writes cut short by a crash: a live write takes seconds at most.
    await removeStaleTemps(dir, STALE_TEMP_MS);
    return store;
  }

  /** O(1): validates and buffers; written within flushIntervalMs. Throws LatentInputError on a malformed event. */
  append(e: FeedbackEvent): void {
    checkEvent(e);
    if (this.disposed) throw new LatentInputError('feedback store is disposed');
    this.buffer.push(e.from === undefined ? { t: e.t, item: e.item, kind: e.kind, amount: e.amount } : { t: e.t, item: e.item, kind: e.kind, amount: e.amount, from: e.from });
    this.scheduleFlush();
    if (this.buffer.length > this.maxEvents) {
      // Only reachable when writes keep failing; say so rather than grow without bound.
      const dropped = this.buffer.length - this.maxEvents;
      this.buffer.splice(0, dropped);
      this.problems.report('overflow', `Latent could not save feedback for a while and dropped the ${dropped} oldest unsaved events.`);
    }
  }

  /** Writes buffered events to this window's journal. Never rejects: failures are reported and retried. */
  flush(): Promise<void> {
    return this.serial(() => this.writeBuffer());
  }

  /** Everything recorded by every window, as objects: read() for a caller that needs them all as such. */
  async events(): Promise<FeedbackEvent[]> {
    return this.sliced((await this.read()).eventsSteps());
  }

  /**
   * Everything recorded by every window: snapshot + the unmerged part of all journals (+ our buffer, flushed), sorted
   * by time, under current names, as columns (what the extension host keeps: storedEvents.ts says why).
   */
  async read(): Promise<StoredEvents> {
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
            await this.lock.unlock(lock);
          }
          break;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    const sorted = await this.sliced((await this.sliced(StoredEvents.concatSteps(read.parts))).sortedByTimeSteps());
    // Renames not yet folded in by a compaction (this window's, or another's): every reader sees current names.
    return this.sliced(sorted.resolveMovesSteps());
  }

  /**
   * Snapshot + unmerged journal lines. Not `stable` when the snapshot was replaced during the read: a compaction by
   * another window may have moved journal lines into the newer snapshot and deleted their journal (we would miss them).
   */
  private async readAll(): Promise<{ parts: StoredEvents[]; stable: boolean }> {
    const { snap, stamp, damaged } = await readSnapshot(this.dir, this.problems, this.sliced);
    // Its good rows are read; the next compaction keeps them in a new snapshot and puts the damaged one aside.
    if (damaged && !this.disposed) void this.compact();
    const parts = [snap.stored];
    for (const name of await journalNames(this.dir)) {
      const read = await readJournal(this.dir, name, snap.merged[name] ?? 0, this.problems, this.sliced);
      if (read) parts.push(await this.sliced(StoredEvents.fromEventsSteps(read.events)));
    }
    return { parts, stable: stamp === (await snapshotStamp(this.dir)) };
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

  /**
   * Saves `json` (the text of a JSON object) as the model, sealed with a checksum; the model it replaces becomes the
   * backup only when it is sound (its checksum, and `validate` when given), else it is moved aside and the backup kept.
   */
  async saveModel(json: string, validate?: ModelValidator): Promise<void> {
    if (typeof json !== 'string' || !json.startsWith('{')) throw new LatentInputError('model must be the text of a JSON object');
    await this.serial(() => saveModelFile(this.dir, json, this.moveModelAside, validate));
  }

  /**
   * The saved model text (exactly as saved), or the backup's when the latest is bad: unreadable, altered (checksum),
   * not JSON, or refused by `validate` (e.g. the recommender's deserializer). Bad files are moved aside, told once.
   */
  async loadModel(validate?: ModelValidator): Promise<string | undefined> {
    return loadModelFile(this.dir, this.moveModelAside, validate);
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

  /**
   * The last step of a Reset, after wipe() and whatever else the caller deletes: a marker that outlives the wipe, so
   * that other windows on this folder (resetElsewhere) forget what they hold in memory too.
   */
  async markReset(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await this.resetMarker.write(this.windowId);
  }

  /**
   * When another window has reset this folder since this window last looked: the Reset's time (ms since 1970), once;
   * else undefined. Events this window buffered from before it are dropped: the user asked for them to go.
   */
  async resetElsewhere(): Promise<number | undefined> {
    const at = await this.resetMarker.changed();
    if (at !== undefined) this.buffer = this.buffer.filter((e) => e.t >= at);
    return at;
  }

  /** After a dismissal or its undo: written to disk, then marked, so that other windows read it (dismissalsElsewhere). */
  async markDismissals(): Promise<void> {
    await this.flush();
    await this.dismissalsMarker.write(this.windowId);
  }

  /** True, once, when another window dismissed an item or took a dismissal back since this window last looked. */
  async dismissalsElsewhere(): Promise<boolean> {
    return (await this.dismissalsMarker.changed()) !== undefined;
  }

  /** Stops the timers, writes what is buffered, and folds this window's journal into the snapshot if it can. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.compactTimer) clearInterval(this.compactTimer);
    await this.flush();
    this.disposed = true;
    await this.serial(() => this.compactLocked());
  }

  // ---- internals ----

  /** Arms the one flush timer: at once after a quiet spell, else one interval after the last write started. */
  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.flushMs <= 0 || this.disposed) return;
    const wait = this.writeFailed ? RETRY_FLUSH_MS : this.lastWrite + this.flushMs - performance.now();
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const again = (): void => {
        if (this.buffer.length > 0) this.scheduleFlush(); // appended meanwhile, or the write failed: retried
      };
      void this.flush().then(again, again);
    }, Math.max(0, wait));
    this.flushTimer.unref();
  }

  private readonly moveModelAside = (name: string, why: string): Promise<boolean> =>
    this.problems.moveAside(name, 'model', why, 'Latent uses the previous model if that one is sound, or trains a new one');

  /** Runs CPU work in slices of sliceMs with a turn for the event loop between them. */
  private readonly sliced: Slicer = (steps) => finishStepsAsync(steps, this.sliceMs);

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private async writeBuffer(): Promise<void> {
    if (this.buffer.length === 0) return;
    this.lastWrite = performance.now();
    const batch = this.buffer;
    this.buffer = [];
    // A backlog can be large (100k events is ~0.1 s of JSON on the host): encode in slices.
    const chunks = batch.length > STEP ? await this.sliced(journalChunkSteps(batch)) : finishSteps(journalChunkSteps(batch));
    const name = journalName(this.windowId, this.seq);
    try {
      await appendChunks(this.file(name), chunks);
    } catch (first) {
      try {
        // The folder may have been removed under us (Reset in another window, storage cleanup): recreate, retry once.
        await fs.mkdir(this.dir, { recursive: true });
        await appendChunks(this.file(name), chunks);
      } catch (err) {
        // Cut off any partial write so the retry does not glue onto a torn line; failing that, use a new segment.
        await fs.truncate(this.file(name), this.segmentSize).catch(() => {
          this.seq++;
          this.segmentSize = 0;
        });
        this.buffer = batch.concat(this.buffer);
        this.writeFailed = true;
        this.problems.report('write', `Latent could not save feedback to ${this.dir} (${describe(err ?? first)}). It keeps what it has in memory and retries.`);
        return;
      }
    }
    this.writeFailed = false;
    for (const c of chunks) this.segmentSize += Buffer.byteLength(c);
    if (this.segmentSize >= this.segmentBytes) {
      this.seq++;
      this.segmentSize = 0;
      await this.compactLocked();
    }
  }

  /** Bytes of the snapshot and every journal: what a compaction reads. */
  private async storedBytes(): Promise<number> {
    let total = 0;
    for (const name of [SNAPSHOT, LEGACY_SNAPSHOT, ...(await journalNames(this.dir))]) {
      try {
        total += (await fs.stat(this.file(name))).size;
      } catch {
        // gone meanwhile: nothing to read
      }
    }
    return total;
  }

  private tryLock(): Promise<string | undefined> {
    return this.lock.tryLock((err) =>
      this.problems.report('lock', `Latent could not lock ${this.dir} to tidy its feedback (${describe(err)}); it will try again later.`),
    );
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
      const params: CompactParams = {
        dir: this.dir,
        windowId: this.windowId,
        seq: this.seq,
        disposed: this.disposed,
        maxItems: this.maxItems,
        maxEvents: this.maxEvents,
        deletedRetentionMs: this.deletedRetentionMs,
        aggregateBeforeMs: Date.now() - this.aggregateAfterMs,
        sessionGapMs: this.sessionGapMs,
        staleLockMs: this.staleLockMs,
        lockId: lock,
      };
      // A large store is read and rewritten in a worker thread: on the host, slicing keeps each piece of code short,
      // but the garbage collection of a million events would still stop the loop for tens of ms at a time.
      if ((await this.storedBytes()) > this.workerCompactBytes) {
        const ok = await compactInWorker(params, (kind, message) => this.problems.report(kind, message));
        if (ok !== undefined) return ok;
      }
      return await compactHeld(params, this.problems, this.lock, this.sliced);
    } catch (err) {
      this.problems.report('compact', `Latent could not tidy its saved feedback in ${this.dir} (${describe(err)}); nothing was lost, it will try again later.`);
      return false;
    } finally {
      await this.lock.unlock(lock);
    }
  }

}
