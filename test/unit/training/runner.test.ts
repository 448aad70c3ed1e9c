import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  TrainingCancelledError,
  TrainingFailedError,
  TrainingHungError,
  TrainingRunner,
  type CancelToken,
  type TrainingProgress,
} from '../../../src/training/runner';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { measureStoredUpdate } from '../../../src/bench/incremental';
import { gramian } from '../../../src/core/foldIn';
import { recommend, serializeRecommender, type RecommenderModel } from '../../../src/core/recommender';
import { primeGram } from '../../../src/core/scoring';
import { sessionize } from '../../../src/feedback/sessions';
import type { FeedbackEvent } from '../../../src/feedback/signal';
import { inThePast, pastTimeFor, runTrainJob } from '../../../src/training/job';
import { asColumns, asInteractions } from '../../../src/core/interaction';
import { encodeInteractions, parseFromWorker, type FromWorker } from '../../../src/training/messages';

// Compiled by tsc next to this file's output: the real worker entry, not a stand-in.
const WORKER = path.resolve(__dirname, '../../../src/training/worker.js');
const FIXTURES = path.resolve(__dirname, 'fixtures');

class TestToken implements CancelToken {
  isCancellationRequested = false;
  private listeners: (() => void)[] = [];
  onCancellationRequested(l: () => void): { dispose(): void } {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  }
  cancel(): void {
    this.isCancellationRequested = true;
    for (const l of this.listeners) l();
  }
}

const small = syntheticInteractions({ interactions: 600, items: 60, seed: 'runner' });

