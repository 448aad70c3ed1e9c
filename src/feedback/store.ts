// Per-workspace feedback storage: one append-only journal per window + a compacted snapshot (node:fs, no vscode).
//
// Layout of `dir` (the store owns the whole folder; wipe() empties it):
//   journal-<window>-<seq>.jsonl  one JSON event per line, written only by its window (so windows never share a file)
//   snapshot.json                 compacted events + how many bytes of each journal it already holds ("merged")
//   model.json, model.prev.json   the trained model and the one before it (backup)
//   compact.lock                  held while compacting; stale after staleLockMs or when its process is gone
//   *.corrupt-<time>              unreadable files (or unreadable journal lines) moved aside, never deleted silently
//
// Why offsets instead of truncating journals: another window may be appending to its journal while we compact, so
// the compactor never rewrites a file it does not own; it records how far it merged. A journal is deleted only once
// fully merged and sealed (its window moved on to a newer segment, disposed, or its process is gone).
//
// Caps (eviction, applied at compaction): at most maxItems distinct items (items whose latest event is oldest go
// first, with all their events) and at most maxEvents events (oldest first). Consecutive dwell events of one item in
// one window less than a minute apart are merged (amounts summed), which keeps dwell ticks from filling the cap.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LatentInputError } from '../core/errors';
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
  /** compaction cadence; default 30 min (a 100k-event compaction blocks the loop ~0.1-0.2 s); 0 = only on open, rotation, dispose and compact() */
  compactIntervalMs?: number;
  /** own journal segment is sealed and a new one started past this size; default 1 MiB */
  segmentBytes?: number;
  /** a lock older than this is considered abandoned; default 30 s */
  staleLockMs?: number;
}

