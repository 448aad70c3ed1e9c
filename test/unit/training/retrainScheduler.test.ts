import * as assert from 'node:assert/strict';
import { RetrainScheduler } from '../../../src/training/retrainScheduler';

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
});