describe('TrainingRunner (real worker thread)', function () {
  this.timeout(60_000);

  it('the training thread runs at the lowest priority on Linux; the extension host keeps its own', async () => {
    const before = getPriority(0);
    const worker = new Worker(WORKER);
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('online', () => resolve());
        worker.once('error', reject);
      });
      // The entry lowers its priority as it starts: give its first statements a moment after 'online'.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(getPriority(0), before, 'the calling (host) thread keeps its priority');
      if (process.platform === 'linux') {
        // Every thread of this process with its nice value (field 19 of /proc/self/task/<tid>/stat).
        const nice = readdirSync('/proc/self/task').map((t) => Number(readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ')[16]));
        assert.ok(nice.some((n) => n === 19), `a thread at nice 19: ${nice.join(' ')}`);
      }
    } finally {
      await worker.terminate();
    }
  });

  it('trains in a worker, reports every epoch, and returns a model that ranks', async () => {
    const runner = new TrainingRunner({ workerPath: WORKER });
    const progress: TrainingProgress[] = [];
    const r = await runner.run(small, { epochs: 6, seed: 1 }, { onProgress: (p) => progress.push(p) });
    assert.equal(r.mode, 'worker');
    assert.deepEqual(
      progress.map((p) => p.epoch),
      [1, 2, 3, 4, 5, 6],
    );
    assert.ok(progress.every((p) => p.epochs === 6 && Number.isFinite(p.loss)));
    assert.ok(r.model.items.includes(small[0].item));
    // The serialized form handed back for saving is the model that was returned.
    assert.equal(serializeRecommender(r.model), r.json);
    const recs = recommend(r.model, [{ item: small[0].item, weight: 1 }], { n: 5 });
    assert.equal(recs.length, 5);
    assert.equal(runner.busy, false);
  });

  it("sends the model's Y^T Y with it, so the host's first ranking uses it: same recommendations, bad ones ignored", () => {
    const messages: FromWorker[] = [];
    runTrainJob({ type: 'train', id: 1, data: encodeInteractions(small), config: { epochs: 3, seed: 3 } }, (m) => messages.push(parseFromWorker(m)));
    const done = messages.find((m) => m.type === 'done');
    assert.ok(done?.type === 'done' && done.gram, 'the done message carries the Gramian');
    const { mf } = done.structured;
    assert.deepEqual([...done.gram], [...gramian(mf.itemFactors, mf.k)]);
    const context = [{ item: small[0].item, weight: 1 }];
    const fresh = (): typeof done.structured => ({ ...done.structured, mf: { ...mf } }); // a model the caches have not seen
    const expected = recommend(fresh(), context, { n: 10 }).map((r) => `${r.item}:${r.score}`);
    const primed = fresh();
    primeGram(primed.mf, done.gram);
    assert.deepEqual(recommend(primed, context, { n: 10 }).map((r) => `${r.item}:${r.score}`), expected);
    const bogus = fresh();
    primeGram(bogus.mf, new Float64Array(mf.k * mf.k).fill(Number.NaN));
    primeGram(bogus.mf, new Float64Array(3));
    assert.deepEqual(recommend(bogus, context, { n: 10 }).map((r) => `${r.item}:${r.score}`), expected, 'a wrong one is not used');
    assert.throws(() => parseFromWorker({ ...done, gram: [1, 2, 3] }), /gram/);
  });

  it('is deterministic for a seed: worker and in-process fallback give the same model', async () => {
    const viaWorker = await new TrainingRunner({ workerPath: WORKER }).run(small, { epochs: 4, seed: 7 });
    const inProcess = await new TrainingRunner({
      workerPath: WORKER,
      createWorker: () => {
        throw new Error('worker_threads unavailable');
      },
    }).run(small, { epochs: 4, seed: 7 });
    assert.equal(inProcess.mode, 'in-process');
    assert.equal(inProcess.json.length > 0, true);
    assert.deepEqual(Array.from(inProcess.model.mf.itemFactors), Array.from(viaWorker.model.mf.itemFactors));
  });

  it('a large validating fit in the worker (a collection between its validation and its training) is the in-process one', async () => {
    const large = syntheticInteractions({ interactions: 110_000, items: 1000, seed: 'validation-thread' });
    // autoBlend (the default, said here as the test relies on it) is what validates.
    const config = { epochs: 2, seed: 7, autoBlend: true };
    const viaWorker = await new TrainingRunner({ workerPath: WORKER }).run(large, config);
    assert.equal(viaWorker.mode, 'worker');
    const inProcess = await new TrainingRunner({ workerPath: WORKER, createWorker: () => { throw new Error('worker_threads unavailable'); } }).run(large, config);
    assert.equal(inProcess.mode, 'in-process');
    const chosen = (m: RecommenderModel) => [m.config.easeLambda, m.config.coocWeight, m.config.priorWeight, m.config.priorHalfLifeDays, m.training.heldOut.value];
    assert.ok(viaWorker.model.stats.blendCases > 0, 'the blend was measured on held-out cases');
    assert.deepEqual(chosen(viaWorker.model), chosen(inProcess.model));
    assert.deepEqual(Array.from(viaWorker.model.mf.itemFactors), Array.from(inProcess.model.mf.itemFactors));
    assert.deepEqual(Array.from(viaWorker.model.neighbours.values), Array.from(inProcess.model.neighbours.values));
  });

  it('the in-process fallback trains in slices: the event loop keeps turning, and a Cancel from a timer stops it', async () => {
    const noWorker = { workerPath: WORKER, createWorker: (): Worker => { throw new Error('worker_threads unavailable'); } };
    const data = syntheticInteractions({ interactions: 10_000, items: 500, seed: 'slices' });
    // sliceMs 0: a turn at every pause point, so the count does not depend on the machine's speed.
    const runner = new TrainingRunner({ ...noWorker, sliceMs: 0 });
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const epochs: number[] = [];
    const r = await runner.run(data, { epochs: 4, seed: 3, autoBlend: true }, { onProgress: (p) => epochs.push(p.epoch) });
    ticking = false;
    assert.equal(r.mode, 'in-process');
    assert.deepEqual(epochs, [1, 2, 3, 4]);
    // 10k cells are 40 blocks of 256: at least two pauses per epoch of each of the two fits (validation, full),
    // and one per validation case of the blend choice. (Run in one piece, the loop got 10 turns, all before training.)
    assert.ok(r.model.stats.blendCases > 0);
    const atLeast = 4 * 2 * 2 + r.model.stats.blendCases;
    assert.ok(turns >= atLeast, `the event loop got ${turns} turns during training, expected >= ${atLeast}`);

    const token = new TestToken();
    const long = new TrainingRunner({ ...noWorker }).run(data, { epochs: 400, seed: 3 }, { token });
    const timer = setTimeout(() => token.cancel(), 30);
    await assert.rejects(long, TrainingCancelledError);
    clearTimeout(timer);
  });

  it('slicing does not change the model: in-process in the finest slices equals the worker, blend choice included', async () => {
    const data = syntheticInteractions({ interactions: 10_000, items: 500, seed: 'same' });
    const viaWorker = await new TrainingRunner({ workerPath: WORKER }).run(data, { epochs: 3, seed: 11, autoBlend: true });
    const sliced = await new TrainingRunner({
      workerPath: WORKER,
      sliceMs: 0,
      createWorker: () => {
        throw new Error('worker_threads unavailable');
      },
    }).run(data, { epochs: 3, seed: 11, autoBlend: true });
    assert.equal(sliced.mode, 'in-process');
    assert.ok(viaWorker.model.stats.blendCases > 0, 'the blend was measured on a validation split');
    assert.equal(sliced.json.replace(/"fitMs":[^,]+,/, ''), viaWorker.json.replace(/"fitMs":[^,]+,/, ''));
  });

  it('trains from raw events sessionized in the worker: same model as sessionizing here', async () => {
    const events: FeedbackEvent[] = small.map((x, i) => ({ t: x.time * 1000, item: x.item, kind: i % 3 ? 'open' : 'edit', amount: 1 + (i % 2) }));
    events.push({ t: events[0].t, item: small[0].item, kind: 'dismiss', amount: 1 });
    const gap = 30 * 60_000;
    const runner = new TrainingRunner({ workerPath: WORKER });
    const viaEvents = await runner.runEvents(events, gap, { epochs: 3, seed: 5 });
    const direct = await runner.run(sessionize(events, gap), { epochs: 3, seed: 5 });
    assert.equal(viaEvents.mode, 'worker');
    assert.deepEqual(viaEvents.model.items, direct.model.items);
    assert.deepEqual(Array.from(viaEvents.model.mf.itemFactors), Array.from(direct.model.mf.itemFactors));
  });

  it('updates the model it is given across threads, EASE memory included; the in-process fallback makes the same model', async () => {
    const toEvents = (xs: typeof small): FeedbackEvent[] => xs.map((x) => ({ t: x.time * 1000, item: x.item, kind: 'open', amount: 1 }));
    const gap = 30 * 60_000;
    const runner = new TrainingRunner({ workerPath: WORKER });
    const first = await runner.runEvents(toEvents(small.slice(0, 520)), gap, { epochs: 3, seed: 5 });
    assert.equal(first.retrain?.kind, 'full');
    assert.ok(first.ease && first.ease.P.length === first.ease.kept.length ** 2, 'the EASE memory came back');
    assert.ok(first.ease.P.buffer instanceof SharedArrayBuffer, 'P shared with the host, not transferred to it');
    const more = toEvents(small.slice(0, 560));
    // The next run changes the first result's memory in place: keep a copy for the in-process run.
    const copy = { ...first.ease, kept: first.ease.kept.slice(), P: first.ease.P.slice() };
    const updated = await runner.runEvents(more, gap, { epochs: 3, seed: 5 }, {}, { previous: first.json, ease: first.ease });
    assert.equal(updated.retrain?.kind, 'update', updated.retrain?.reason);
    assert.ok(updated.ease?.P.buffer instanceof SharedArrayBuffer, "the update's P shared too");
    // In the buffer the first one is in (a new one at every retrain would pile up on the host until a full collection).
    const firstView = new Float64Array(first.ease.P.buffer, 0, 1);
    const updatedView = new Float64Array(updated.ease.P.buffer, 0, 1);
    const kept = updatedView[0];
    updatedView[0] = 12345.5;
    assert.equal(firstView[0], 12345.5, 'one buffer for both');
    updatedView[0] = kept;
    assert.ok(updated.model.items.length >= first.model.items.length);
    assert.equal(updated.model.lineage?.updates, 1);
    const fallback = new TrainingRunner({
      workerPath: WORKER,
      createWorker: () => {
        throw new Error('worker_threads unavailable');
      },
    });
    const same = await fallback.runEvents(more, gap, { epochs: 3, seed: 5 }, {}, { previous: first.json, ease: copy });
    assert.equal(same.mode, 'in-process');
    assert.equal(same.json.replace(/"fitMs":[^,]+,/, ''), updated.json.replace(/"fitMs":[^,]+,/, ''));
    // Asked for a full fit (the Retrain command), it fits from scratch.
    const full = await runner.runEvents(more, gap, { epochs: 3, seed: 5 }, {}, { previous: updated.json, ease: updated.ease, full: true });
    assert.equal(full.retrain?.kind, 'full');
    assert.match(full.retrain?.reason ?? '', /asked for/);
    // A worker that fails to load after the memory was handed to it: the fallback updates without it (EASE solved).
    const late = new TrainingRunner({ workerPath: path.join(FIXTURES, 'does-not-exist.js') });
    const solved = await late.runEvents(more, gap, { epochs: 3, seed: 5 }, {}, { previous: full.json, ease: full.ease });
    assert.equal(solved.mode, 'in-process');
    assert.equal(solved.retrain?.kind, 'update');
    // A saved model that does not parse is not updated: a full fit runs, nothing fails.
    const broken = await runner.runEvents(more, gap, { epochs: 3, seed: 5 }, {}, { previous: '{"format":"latent-recommender"', ease: solved.ease });
    assert.equal(broken.retrain?.kind, 'full');
  });

  it('history dated in the future (a clock that was ahead) is not taken as new by every update', async () => {
    const gap = 30 * 60_000;
    const runner = new TrainingRunner({ workerPath: WORKER });
    const base = small.slice(0, 520);
    // The history ends two days ago; five sessions of it were recorded while the clock was ten days ahead.
    const shift = Date.now() - 2 * 86_400_000 - Math.max(...base.map((x) => x.time * 1000));
    const past: FeedbackEvent[] = base.map((x) => ({ t: x.time * 1000 + shift, item: x.item, kind: 'open', amount: 1 }));
    const ahead: FeedbackEvent[] = [0, 1, 2, 3, 4].flatMap((s) =>
      [0, 1, 2].map((j) => ({ t: Date.now() + 10 * 86_400_000 + s * 3_600_000 + j * 1000, item: base[(s * 7 + j * 3) % base.length].item, kind: 'open' as const, amount: 1 })),
    );
    const first = await runner.runEvents([...past, ...ahead], gap, { epochs: 3, seed: 5 });
    // Then one real session, after that retrain (which measured the present when it started).
    await new Promise((r) => setTimeout(r, 10));
    const at = Date.now() - 3;
    const fresh: FeedbackEvent[] = [0, 1, 2].map((j) => ({ t: at + j, item: base[j * 11].item, kind: 'open', amount: 1 }));
    const updated = await runner.runEvents([...past, ...ahead, ...fresh], gap, { epochs: 3, seed: 5 }, {}, { previous: first.json, ease: first.ease });
    assert.equal(updated.retrain?.kind, 'update', updated.retrain?.reason);
    // The update learns the one new session; the five dated ahead were learned by the first fit, not again.
    assert.equal(updated.model.mf.nSessions - first.model.mf.nSessions, 1);
  });

  it('a file renamed since the model was made keeps its vector under the new name: an update, not a full fit', async () => {
    const gap = 30 * 60_000;
    const runner = new TrainingRunner({ workerPath: WORKER });
    const base = small.slice(0, 520);
    const first = await runner.runEvents(base.map((x) => ({ t: x.time * 1000, item: x.item, kind: 'open', amount: 1 })), gap, { epochs: 3, seed: 5 });
    const from = first.model.items[0];
    const to = `${from}-renamed`;
    const movedAt = (first.model.trainedAt + 60) * 1000;
    // The store hands over the history under current names, and a little new work after the rename.
    const renamed = (item: string): string => (item === from ? to : item);
    const history: FeedbackEvent[] = small.slice(0, 560).map((x) => ({ t: x.time * 1000, item: renamed(x.item), kind: 'open', amount: 1 }));
    const moves = [{ t: movedAt, from, to }];
    const without = await runner.runEvents(history, gap, { epochs: 3, seed: 5 }, {}, { previous: first.json });
    assert.equal(without.retrain?.kind, 'full', 'the test needs the rename to matter');
    assert.match(without.retrain?.reason ?? '', /left the history/);
    const updated = await runner.runEvents(history, gap, { epochs: 3, seed: 5 }, {}, { previous: first.json, moves });
    assert.equal(updated.retrain?.kind, 'update', updated.retrain?.reason);
    assert.equal(updated.model.items[0], to, 'the renamed item keeps its index');
    assert.ok(!updated.model.items.includes(from));
    // A rename older than the model is already in it: not applied again (a file made later at the old path is another).
    const stale = await runner.runEvents(history, gap, { epochs: 3, seed: 5 }, {}, { previous: first.json, moves: [{ t: 0, from, to }] });
    assert.equal(stale.retrain?.kind, 'full');
  });

  it('falls back to in-process training when the worker script cannot load', async () => {
    const runner = new TrainingRunner({ workerPath: path.join(FIXTURES, 'does-not-exist.js') });
    const progress: number[] = [];
    const r = await runner.run(small, { epochs: 3, seed: 2 }, { onProgress: (p) => progress.push(p.epoch) });
    assert.equal(r.mode, 'in-process');
    assert.deepEqual(progress, [1, 2, 3]);
  });

  it('reports a trainer error (bad config) as TrainingFailedError carrying the core error name', async () => {
    const runner = new TrainingRunner({ workerPath: WORKER });
    await assert.rejects(runner.run(small, { factors: 0 }), (e: unknown) => {
      assert.ok(e instanceof TrainingFailedError);
      assert.equal(e.errorName, 'LatentInputError');
      return true;
    });
  });

  it('cancels at an epoch boundary when the token fires', async () => {
    const runner = new TrainingRunner({ workerPath: WORKER });
    const token = new TestToken();
    const big = syntheticInteractions({ interactions: 30_000, items: 2000, seed: 'cancel' });
    const seen: number[] = [];
    const p = runner.run(big, { epochs: 500 }, { token, onProgress: (x) => {
      seen.push(x.epoch);
      if (x.epoch === 2) token.cancel();
    } });
    await assert.rejects(p, TrainingCancelledError);
    assert.ok(seen.length < 500, `stopped after ${seen.length} epochs`);
    assert.equal(runner.busy, false);
  });

  it('a worker killed mid-training is reported in plain words and the runner still works afterwards', async () => {
    const runner = new TrainingRunner({ workerPath: WORKER });
    const big = syntheticInteractions({ interactions: 30_000, items: 2000, seed: 'kill' });
    let killed = false;
    const p = runner.run(big, { epochs: 500 }, {
      onProgress: () => {
        if (!killed) {
          killed = true;
          void runner.terminateCurrent();
        }
      },
    });
    await assert.rejects(p, (e: unknown) => e instanceof TrainingFailedError && /stopped unexpectedly/.test(e.message));
    const again = await runner.run(small, { epochs: 2, seed: 3 });
    assert.equal(again.mode, 'worker');
  });

  it('the watchdog terminates a worker that stops reporting progress', async () => {
    const runner = new TrainingRunner({
      workerPath: WORKER,
      createWorker: () => new Worker(path.join(FIXTURES, 'hangWorker.js')),
    });
    const progress: number[] = [];
    const started = Date.now();
    await assert.rejects(
      runner.run(small, {}, { watchdogMs: 400, onProgress: (p) => progress.push(p.epoch) }),
      (e: unknown) => e instanceof TrainingHungError && /no progress/.test(e.message),
    );
    assert.deepEqual(progress, [1]);
    assert.ok(Date.now() - started < 5000);
    assert.equal(runner.busy, false);
  });

  it('rejects a malformed reply from the worker instead of trusting it', async () => {
    const runner = new TrainingRunner({
      workerPath: WORKER,
      createWorker: () => new Worker(path.join(FIXTURES, 'badMessageWorker.js')),
    });
    await assert.rejects(runner.run(small, {}), (e: unknown) => e instanceof TrainingFailedError && /malformed/.test(e.message));
  });
});

