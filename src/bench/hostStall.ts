// Host stalls of issue 10 at scale: the longest single synchronous stretch on the extension host's event loop while the
// store is read at startup and compacted (1M stored events each) and while git history is imported. Measured with the
// event-loop delay monitor (stall.ts), not by timing slices: the slices are the code's own claim, and what breaks it
// (an un-sliced step between two slices, a big JSON.stringify, a GC pause caused by a million objects) is what the
// figure is for. Each function runs the real code path the extension runs, repeated; its result is every run's figure.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FeedbackStore, type FeedbackStoreOptions } from '../feedback/store/feedbackStore';
import type { FeedbackEvent, SignalKind } from '../feedback/signal';
import { learnFromGit } from '../git/coldStart';
import { readStartupState, type StartupState } from '../feedback/startupState';
import { LiveRanker, RecentItems } from '../ranking/liveRanking';
import { loadSavedModel } from '../training/savedModel';
import type { TrainingRunner } from '../training/runner';
import { maxStallDuring, settle } from './stall';

/** A store of `events` events in a fresh folder below `root`, written through the store's own API. */
export interface BigStore {
  dir: string;
  opts: FeedbackStoreOptions;
  /** events it holds */
  events: number;
}

const KINDS: readonly SignalKind[] = ['open', 'edit', 'dwell', 'edit', 'open', 'snippet'];

/**
 * A realistic mix: 5,000 files in 97 folders, a few snippets, one event a second, a rename now and then (resolved at
 * compaction). Far fewer distinct items than the item cap (20,000), so nothing is evicted and the store keeps them all.
 */
function syntheticEvent(i: number): FeedbackEvent {
  const t = 1_700_000_000_000 + i * 1000;
  const file = (f: number): string => `file:src/m${f % 97}/f${f}.ts`;
  if (i % 50_000 === 49_999) return { t, item: `file:src/moved/f${i}.ts`, kind: 'rename', amount: 1, from: file(i % 5000) };
  const kind = KINDS[i % KINDS.length];
  const item = kind === 'snippet' ? `snippet:user/s${i % 40}` : file((i * 7919) % 5000);
  return { t, item, kind, amount: kind === 'dwell' ? 1 + (i % 30) : 1 };
}

/** Writes `n` events (append + flush + compact: the snapshot then holds them all) into a new folder below `root`. */
export async function writeBigStore(root: string, n: number): Promise<BigStore> {
  const dir = fs.mkdtempSync(path.join(root, 'store-'));
  // maxEvents above the default cap (200k) so the million stays; no timers, so only the measured calls do work.
  const opts: FeedbackStoreOptions = { flushIntervalMs: 0, compactIntervalMs: 0, maxEvents: n, segmentBytes: 1 << 30 };
  const store = await FeedbackStore.open(dir, opts);
  const batch = 100_000;
  for (let i = 0; i < n; i += batch) {
    for (let j = i; j < Math.min(n, i + batch); j++) store.append(syntheticEvent(j));
    await store.flush();
  }
  await store.dispose();
  return { dir, opts, events: n };
}

/**
 * Startup: FeedbackStore.open (it compacts: merges what windows left behind, finds a damaged snapshot) and the one
 * full read the workspace makes right after (readStartupState: the columns, which files exist, the newest files).
 * `reps` times, the store disposed between runs (not measured).
 */
export async function startupReadStalls(big: BigStore, reps: number): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    let store: FeedbackStore | undefined;
    let read = 0;
    out.push(
      await maxStallDuring(async () => {
        store = await FeedbackStore.open(big.dir, big.opts);
        read = (await readStartupState(store, RecentItems.DEFAULT_MAX)).stored.length;
      }),
    );
    // All of them: a cap that evicted most of them would make this a benchmark of a smaller store.
    if (read !== big.events) throw new Error(`startup read benchmark: read ${read} events, expected ${big.events}`);
    await store?.dispose();
  }
  return out;
}

/** Compaction of the full store with a flush's worth of new events in this window's journal, `reps` times. */
export async function compactStalls(big: BigStore, reps: number): Promise<number[]> {
  const store = await FeedbackStore.open(big.dir, big.opts);
  const out: number[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      // New events past the newest stored ones replace as many old ones at the cap: the store stays at its size.
      for (let i = 0; i < 1000; i++) store.append(syntheticEvent(2_000_000 + r * 1000 + i));
      await store.flush();
      let ok = false;
      out.push(await maxStallDuring(async () => void (ok = await store.compact())));
      if (!ok) throw new Error('compaction benchmark: compact() did not run (lock held?)');
    }
  } finally {
    await store.dispose();
  }
  return out;
}

/**
 * A git repository of `commits` commits of 1-6 files each among 2,000 paths, made in one `git fast-import` (about a
 * second); undefined when git is not available.
 */
