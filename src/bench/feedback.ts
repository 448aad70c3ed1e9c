// Feedback benchmark: what recording costs the shared extension host, and what storage costs.
//   handler_*: per-event cost of the tracker's hot path (FeedbackRecorder + cached exclusion lookup + store.append),
//              the same code the vscode handlers call, minus vscode's own event dispatch; microseconds p50/p99
//   store_*:   flush (append to the window journal), compaction and full read at realistic sizes; milliseconds
//   fallback_train_10k_*: the in-process training fallback (no worker thread) on 10k interactions with the
//              shipped settings: total time and the longest event-loop stall; the one-piece fit is the stall it
//              replaced
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_EXCLUDE } from '../config/schema';
import { ExclusionMatcher } from '../feedback/exclusion';
import { FeedbackRecorder } from '../feedback/recorder';
import { SnippetDef, SnippetIndex, snippetItem } from '../feedback/snippets';
import { FeedbackStore } from '../feedback/store/feedbackStore';
import { SNAPSHOT } from '../feedback/store/layout';
import { fitRecommender } from '../core/recommender';
import { TrainingRunner } from '../training/runner';
import { percentile } from './percentile';
import { syntheticInteractions } from './synthetic';

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** 300 snippets whose bodies share common heads, so lookups see realistic collisions. */
function syntheticSnippets(): SnippetDef[] {
  const heads = ['console.log', 'for (let', 'if (', 'export function', 'describe(', 'import {'];
  const out: SnippetDef[] = [];
  for (let i = 0; i < 300; i++) {
    const name = `s${i}`;
    out.push({ item: snippetItem('user', name), source: 'user', name, prefix: [name], body: `${heads[i % heads.length]} \${1:v${i}} ${i}\n$0` });
  }
  return out;
}

