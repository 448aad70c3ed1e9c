import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { RetrainScheduler, type RetrainRun } from '../../../src/training/retrainScheduler';
import { TrainingCancelledError, TrainingRunner, tokenFromSignal } from '../../../src/training/runner';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RetrainScheduler', () => {
  it('retrains once after the threshold is reached and events go quiet', async () => {
    let runs = 0;
    const s = new RetrainScheduler({ threshold: () => 5, debounceMs: 30, retrain: async () => void runs++ });
    for (let i = 0; i < 4; i++) s.noteEvent();
    await sleep(60);
    assert.equal(runs, 0, 'below threshold');
    for (let i = 0; i < 10; i++) s.noteEvent();
    assert.equal(runs, 0, 'debounced while events keep coming');
    await sleep(80);
    assert.equal(runs, 1);
    assert.equal(s.eventsSinceTraining, 0);
    s.dispose();
  });

  it('a steady stream cannot postpone a due run beyond maxWaitMs', async () => {
    let runs = 0;
    const s = new RetrainScheduler({ threshold: () => 1, debounceMs: 50, maxWaitMs: 120, retrain: async () => void runs++ });
    const until = Date.now() + 300;
    while (Date.now() < until && runs === 0) {
      s.noteEvent();
      await sleep(10);
    }
    assert.equal(runs, 1);
    s.dispose();
  });

  it('threshold 0 turns automatic retraining off', async () => {
    let runs = 0;
    const s = new RetrainScheduler({ threshold: () => 0, debounceMs: 5, retrain: async () => void runs++ });
    for (let i = 0; i < 100; i++) s.noteEvent();
    await sleep(30);
    assert.equal(runs, 0);
    assert.equal(s.eventsSinceTraining, 100);
    s.dispose();
  });

  it('requests during a run share one follow-up run', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const s = new RetrainScheduler({
      threshold: () => 0,
      debounceMs: 5,
      retrain: () => {
        runs++;
        return new Promise<void>((r) => (release = r));
      },
    });
    const first = s.runNow();
    const a = s.runNow();
    const b = s.runNow();
    assert.equal(runs, 1);
    release();
    await first;
    await sleep(0);
    assert.equal(runs, 2);
    release();
    await Promise.all([a, b]);
    assert.equal(runs, 2);
    s.dispose();
  });

  it('a failed run does not wedge the scheduler', async () => {
    let runs = 0;
    const s = new RetrainScheduler({
      threshold: () => 0,
      debounceMs: 5,
      retrain: async () => {
        runs++;
        if (runs === 1) throw new Error('boom');
      },
    });
    await assert.rejects(s.runNow(), /boom/);
    await s.runNow();
    assert.equal(runs, 2);
    assert.equal(s.isRunning, false);
  });

  /**
   * A stand-in for the controller's run: counts overlap, ends early when its signal aborts (as the runner does at
   * the next epoch boundary), else when released. Records which data version each run started on.
   */
  function fakeTraining() {
    const log = { started: [] as { attempt: number; data: number }[], aborted: [] as string[], finished: 0, active: 0, maxActive: 0 };
    let data = 1;
    let release: () => void = () => undefined;
    const retrain = (run: RetrainRun): Promise<void> => {
      log.started.push({ attempt: run.attempt, data });
      log.active++;
      log.maxActive = Math.max(log.maxActive, log.active);
      return new Promise<void>((resolve, reject) => {
        const end = (): void => {
          log.active--;
          run.signal.removeEventListener('abort', onAbort);
        };
        const onAbort = (): void => {
          // the worker unwinds a moment later
          setTimeout(() => {
            end();
            log.aborted.push(String(run.signal.reason));
            reject(new TrainingCancelledError());
          }, 5);
        };
        run.signal.addEventListener('abort', onAbort);
        release = () => {
          end();
          log.finished++;
          resolve();
        };
      });
    };
    return { log, retrain, newData: () => data++, release: () => release() };
  }

  it('startup: a git import during the scheduled run stops the stale run, and one fresh run follows, never two at once', async () => {
    const t = fakeTraining();
    const busy: boolean[] = [];
    const s = new RetrainScheduler({ threshold: () => 1, debounceMs: 5, retrain: t.retrain, onBusyChange: (b) => busy.push(b) });
    s.noteEvent(); // the background run scheduled at startup
    await sleep(20);
    assert.equal(t.log.started.length, 1);
    t.newData(); // the import saved commits
    const imported = s.runNow({ supersede: true }); // ... and asks for training
    const again = s.runNow({ supersede: true }); // a second request meanwhile shares the same follow-up
    assert.equal(s.hasFollowUp, true);
    assert.equal(t.log.started.length, 1, 'nothing starts while the stale run unwinds');
    await sleep(30);
    assert.deepEqual(t.log.aborted, ['superseded']);
    assert.deepEqual(t.log.started, [
      { attempt: 1, data: 1 },
      { attempt: 2, data: 2 },
    ]);
    t.release();
    await Promise.all([imported, again]);
    assert.equal(t.log.maxActive, 1);
    assert.equal(t.log.finished, 1, 'only the fresh run finished');
    assert.deepEqual(busy, [true, false], 'one busy period: one progress notification for both');
    s.dispose();
  });

  it('tells a run someone asked for (onRequest) from one due to activity, also while a background run trains', async () => {
    const t = fakeTraining();
    const busy: boolean[] = [];
    let requests = 0;
    const s = new RetrainScheduler({ threshold: () => 1, debounceMs: 5, retrain: t.retrain, onBusyChange: (b) => busy.push(b), onRequest: () => requests++ });
    s.noteEvent(); // due to activity: the UI keeps it in the status bar
    await sleep(20);
    assert.equal(t.log.started.length, 1);
    assert.equal(requests, 0, 'a run due to activity is not a request');
    const asked = s.runNow(); // the Retrain command meanwhile: told at once, before its follow-up starts
    assert.equal(requests, 1);
    assert.equal(t.log.started.length, 1, 'the follow-up waits for the running run');
    t.release();
    await sleep(10);
    assert.equal(t.log.started.length, 2);
    t.release();
    await asked;
    assert.deepEqual(busy, [true, false], 'one burst');
    const due = s.runDue();
    t.release();
    await due;
    assert.equal(requests, 1, 'runDue is a run due to activity');
    assert.deepEqual(busy, [true, false, true, false]);
    s.dispose();
    await s.runNow();
    assert.equal(requests, 1, 'nothing is asked of a disposed scheduler');
  });

  it('an automatic request during a run lets it finish and is served by one follow-up', async () => {
    const t = fakeTraining();
    const s = new RetrainScheduler({ threshold: () => 1, debounceMs: 1, retrain: t.retrain });
    const first = s.runNow();
    for (let i = 0; i < 5; i++) s.noteEvent();
    await sleep(20);
    assert.equal(t.log.started.length, 1);
    assert.deepEqual(t.log.aborted, [], 'automatic requests never stop a run');
    t.release();
    await first;
    await sleep(10);
    assert.equal(t.log.started.length, 2);
    t.release();
    await sleep(10);
    assert.equal(t.log.started.length, 2);
    assert.equal(t.log.maxActive, 1);
    s.dispose();
  });

  it('Cancel stops the run and drops the queued follow-up; a request after Cancel is served', async () => {
    const t = fakeTraining();
    const busy: boolean[] = [];
    const s = new RetrainScheduler({ threshold: () => 0, debounceMs: 1, retrain: t.retrain, onBusyChange: (b) => busy.push(b) });
    const first = s.runNow();
    const queued = s.runNow();
    s.cancel();
    await assert.rejects(first, TrainingCancelledError);
    await queued;
    assert.deepEqual(t.log.aborted, ['cancelled']);
    assert.equal(t.log.started.length, 1, 'the follow-up was dropped');
    assert.deepEqual(busy, [true, false]);
    assert.equal(s.isRunning, false);
    // Cancel, then a new request before the run has unwound: that request is served.
    const second = s.runNow();
    s.cancel();
    const after = s.runNow();
    await assert.rejects(second, TrainingCancelledError);
    await sleep(5);
    assert.equal(t.log.started.length, 3);
    t.release();
    await after;
    assert.equal(t.log.maxActive, 1);
    s.dispose();
  });

  it('with the real worker: superseding a long run ends it within a moment and the follow-up trains', async function () {
    this.timeout(60_000);
    const runner = new TrainingRunner({ workerPath: path.resolve(__dirname, '../../../src/training/worker.js') });
    const big = syntheticInteractions({ interactions: 20_000, items: 400, seed: 'supersede' });
    const outcomes: string[] = [];
    let epochsSeen = 0;
    const s = new RetrainScheduler({
      threshold: () => 0,
      debounceMs: 1,
      retrain: async (run) => {
        try {
          // the stale run would take long; the fresh one is short
          const epochs = run.attempt === 1 ? 200 : 3;
          const r = await runner.run(big, { epochs, seed: 1 }, { token: tokenFromSignal(run.signal), onProgress: () => epochsSeen++ });
          outcomes.push(`done ${r.model.stats.epochs}`);
        } catch (e) {
          outcomes.push(e instanceof TrainingCancelledError ? `stopped (${String(run.signal.reason)})` : `failed ${String(e)}`);
        }
      },
    });
    const stale = s.runNow();
    while (epochsSeen < 2) await sleep(10);
    assert.equal(runner.busy, true);
    const t0 = Date.now();
    const fresh = s.runNow({ supersede: true });
    await stale;
    const stopMs = Date.now() - t0;
    assert.ok(stopMs < 2500, `the stale run stopped in ${stopMs} ms`);
    await fresh;
    assert.deepEqual(outcomes, ['stopped (superseded)', 'done 3']);
    console.log(`      superseded run stopped ${stopMs} ms after the request`);
    assert.equal(runner.busy, false);
    s.dispose();
  });
});