export const SNAPSHOT_SCHEMA = 1;
export const DEFAULT_MAX_EVENTS = 200_000;
export const DEFAULT_MAX_ITEMS = 20_000;
const DWELL_MERGE_MS = 60_000;
const SNAPSHOT = 'snapshot.json';
const MODEL = 'model.json';
const MODEL_PREV = 'model.prev.json';
const LOCK = 'compact.lock';
const JOURNAL_RE = /^journal-(.+)-(\d+)\.jsonl$/;
const WINDOW_RE = /^[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*$/;

interface SnapshotFile {
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

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
    for (let attempt = 0; ; attempt++) {
      const before = await this.snapshotStamp();
      const snap = await this.readSnapshot();
      const out = snap.events.slice();
      for (const name of await this.journalNames()) {
        const read = await this.readJournal(name, snap.merged[name] ?? 0);
        if (read) for (const e of read.events) out.push(e);
      }
      // A compaction by another window between our two reads could have moved journal lines into a newer snapshot.
      if (attempt < 3 && before !== (await this.snapshotStamp())) continue;
      out.sort((a, b) => a.t - b.t);
      return out;
    }
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
    let text = '';
    for (const e of batch) text += JSON.stringify({ t: e.t, item: e.item, kind: e.kind, amount: e.amount }) + '\n';
    const name = this.journalName();
    try {
      await fs.appendFile(this.file(name), text);
    } catch (first) {
      try {
        // The folder may have been removed under us (Reset in another window, storage cleanup): recreate, retry once.
        await fs.mkdir(this.dir, { recursive: true });
        await fs.appendFile(this.file(name), text);
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
    this.segmentSize += Buffer.byteLength(text);
    if (this.segmentSize >= this.segmentBytes) {
      this.seq++;
      this.segmentSize = 0;
      await this.compactLocked();
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

  private async snapshotStamp(): Promise<string> {
    try {
      const s = await fs.stat(this.file(SNAPSHOT));
      return `${s.ino}:${s.mtimeMs}:${s.size}`;
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
      const lines = buf.toString('utf8', start, end).split('\n');
      for (const line of lines) {
        if (line.length === 0) continue;
        let e: FeedbackEvent | undefined;
        try {
          e = toEvent(JSON.parse(line), w);
        } catch {
          e = undefined;
        }
        if (e) events.push(e);
        else bad.push(line);
      }
    }
    return { events, end: Math.max(end, start), size: buf.length, bad };
  }

  private async readSnapshot(): Promise<Snapshot> {
    let text: string;
    try {
      text = await fs.readFile(this.file(SNAPSHOT), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return EMPTY;
      await this.moveAside(SNAPSHOT, 'snapshot', `could not be read (${describe(err)})`);
      return EMPTY;
    }
    await yieldToLoop();
    try {
      return decodeSnapshot(text);
    } catch (err) {
      await this.moveAside(SNAPSHOT, 'snapshot', `is damaged (${describe(err)})`);
      return EMPTY;
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

  private async writeAtomic(name: string, data: string): Promise<void> {
    const tmp = this.file(`${name}.tmp-${randomBytes(4).toString('hex')}`);
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.rename(tmp, this.file(name));
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
      const snap = await this.readSnapshot();
      const names = await this.journalNames();
      const merged: Record<string, number> = {};
      const events = snap.events.slice();
      const done: { name: string; complete: boolean }[] = [];
      for (const name of names) {
        const start = snap.merged[name] ?? 0;
        const read = await this.readJournal(name, start);
        if (!read) continue;
        for (const e of read.events) events.push(e);
        if (read.bad.length > 0) await this.saveBadLines(name, read.bad);
        merged[name] = read.end;
        done.push({ name, complete: read.end === read.size });
      }
      // Yield between the synchronous phases so the shared extension host is blocked by one phase at a time.
      await yieldToLoop();
      const evicted = { ...snap.evicted };
      const merged2 = mergeDwell(events);
      await yieldToLoop();
      const kept = applyCaps(merged2, this.maxItems, this.maxEvents, evicted);
      await yieldToLoop();
      const text = encodeSnapshot(kept, merged, evicted);
      await yieldToLoop();
      await this.writeAtomic(SNAPSHOT, text);
      // Only now that the snapshot holds their lines may sealed journals go (a crash before this leaves them,
      // with merged offsets equal to their size, so nothing is read twice).
      const sealed = await this.sealedJournals(names);
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

/** Merges a window's back-to-back dwell ticks on one item (< 1 min apart): same total, fewer events. */
export function mergeDwell(events: FeedbackEvent[]): FeedbackEvent[] {
  events.sort((a, b) => a.t - b.t);
  const out: FeedbackEvent[] = [];
  const lastOfWindow = new Map<string, FeedbackEvent>();
  for (const e of events) {
    const w = e.w ?? '';
    const prev = lastOfWindow.get(w);
    if (prev && prev.kind === 'dwell' && e.kind === 'dwell' && prev.item === e.item && e.t - prev.t < DWELL_MERGE_MS) {
      prev.amount += e.amount;
      prev.t = e.t;
      continue;
    }
    const copy: FeedbackEvent = { ...e };
    out.push(copy);
    lastOfWindow.set(w, copy);
  }
  return out.sort((a, b) => a.t - b.t);
}

/** Applies the item cap (least recently used items evicted whole) then the event cap (oldest first). */
export function applyCaps(events: FeedbackEvent[], maxItems: number, maxEvents: number, evicted: { events: number; items: number }): FeedbackEvent[] {
  let out = events;
  const last = new Map<string, number>();
  for (const e of out) last.set(e.item, Math.max(last.get(e.item) ?? -Infinity, e.t));
  if (last.size > maxItems) {
    const drop = new Set([...last.entries()].sort((a, b) => a[1] - b[1]).slice(0, last.size - maxItems).map(([item]) => item));
    const before = out.length;
    out = out.filter((e) => !drop.has(e.item));
    evicted.items += drop.size;
    evicted.events += before - out.length;
  }
  if (out.length > maxEvents) {
    evicted.events += out.length - maxEvents;
    out = out.slice(out.length - maxEvents);
  }
  return out;
}

function encodeSnapshot(events: FeedbackEvent[], merged: Record<string, number>, evicted: { events: number; items: number }): string {
  const items: string[] = [];
  const itemIx = new Map<string, number>();
  const windows: string[] = [];
  const windowIx = new Map<string, number>();
  const kindIx = new Map<SignalKind, number>(SIGNAL_KINDS.map((k, i) => [k, i]));
  const flat: number[] = new Array<number>(events.length * 5);
  let j = 0;
  for (const e of events) {
    let ii = itemIx.get(e.item);
    if (ii === undefined) itemIx.set(e.item, (ii = items.push(e.item) - 1));
    const w = e.w ?? '';
    let wi = windowIx.get(w);
    if (wi === undefined) windowIx.set(w, (wi = windows.push(w) - 1));
    flat[j++] = e.t;
    flat[j++] = ii;
    flat[j++] = kindIx.get(e.kind) ?? 0;
    flat[j++] = e.amount;
    flat[j++] = wi;
  }
  const file: SnapshotFile = {
    format: 'latent-feedback-snapshot',
    schema: SNAPSHOT_SCHEMA,
    savedAt: Date.now(),
    items,
    windows,
    kinds: [...SIGNAL_KINDS],
    events: flat,
    merged,
    evicted,
  };
  return JSON.stringify(file);
}

function decodeSnapshot(text: string): Snapshot {
  const raw = JSON.parse(text) as Partial<SnapshotFile>;
  if (typeof raw !== 'object' || raw === null || raw.format !== 'latent-feedback-snapshot') throw new Error('not a Latent feedback snapshot');
  if (raw.schema !== SNAPSHOT_SCHEMA) throw new Error(`schema version ${String(raw.schema)} is not ${SNAPSHOT_SCHEMA}`);
  const { items, windows, kinds, events, merged, evicted } = raw;
  if (!Array.isArray(items) || !Array.isArray(windows) || !Array.isArray(kinds) || !Array.isArray(events) || events.length % 5 !== 0) {
    throw new Error('missing or malformed fields');
  }
  if (typeof merged !== 'object' || merged === null || Object.values(merged).some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error('malformed journal offsets');
  }
  const out: FeedbackEvent[] = new Array<FeedbackEvent>(events.length / 5);
  for (let i = 0, j = 0; j < events.length; i++, j += 5) {
    const w = windows[events[j + 4]];
    const e = toEvent({ t: events[j], item: items[events[j + 1]], kind: kinds[events[j + 2]], amount: events[j + 3] });
    if (!e || typeof w !== 'string') throw new Error(`event ${i} is malformed`);
    if (w !== '') e.w = w;
    out[i] = e;
  }
  const ev = evicted && Number.isFinite(evicted.events) && Number.isFinite(evicted.items) ? evicted : { events: 0, items: 0 };
  return { events: out, merged: { ...merged }, evicted: { events: ev.events, items: ev.items } };
}
