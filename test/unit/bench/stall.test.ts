// The host-stall probe of the benchmarks sees a synchronous block wherever it falls in the measured work: at its
// start, between two awaits, and at its end (a state built after the last await), which it once missed.
import * as assert from 'node:assert/strict';
import { maxStallDuring } from '../../../src/bench/stall';

const busy = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the block being measured
  }
};
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('bench: maxStallDuring', () => {
  it('counts a 40 ms block at the start, in the middle and at the end of the work', async () => {
    const start = await maxStallDuring(async () => {
      busy(40);
      await wait(5);
    });
    const middle = await maxStallDuring(async () => {
      await wait(5);
      busy(40);
      await wait(5);
    });
    const end = await maxStallDuring(async () => {
      await wait(5);
      busy(40);
    });
    // At least the block (less the probe's 1 ms floor); more only if the machine adds its own delay.
    for (const [where, ms] of [['start', start], ['middle', middle], ['end', end]] as const) assert.ok(ms >= 35, `${where}: ${ms.toFixed(1)} ms`);
  });
});