describe('TrainingRunner: a worker kept for the next job', function () {
  this.timeout(60_000);
  const gap = 30 * 60_000;
  const toEvents = (xs: typeof small): FeedbackEvent[] => xs.map((x) => ({ t: x.time * 1000, item: x.item, kind: 'open', amount: 1 }));
  /** A runner on the real worker script that counts the threads it starts and keeps the latest. */
  function counting(opts: { idleMs?: number } = {}): { runner: TrainingRunner; started: () => number; last: () => Worker } {
    const workers: Worker[] = [];
    const runner = new TrainingRunner({
      workerPath: WORKER,
      ...opts,
      createWorker: (p) => {
        const w = new Worker(p);
        workers.push(w);
        return w;
      },
    });
    return { runner, started: () => workers.length, last: () => workers[workers.length - 1] };
  }
  const exited = (w: Worker): Promise<number> => new Promise((resolve) => w.once('exit', resolve));

  it('a finished job leaves its thread for the next, which makes the same model as a new thread would', async () => {
    const { runner, started } = counting();
    try {
      const first = await runner.runEvents(toEvents(small.slice(0, 520)), gap, { epochs: 3, seed: 5 });
      assert.equal(runner.hasIdleWorker, true);
      assert.equal(runner.busy, false);
      // P comes back in a shared WebAssembly memory, where the next update works on it in place; the copy below is
      // taken without it (checkEaseMemory), so the two threads below take the two paths.
      assert.ok(first.ease?.memory, "P in a shared kernel memory, as the worker's update works on it");
      const copy = first.ease && { ...first.ease, kept: first.ease.kept.slice(), P: first.ease.P.slice() };
      const more = toEvents(small.slice(0, 560));
      const kept = await runner.runEvents(more, gap, { epochs: 3, seed: 5 }, {}, { previous: first.json, ease: first.ease });
      assert.equal(started(), 1, 'one thread for both jobs');
      assert.equal(kept.retrain?.kind, 'update', kept.retrain?.reason);
      // The same job in a thread of its own (nothing kept): the same model to the last digit.
      const fresh = new TrainingRunner({ workerPath: WORKER, idleMs: 0 });
      const alone = await fresh.runEvents(more, gap, { epochs: 3, seed: 5 }, {}, { previous: first.json, ...(copy ? { ease: copy } : {}) });
      assert.equal(fresh.hasIdleWorker, false, 'idleMs 0 keeps nothing');
      assert.equal(alone.json.replace(/"fitMs":[^,]+,/, ''), kept.json.replace(/"fitMs":[^,]+,/, ''));
    } finally {
      await runner.dispose();
    }
  });

  it('a thread whose job failed, was cancelled or hung is ended, never handed the next job', async () => {
    const { runner, started, last } = counting();
    try {
      await runner.run(small, { epochs: 2, seed: 1 });
      const kept = last();
      const ended = exited(kept);
      await assert.rejects(runner.run(small, { factors: 0 }), TrainingFailedError);
      assert.equal(started(), 1, 'the failing job ran in the kept thread');
      assert.equal(runner.hasIdleWorker, false);
      await ended;
      const token = new TestToken();
      const big = syntheticInteractions({ interactions: 30_000, items: 2000, seed: 'cancel-kept' });
      await assert.rejects(
        runner.run(big, { epochs: 500 }, { token, onProgress: (x) => x.epoch === 2 && token.cancel() }),
        TrainingCancelledError,
      );
      assert.equal(started(), 2);
      assert.equal(runner.hasIdleWorker, false);
      const r = await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(r.mode, 'worker');
      assert.equal(started(), 3, 'a new thread after the cancelled one');
    } finally {
      await runner.dispose();
    }
  });

  it('an idle thread ends after idleMs; one that dies while idle is not handed a job; endIdle (Reset) and dispose end it', async () => {
    const { runner, started, last } = counting({ idleMs: 300 });
    try {
      await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(runner.hasIdleWorker, true);
      assert.equal(await exited(last()), 1, 'terminated by the idle timer');
      assert.equal(runner.hasIdleWorker, false);
      await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(started(), 2);
      // Killed while idle (as a crash would): the next job starts a thread of its own and succeeds.
      const idle = last();
      await idle.terminate();
      assert.equal(runner.hasIdleWorker, false);
      const r = await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(r.mode, 'worker');
      assert.equal(started(), 3);
      // Ended on purpose (Reset): gone, and the next job starts a thread.
      const reset = exited(last());
      await runner.endIdle();
      await reset;
      assert.equal(runner.hasIdleWorker, false);
      await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(started(), 4);
      const ended = exited(last());
      await runner.dispose();
      await ended;
      assert.equal(runner.hasIdleWorker, false);
      // After dispose a job still runs, and its thread is not kept.
      await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(runner.hasIdleWorker, false);
    } finally {
      await runner.dispose();
    }
  });

  it('a kept thread that died as the next job reached it hands the job to a new thread, not a failure', async () => {
    const made: string[] = [];
    const runner = new TrainingRunner({
      workerPath: WORKER,
      createWorker: (p) => {
        // The first thread runs one job and exits when handed the next; the threads after it are the real worker.
        const script = made.length === 0 ? path.join(FIXTURES, 'exitOnSecondJobWorker.js') : p;
        made.push(script);
        return new Worker(script);
      },
    });
    try {
      const first = await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(first.mode, 'worker');
      assert.equal(runner.hasIdleWorker, true);
      const second = await runner.run(small, { epochs: 2, seed: 1 });
      assert.equal(second.mode, 'worker');
      assert.equal(made.length, 2, 'the job went to a second thread');
      assert.equal(second.json.replace(/"fitMs":[^,]+,/, ''), first.json.replace(/"fitMs":[^,]+,/, ''));
    } finally {
      await runner.dispose();
    }
  });

  it('an idle thread does not keep a process alive (the CLI exits when its work is done)', () => {
    const runnerJs = path.resolve(__dirname, '../../../src/training/runner.js');
    const script = `
      const { TrainingRunner } = require(${JSON.stringify(runnerJs)});
      const runner = new TrainingRunner({ workerPath: ${JSON.stringify(WORKER)} });
      const data = [];
      for (let s = 0; s < 40; s++) for (let i = 0; i < 4; i++) data.push({ session: 's' + s, item: 'f' + ((s + i) % 12), time: 1e9 + s * 3600 + i, weight: 1 });
      runner.run(data, { epochs: 2, seed: 1 }).then(() => console.log('idle ' + runner.hasIdleWorker));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, 'exited on its own, not killed by the timeout');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'idle true');
  });
});

describe('training job: times from the future', () => {
  it('moves interactions dated after now to now, so one bad date cannot decay every real one', () => {
    const now = Date.UTC(2026, 0, 1);
    const data = [
      { session: 's1', item: 'file:a', time: now / 1000 - 3600, weight: 1 },
      { session: 's2', item: 'file:b', time: Date.UTC(2100, 0, 1) / 1000, weight: 1 },
    ];
    const out = asInteractions(inThePast(asColumns(data), now));
    assert.deepEqual(out.map((x) => x.time), [now / 1000 - 3600, now / 1000]);
    assert.deepEqual(out.map((x) => [x.session, x.item, x.weight]), data.map((x) => [x.session, x.item, x.weight]), 'only the time moves');
    // With a model in use, to its newest time (one that does not move between retrains), unless that is ahead too.
    const model = (trainedAt: number): RecommenderModel => ({ trainedAt }) as RecommenderModel;
    assert.equal(pastTimeFor(undefined, now), now);
    assert.equal(pastTimeFor(model(now / 1000 - 60), now), now - 60_000);
    assert.equal(pastTimeFor(model(now / 1000 + 60), now), now);
    const moved = asInteractions(inThePast(asColumns(data), now, now - 60_000));
    assert.deepEqual(moved.map((x) => x.time), [now / 1000 - 3600, now / 1000 - 60]);
  });
});

describe('training job: saying it is alive', () => {
  it('between epochs and through phases without epochs, the worker says it is alive once ALIVE_EVERY_MS passed without a message', () => {
    const data = syntheticInteractions({ interactions: 600, items: 40, areas: 3, seed: 'alive' });
    let clock = 0;
    const posted: FromWorker[] = [];
    // A clock that moves 1 s per reading: every pause point is "long" after the last message.
    runTrainJob({ type: 'train', id: 7, data: encodeInteractions(data), config: { epochs: 2, seed: 1 } }, (m) => posted.push(parseFromWorker(m)), () => (clock += 1000));
    const kinds = posted.map((m) => m.type);
    assert.equal(kinds[kinds.length - 1], 'done');
    assert.ok(kinds.includes('alive'), kinds.join(','));
    assert.ok(posted.every((m) => m.id === 7));
  });
});

describe('training: automatic updates from stored events in the worker (the bench\'s update1M, small)', () => {
  it('fits once, then each 50 new events is an update of the model handed over', async function () {
    this.timeout(120_000);
    const r = await measureStoredUpdate({ events: 4000, updates: 2 });
    // measureStoredUpdate throws when a run is not an update; here the figures it reports are real times
    assert.equal(r.events, 4000);
    assert.ok(r.fullFitMs > 0 && r.wallMs > 0 && r.workerMs > 0 && r.maxWallMs >= r.wallMs, JSON.stringify(r));
  });
});