export async function runFeedbackBench(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-bench-feedback-'));
  try {
    const out: Record<string, number> = {};
    const store = await FeedbackStore.open(dir, { flushIntervalMs: 0, compactIntervalMs: 0, maxEvents: 1_000_000 });
    const exclusion = new ExclusionMatcher(DEFAULT_EXCLUDE, { '**/dist': true });
    const paths = Array.from({ length: 2000 }, (_, i) => `src/module${i % 50}/file${i}.ts`);
    for (const p of paths) exclusion.isExcluded(p); // the tracker caches per path; steady state is cached
    const rec = new FeedbackRecorder(store, { enabled: true, idleMs: 60_000, editCoalesceMs: 30_000, sessionGapMs: 30 * 60_000 }, 0, true);
    rec.snippets = new SnippetIndex(syntheticSnippets());
    const typed = [{ text: 'a' }];
    const pasted = [{ text: 'const value = computeSomething(input);\n' }];

    // Mix as the editor delivers it: mostly cursor moves and keystrokes, some pastes, some editor switches.
    const N = 200_000;
    const times = new Float64Array(N);
    let t = 0;
    let current = 'file:src/module0/file0.ts';
    for (let i = 0; i < N; i++) {
      t += 50;
      const r = i % 100;
      const start = process.hrtime.bigint();
      if (r < 60) {
        rec.activity(t);
      } else if (r < 95) {
        rec.change(current, typed, 'typescript', true, false, t);
      } else if (r < 98) {
        rec.change(current, pasted, 'typescript', true, false, t);
      } else {
        const p = paths[(i * 7919) % paths.length];
        const item = exclusion.isExcluded(p) ? undefined : `file:${p}`;
        rec.switchTo(item, [], t);
        if (item) current = item;
      }
      times[i] = Number(process.hrtime.bigint() - start) / 1000;
    }
    const sorted = times.slice().sort();
    out.handler_events = N;
    out.handler_p50_us = round(percentile(sorted, 0.5), 3);
    out.handler_p99_us = round(percentile(sorted, 0.99), 3);
    out.handler_max_us = round(sorted[sorted.length - 1], 1);

    // An uncached exclusion check (first sight of a path), the cost the cache avoids afterwards.
    const fresh = new ExclusionMatcher(DEFAULT_EXCLUDE, {});
    const s0 = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) fresh.isExcluded(`pkg${i}/src/deep/path/name${i}.ts`);
    out.exclusion_uncached_us = round(Number(process.hrtime.bigint() - s0) / 1000 / 10_000, 3);

    // Store: flush (append to this window's journal) of 100 events (more than a 250 ms flush interval holds in heavy
    // use; a typical flush is a dwell tick or two) and of a backlog (10k); median of 5 after a warm-up. Segments are large here so rotation (a compaction) is not mixed in.
    const flushStore = await FeedbackStore.open(path.join(dir, 'flush'), { flushIntervalMs: 0, compactIntervalMs: 0, segmentBytes: 1 << 30 });
    flushStore.append({ t: 1, item: 'file:warm.ts', kind: 'open', amount: 1 });
    await flushStore.flush();
    for (const n of [100, 10_000]) {
      const runs: number[] = [];
      for (let r = 0; r < 5; r++) {
        for (let i = 0; i < n; i++) flushStore.append({ t: 1e12 + i, item: `file:src/f${i % 500}.ts`, kind: 'edit', amount: 1 });
        const f0 = process.hrtime.bigint();
        await flushStore.flush();
        runs.push(Number(process.hrtime.bigint() - f0) / 1e6);
      }
      out[`store_flush_${n}_ms`] = round(runs.sort((a, b) => a - b)[2]);
    }
    await flushStore.dispose();
    // Compaction and full read with 100k events on disk. The flush writes 8 MB to the journal, which seals the
    // segment and merges it into the snapshot; compact() then rewrites the ~108k-event snapshot. The stall figures
    // are the longest the event loop was blocked meanwhile (monitorEventLoopDelay at 1 ms resolution, so ~1 ms is
    // the floor).
    for (let i = 0; i < 100_000; i++) store.append({ t: 2e12 + i * 1000, item: `file:src/g${i % 2000}.ts`, kind: i % 3 === 0 ? 'open' : 'edit', amount: 1 });
    const stall = monitorEventLoopDelay({ resolution: 1 });
    stall.enable();
    const c0 = process.hrtime.bigint();
    await store.flush();
    out.store_merge_journal_100k_ms = round(Number(process.hrtime.bigint() - c0) / 1e6);
    const c1 = process.hrtime.bigint();
    await store.compact();
    out.store_compact_100k_ms = round(Number(process.hrtime.bigint() - c1) / 1e6);
    stall.disable();
    out.store_compact_100k_stall_ms = round(stall.max / 1e6);
    const readStall = monitorEventLoopDelay({ resolution: 1 });
    readStall.enable();
    const r0 = process.hrtime.bigint();
    const all = await store.events();
    out.store_read_events = all.length;
    out.store_read_ms = round(Number(process.hrtime.bigint() - r0) / 1e6);
    readStall.disable();
    out.store_read_stall_ms = round(readStall.max / 1e6);
    out.store_snapshot_bytes = fs.statSync(path.join(dir, SNAPSHOT)).size;
    await store.dispose();

    const data = syntheticInteractions({ interactions: 10_000, items: 500, seed: 'fallback' });
    const f0 = process.hrtime.bigint();
    fitRecommender(data);
    out.fallback_train_10k_one_piece_ms = round(Number(process.hrtime.bigint() - f0) / 1e6);
    const runner = new TrainingRunner({
      workerPath: '',
      createWorker: () => {
        throw new Error('benchmark: no worker threads');
      },
    });
    const trainStall = monitorEventLoopDelay({ resolution: 1 });
    trainStall.enable();
    const f1 = process.hrtime.bigint();
    await runner.run(data, {});
    out.fallback_train_10k_ms = round(Number(process.hrtime.bigint() - f1) / 1e6);
    trainStall.disable();
    out.fallback_train_10k_stall_ms = round(trainStall.max / 1e6);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
