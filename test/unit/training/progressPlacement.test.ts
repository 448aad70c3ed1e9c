import * as assert from 'node:assert/strict';
import { ProgressPlacement, type ProgressPlace } from '../../../src/training/progressPlacement';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A placement whose indicators are a log: 'open <place>' and 'close', in order, checking one is open at a time. */
function logged(notifyAfterMs: number) {
  const log: string[] = [];
  let open = 0;
  const p = new ProgressPlacement({
    open: (place: ProgressPlace) => {
      assert.equal(open, 0, 'one indicator at a time');
      open++;
      log.push(`open ${place}`);
    },
    close: () => {
      open--;
      log.push('close');
    },
    notifyAfterMs,
  });
  return { p, log };
}

describe('ProgressPlacement (where training shows its progress)', () => {
  it('a background burst shows in the status bar and closes there when it ends in time', async () => {
    const { p, log } = logged(200);
    p.busy(true);
    assert.equal(p.current, 'status bar');
    await sleep(20);
    p.busy(false);
    await sleep(220);
    assert.deepEqual(log, ['open status bar', 'close'], 'never a notification');
    assert.equal(p.current, undefined);
  });

  it('a background burst still running after notifyAfterMs moves to the notification, for its Cancel', async () => {
    const { p, log } = logged(30);
    p.busy(true);
    await sleep(80);
    assert.equal(p.current, 'notification');
    p.busy(false);
    assert.deepEqual(log, ['open status bar', 'close', 'open notification', 'close']);
  });

  it('a run asked for shows in the notification at once, also when asked for during a background run', async () => {
    const { p, log } = logged(1000);
    p.request();
    p.busy(true);
    assert.equal(p.current, 'notification');
    p.busy(false);
    p.busy(true); // the next burst is background work again
    assert.equal(p.current, 'status bar');
    p.request(); // Retrain while it trains: the notification takes over
    assert.equal(p.current, 'notification');
    p.busy(false);
    assert.deepEqual(log, ['open notification', 'close', 'open status bar', 'close', 'open notification', 'close']);
  });

  it('dispose closes the indicator and no timer fires after it', async () => {
    const { p, log } = logged(20);
    p.busy(true);
    p.dispose();
    await sleep(50);
    assert.deepEqual(log, ['open status bar', 'close']);
  });
});