export function makeGitRepo(root: string, commits: number): string | undefined {
  const dir = fs.mkdtempSync(path.join(root, 'repo-'));
  if (spawnSync('git', ['init', '-q', dir]).status !== 0) return undefined;
  const lines: string[] = [];
  let mark = 0;
  for (let c = 0; c < commits; c++) {
    const msg = `commit ${c}`;
    lines.push('commit refs/heads/main', `mark :${++mark}`, `author B <b@example.com> ${1_600_000_000 + c * 600} +0000`);
    lines.push(`committer B <b@example.com> ${1_600_000_000 + c * 600} +0000`, `data ${Buffer.byteLength(msg)}`, msg);
    const files = 1 + (c % 6);
    for (let f = 0; f < files; f++) {
      const body = `${c}.${f}\n`;
      lines.push(`M 100644 inline src/area${(c * 13 + f) % 40}/file${(c * 7919 + f * 31) % 2000}.ts`, `data ${Buffer.byteLength(body)}`, body);
    }
    lines.push('');
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, input: lines.join('\n') + '\n', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`git fast-import failed: ${r.stderr.toString()}`);
  spawnSync('git', ['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: dir });
  return dir;
}

/**
 * "Learn from Git History" as the command runs it on the host (learnFromGit: git's output collected, parsed into
 * sessions, saved to git-sessions.json), reading up to `maxCommits` commits; the store of the last run is returned
 * (the retrains after an import are train20kGit's).
 */
export async function gitImportStalls(repo: string, storeRoot: string, maxCommits: number, reps: number): Promise<{ stalls: number[]; storeDir: string }> {
  const out: number[] = [];
  let storeDir = '';
  for (let r = 0; r < reps; r++) {
    storeDir = fs.mkdtempSync(path.join(storeRoot, 'git-store-'));
    let kind = '';
    out.push(
      await maxStallDuring(async () => {
        const outcome = await learnFromGit({ folder: repo, trusted: true, isExcluded: () => false, maxCommits, storeDir });
        kind = outcome.kind === 'failed' ? `failed: ${outcome.message}` : outcome.kind;
      }),
    );
    if (kind !== 'learned') throw new Error(`git import benchmark: ${kind}`);
  }
  return { stalls: out, storeDir };
}

/** A scratch folder for the host-stall benchmarks, removed by the returned function. */
export function scratchDir(): { root: string; remove(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-bench-stall-'));
  return { root, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/**
 * The model of a heavy year on the host, `reps` times: saved after a retrain (FeedbackStore.saveModel: the checksum,
 * the model it replaces checked and kept as the backup), then read as at startup (loadSavedModel: checksum and parse
 * in slices) and handed to the ranker (LiveRanker.prepare builds its per-model caches).
 */
export async function modelFileStalls(root: string, json: string, reps: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(root, 'model-store-'));
  const store = await FeedbackStore.open(dir, { flushIntervalMs: 0, compactIntervalMs: 0 });
  const ranker = new LiveRanker({ context: () => [], openItems: () => new Set() }, { perKind: 10 });
  const out: number[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      let items = 0;
      out.push(
        await maxStallDuring(async () => {
          await store.saveModel(json);
          const saved = await loadSavedModel(store);
          if (saved) await ranker.prepare(saved.model);
          items = saved?.model.items.length ?? 0;
        }),
      );
      if (items === 0) throw new Error('model file benchmark: the saved model did not load');
    }
  } finally {
    ranker.dispose();
    await store.dispose();
  }
  return out;
}

/**
 * Reset All Data at a heavy year, the host's part of it that holds what was recorded and learned (workspace.ts `reset`
 * and the controller's): the store's files deleted (FeedbackStore.wipe: journals, snapshot, model, backups), the
 * ranker's model and dismissals forgotten, the training thread kept from the last retrain ended
 * (TrainingRunner.endIdle); then `afterMs` of idle, in which the collector takes what was let go (the columns of the
 * startup read, the model). Each run on a copy of the million-event store, read as a window holds it at startup, with
 * `json` (the heavy year's model) saved in it and in the ranker; `train` leaves a kept thread in `runner`. Not in it:
 * the window's own small state (the open session, the Recent list) and the extension's global state, which VS Code's
 * APIs keep.
 */
export async function resetStalls(big: BigStore, json: string | undefined, runner: TrainingRunner, train: () => Promise<unknown>, reps: number, afterMs = 1000): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const dir = fs.mkdtempSync(path.join(path.dirname(big.dir), 'reset-'));
    fs.cpSync(big.dir, dir, { recursive: true });
    const store = await FeedbackStore.open(dir, big.opts);
    const ranker = new LiveRanker({ context: () => [], openItems: () => new Set() }, { perKind: 10 });
    try {
      let held: StartupState | undefined = await readStartupState(store, RecentItems.DEFAULT_MAX);
      if (held.stored.length !== big.events) throw new Error(`reset benchmark: read ${held.stored.length} events, expected ${big.events}`);
      if (json !== undefined) {
        await store.saveModel(json);
        const saved = await loadSavedModel(store);
        if (!saved) throw new Error('reset benchmark: the saved model did not load');
        await ranker.prepare(saved.model);
        ranker.setModel(saved.model);
      }
      await train();
      if (!runner.hasIdleWorker) throw new Error('reset benchmark: no training thread kept to end');
      await settle();
      out.push(
        await maxStallDuring(async () => {
          await store.wipe();
          ranker.setDismissed([]);
          ranker.setModel(undefined);
          held = undefined;
          await runner.endIdle();
          await new Promise((done) => setTimeout(done, afterMs));
        }),
      );
      const left = (await store.read()).length;
      if (left !== 0 || held !== undefined || runner.hasIdleWorker || ranker.hasModel) throw new Error(`reset benchmark: ${left} events or a model or a thread left after the Reset`);
    } finally {
      ranker.dispose();
      await store.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
