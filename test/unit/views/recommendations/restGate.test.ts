import * as assert from 'node:assert/strict';
import { RestGate } from '../../../../src/views/recommendations/restGate';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RestGate (when the open quick pick takes a new ranking)', () => {
  it('shows a new ranking at once while the highlight rests', () => {
    let shown = 0;
    const gate = new RestGate(() => shown++, 50);
    gate.request();
    gate.request();
    assert.equal(shown, 2);
    gate.dispose();
  });

  it('holds a ranking that comes while the highlight moves, and shows it once, after the highlight rested', async () => {
    let clock = 1000;
    let shown = 0;
    const gate = new RestGate(() => shown++, 40, () => clock);
    gate.moved();
    gate.request();
    gate.request();
    assert.equal(shown, 0, 'not under the keys');
    await sleep(60);
    // The highlight moved again meanwhile (the clock says 30 ms later): the gate waits for a new rest.
    clock += 30;
    gate.moved();
    clock += 40;
    await sleep(60);
    assert.equal(shown, 1, 'once, for both requests');
    gate.request();
    assert.equal(shown, 2, 'at once again once rested');
    gate.dispose();
  });

  it('dispose drops a held ranking', async () => {
    let shown = 0;
    const gate = new RestGate(() => shown++, 20);
    gate.moved();
    gate.request();
    gate.dispose();
    await sleep(40);
    assert.equal(shown, 0);
  });
});
