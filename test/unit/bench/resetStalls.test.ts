// The Reset figure of the scale bench (hostStallMaxMs.reset1M) measures a Reset that happened: each run's store copy
// emptied and removed, the model and the kept thread let go, the store it copies untouched.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resetStalls, scratchDir, writeBigStore } from '../../../src/bench/hostStall';
import { FeedbackStore } from '../../../src/feedback/store/feedbackStore';
import { DEFAULT_SESSION_GAP_MS } from '../../../src/feedback/sessions';
import { StoredEvents } from '../../../src/feedback/storedEvents';
import { TrainingRunner } from '../../../src/training/runner';

const WORKER = path.resolve(__dirname, '../../../src/training/worker.js');

describe('bench: resetStalls', function () {
  this.timeout(120_000);

  it('wipes a copy of the store each run, with a model in use and a kept thread, and leaves the original as it was', async () => {
    const scratch = scratchDir();
    const runner = new TrainingRunner({ workerPath: WORKER });
    try {
      const big = await writeBigStore(scratch.root, 3000);
      const stored = await FeedbackStore.open(big.dir, big.opts);
      const events = await stored.read();
      await stored.dispose();
      const model = await runner.runEvents(events, DEFAULT_SESSION_GAP_MS, { epochs: 3 });
      let trainings = 0;
      const train = async (): Promise<void> => {
        trainings++;
        await runner.runEvents(StoredEvents.fromEvents([events.at(0), events.at(1)]), DEFAULT_SESSION_GAP_MS, { epochs: 1 });
      };
      const figures = await resetStalls(big, model.json, runner, train, 2, 10);
      assert.equal(figures.length, 2);
      assert.ok(figures.every((ms) => Number.isFinite(ms) && ms >= 0), String(figures));
      assert.equal(trainings, 2, 'a kept thread made before each run');
      assert.equal(runner.hasIdleWorker, false, 'the Reset ended the kept thread');
      // The copies are gone; the store they copied still holds every event.
      assert.deepEqual(fs.readdirSync(scratch.root).filter((name) => name.startsWith('reset-')), []);
      const again = await FeedbackStore.open(big.dir, big.opts);
      assert.equal((await again.read()).length, 3000);
      await again.dispose();
    } finally {
      await runner.dispose();
      scratch.remove();
    }
  });

  it('fails when the run leaves no thread to end (the figure would not be a Reset of a working window)', async () => {
    const scratch = scratchDir();
    const runner = new TrainingRunner({ workerPath: WORKER, idleMs: 0 });
    try {
      const big = await writeBigStore(scratch.root, 500);
      await assert.rejects(resetStalls(big, undefined, runner, () => Promise.resolve(), 1, 10), /no training thread kept/);
    } finally {
      await runner.dispose();
      scratch.remove();
    }
  });
});
