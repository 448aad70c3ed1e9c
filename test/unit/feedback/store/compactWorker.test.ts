// A large store is compacted in a worker thread (compactWorker.ts): the same result as on the host, problems told
// through the host (once per kind), the lock released, and the host's own compaction when no worker can start.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEAD, ev, useStores } from './helpers';
import { COMPACT_WORKER, compactInWorker } from '../../../../src/feedback/store/compactInWorker';
import { parseCompactParams } from '../../../../src/feedback/store/compactJob';
import { parseCompactWorkerMessage } from '../../../../src/feedback/store/compactMessages';
import { LOCK, SNAPSHOT } from '../../../../src/feedback/store/layout';
import { CompactLock } from '../../../../src/feedback/store/lock';
import type { FeedbackEvent } from '../../../../src/feedback/signal';

describe('feedback store: compaction in a worker thread', () => {
  const { open, dir } = useStores();

  /** Two windows' journals (one gone, with a bad line) and a rename: what the host and the worker must agree on. */
  function seed(d: string): void {
    const lines = (events: FeedbackEvent[]): string => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const gone = Array.from({ length: 3000 }, (_, i) => ev(1000 + i, `file:src/f${i % 40}.ts`, i % 3 ? 'open' : 'edit'));
    fs.writeFileSync(path.join(d, `journal-${DEAD}-0.jsonl`), lines(gone) + 'not json\n');
    const rename: FeedbackEvent = { t: 5000, item: 'file:lib/f1.ts', kind: 'rename', amount: 0, from: 'file:src/f1.ts' };
    fs.writeFileSync(path.join(d, `journal-${DEAD}-1.jsonl`), lines([rename, ev(6000, 'file:lib/f1.ts'), { ...ev(7000, 'file:a.ts'), kind: 'dwell', amount: 5 }]));
  }

  it('gives the same events as the host, tells a problem once through the host, and releases the lock', async () => {
    const [onHost, inWorker] = [dir(), dir()];
    seed(onHost);
    seed(inWorker);
    const told: string[][] = [[], []];
    const a = await open(onHost, { workerCompactBytes: Infinity, onProblem: (m) => told[0].push(m) });
    const b = await open(inWorker, { workerCompactBytes: 0, onProblem: (m) => told[1].push(m) });
    const strip = (events: FeedbackEvent[]): FeedbackEvent[] => events.map(({ w: _w, ...e }) => e);
    const [hostEvents, workerEvents] = [await a.events(), await b.events()];
    assert.equal(workerEvents.length, 3003);
    assert.deepEqual(strip(workerEvents), strip(hostEvents));
    assert.ok(workerEvents.every((e) => e.item !== 'file:src/f1.ts'), 'the rename was folded in');
    assert.equal(told[1].length, 1);
    assert.match(told[1][0], /1 unreadable line/);
    // a second compaction with the same problem kind is not told again; the merged journals are gone, the lock free
    for (const d of [onHost, inWorker]) fs.writeFileSync(path.join(d, `journal-${DEAD}-2.jsonl`), 'still not json\n');
    assert.equal(await b.compact(), true);
    assert.equal(told[1].length, 1, 'told once per kind, as on the host');
    assert.deepEqual(fs.readdirSync(inWorker).filter((n) => n.endsWith('.jsonl')), []);
    assert.equal(fs.existsSync(path.join(inWorker, LOCK)), false);
    assert.ok(fs.statSync(path.join(inWorker, SNAPSHOT)).size > 0);
    // the worker itself answered (not the host's fallback): called directly under a lock of our own
    seed(inWorker);
    const lock = new CompactLock(path.join(inWorker, LOCK), `${process.pid}-t`, 30_000);
    const lockId = await lock.tryLock(() => undefined);
    assert.ok(lockId !== undefined && fs.existsSync(COMPACT_WORKER));
    const params = { dir: inWorker, windowId: `${process.pid}-t`, seq: 0, disposed: false, maxItems: 100, maxEvents: 100_000, deletedRetentionMs: 1e12, aggregateBeforeMs: Number.NEGATIVE_INFINITY, sessionGapMs: 1_800_000, staleLockMs: 30_000, lockId };
    const kinds: string[] = [];
    assert.equal(await compactInWorker(params, (kind) => kinds.push(kind)), true);
    assert.deepEqual(kinds, ['journal']);
    await lock.unlock(lockId);
    b.append(ev(9000));
    await b.flush();
    // the seed twice and one more, less one: the two dwell ticks on file:a.ts at the same time merge
    assert.equal((await b.events()).length, 3003 * 2 + 1 - 1);
  });

  it('answers undefined (compact on the host) when the worker script is missing; checks what crosses the boundary', async () => {
    const d = dir();
    const params = { dir: d, windowId: '1-w', seq: 0, disposed: false, maxItems: 10, maxEvents: 10, deletedRetentionMs: 1, aggregateBeforeMs: 0, sessionGapMs: 1, staleLockMs: 1, lockId: 'x' };
    assert.equal(await compactInWorker(params, () => undefined, path.join(d, 'no-such-worker.js')), undefined);
    assert.deepEqual(parseCompactParams(params), params);
    assert.throws(() => parseCompactParams({ ...params, seq: '0' }), /seq must be a number/);
    assert.throws(() => parseCompactParams(null), /must be an object/);
    assert.deepEqual(parseCompactWorkerMessage({ type: 'done', ok: true }), { type: 'done', ok: true });
    assert.equal(parseCompactWorkerMessage({ type: 'done' }), undefined);
    assert.equal(parseCompactWorkerMessage('done'), undefined);
  });
});
