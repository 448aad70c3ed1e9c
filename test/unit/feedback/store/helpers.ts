// Shared by the feedback store tests: real temp folders, stores closed after each test, chosen interleavings.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FeedbackEvent } from '../../../../src/feedback/signal';
import { FeedbackStore, FeedbackStoreOptions } from '../../../../src/feedback/store/feedbackStore';

export const DEAD = '999999999-gone'; // a pid that cannot exist: a window whose process is gone

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'latent-store-'));
}

export const quiet: FeedbackStoreOptions = { flushIntervalMs: 0, compactIntervalMs: 0 };

type FsOp = 'open' | 'rename' | 'readdir';

/**
 * Runs `body` with fs.promises[op] (the very functions the store calls) running `meanwhile` first on its first
 * `times` calls that name something in `dir` matching `target`: a chosen interleaving of two windows, made
 * deterministic. Calls made by `meanwhile` itself pass straight through. Returns how often it fired.
 */
export async function interleaved(op: FsOp, dir: string, target: RegExp, times: number, meanwhile: () => Promise<void>, body: () => Promise<unknown>): Promise<number> {
  const api = fs.promises as unknown as Record<FsOp, (...args: unknown[]) => Promise<unknown>>;
  const real = api[op];
  let fired = 0;
  let inside = false;
  api[op] = async (...args: unknown[]) => {
    const named = args.filter((a): a is string => typeof a === 'string').map((a) => path.relative(dir, a));
    if (!inside && fired < times && named.some((n) => !n.startsWith('..') && target.test(n))) {
      fired++;
      inside = true;
      try {
        await meanwhile();
      } finally {
        inside = false;
      }
    }
    return real.apply(fs.promises, args);
  };
  try {
    await body();
  } finally {
    api[op] = real;
  }
  return fired;
}

export function ev(t: number, item = `file:f${t}.ts`, kind: FeedbackEvent['kind'] = 'open', amount = 1): FeedbackEvent {
  return { t, item, kind, amount };
}

/** Call inside a describe: `dir` makes a temp folder, removed after each test. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
}

/**
 * Call inside a describe: `open` opens a quiet store (no timers unless asked) and `dir` makes a temp folder; stores
 * are disposed, then folders removed, after each test.
 */
export function useStores(): { open(dir: string, opts?: FeedbackStoreOptions): Promise<FeedbackStore>; dir(): string } {
  const stores: FeedbackStore[] = [];
  async function open(dir: string, opts: FeedbackStoreOptions = {}): Promise<FeedbackStore> {
    const s = await FeedbackStore.open(dir, { ...quiet, ...opts });
    stores.push(s);
    return s;
  }
  // registered before useTempDirs' hook, so it runs first: stores are disposed before their folders go
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.dispose();
  });
  return { open, dir: useTempDirs() };
}
