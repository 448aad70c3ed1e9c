// Compaction: several windows and processes at once lose nothing; caps; dwell merging; slicing on the host's loop.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import { FeedbackEvent } from '../../../../src/feedback/signal';
import { FeedbackStoreOptions } from '../../../../src/feedback/store/feedbackStore';
import { mergeDwell } from '../../../../src/feedback/store/compaction';
import { ev, useStores } from './helpers';

describe('feedback store: compaction', () => {
  const { open, dir } = useStores();

  it('two windows appending concurrently on one folder lose nothing, and compaction keeps both', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-wa', segmentBytes: 2000 });
    const b = await open(d, { windowId: '1-wb', segmentBytes: 2000 });
    const N = 600;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      a.append(ev(2 * i, `file:a${i % 7}.ts`, 'edit', i));
      b.append(ev(2 * i + 1, `file:b${i % 5}.ts`, 'edit', i));
      if (i % 37 === 0) work.push(a.flush(), b.compact());
      if (i % 53 === 0) work.push(b.flush(), a.compact());
    }
    await Promise.all(work);
    const seen = (await a.events()).map((e) => `${e.w}:${e.amount}`);
    assert.equal(seen.length, 2 * N);
    assert.equal(new Set(seen).size, 2 * N, 'no duplicates');
    await a.compact();
    await b.compact();
    const fromB = await b.events();
    assert.equal(fromB.length, 2 * N);
    assert.equal(fromB.filter((e) => e.w === '1-wa').length, N);
    // rotation happened and sealed segments were cleaned up
    const journals = fs.readdirSync(d).filter((n) => n.startsWith('journal-'));
    assert.ok(journals.length <= 2, journals.join(','));
  });

  it('separate processes appending and compacting at once lose nothing', async function () {
    this.timeout(60_000);
    const d = dir();
    const script = path.join(d, '..', `latent-child-${process.pid}.js`);
    const storePath = path.resolve(__dirname, '../../../../src/feedback/store/feedbackStore.js');
    fs.writeFileSync(
      script,
      `const { FeedbackStore } = require(${JSON.stringify(storePath)});
       (async () => {
         const [dir, tag, n] = process.argv.slice(2);
         const s = await FeedbackStore.open(dir, { flushIntervalMs: 0, compactIntervalMs: 0, segmentBytes: 3000 });
         for (let i = 0; i < Number(n); i++) {
           s.append({ t: i, item: 'file:' + tag + '.ts', kind: 'edit', amount: i });
           if (i % 25 === 0) await s.flush();
           if (i % 90 === 0) await s.compact();
         }
         await s.dispose();
       })().catch((e) => { console.error(e); process.exit(1); });`,
    );
    try {
      const N = 800;
      const codes = await Promise.all(
        ['p1', 'p2', 'p3'].map(
          (tag) => new Promise<number | null>((resolve) => fork(script, [d, tag, String(N)], { stdio: 'inherit' }).on('exit', resolve)),
        ),
      );
      assert.deepEqual(codes, [0, 0, 0]);
      const a = await open(d);
      const events = await a.events();
      for (const tag of ['p1', 'p2', 'p3']) {
        const amounts = events.filter((e) => e.item === `file:${tag}.ts`).map((e) => e.amount).sort((x, y) => x - y);
        assert.equal(amounts.length, N, tag);
        assert.deepEqual(amounts, Array.from({ length: N }, (_, i) => i));
      }
      // The children are gone: their journals were merged and removed by the last compaction.
      assert.deepEqual(fs.readdirSync(d).filter((n) => n.startsWith('journal-') && !n.includes(a.windowId)), []);
    } finally {
      fs.rmSync(script, { force: true });
    }
  });

  it('caps: the oldest events and the least recently used items are evicted at compaction', async () => {
    const d = dir();
    const a = await open(d, { maxEvents: 100, maxItems: 1000 });
    for (let i = 0; i < 150; i++) a.append(ev(i, `file:f${i % 10}.ts`));
    await a.compact();
    const kept = await a.events();
    assert.equal(kept.length, 100);
    assert.equal(kept[0].t, 50);

    const d2 = dir();
    const b = await open(d2, { maxEvents: 1000, maxItems: 3 });
    for (const [t, item] of [[1, 'file:old'], [2, 'file:a'], [3, 'file:b'], [4, 'file:old2'], [5, 'file:c'], [6, 'file:a']] as const) b.append(ev(t, item));
    await b.compact();
    // file:old and file:b were last used longest ago
    assert.deepEqual([...new Set((await b.events()).map((e) => e.item))].sort(), ['file:a', 'file:c', 'file:old2']);
  });

  it('compaction and reading give the event loop a turn every ~thousand events (nothing blocks the host for long)', async () => {
    const d = dir();
    // sliceMs 0: yield at every step boundary, so the count of turns does not depend on the machine's speed.
    const slicing: FeedbackStoreOptions = { sliceMs: 0 };
    const a = await open(d, { ...slicing, windowId: '1-big', segmentBytes: 1 << 30, maxEvents: 1_000_000 });
    const n = 50_000;
    for (let i = 0; i < n; i++) a.append(ev(1e12 + i * 1000, `file:src/g${i % 500}.ts`, i % 3 === 0 ? 'open' : 'edit'));
    await a.flush();
    const original = globalThis.setImmediate;
    let turns = 0;
    const counting = ((cb: (...args: unknown[]) => void, ...args: unknown[]) => {
      turns++;
      return original(cb, ...args);
    }) as typeof setImmediate;
    globalThis.setImmediate = counting;
    let merged: number;
    let reread: number;
    let got: FeedbackEvent[];
    try {
      await a.compact();
      merged = turns;
      turns = 0;
      got = await a.events();
      reread = turns;
    } finally {
      globalThis.setImmediate = original;
    }
    assert.equal(got.length, n);
    assert.ok(merged >= n / 1024, `compaction of ${n} events gave the loop ${merged} turns`);
    assert.ok(reread >= n / 4096, `reading ${n} events gave the loop ${reread} turns`);
    // the snapshot holds them as columns in blocks: its header counts items, windows and events
    const buf = fs.readFileSync(path.join(d, 'snapshot.bin'));
    const head = JSON.parse(buf.toString('utf8', 24, 24 + buf.readUInt32LE(12))) as { schema: number; items: number; windows: number; events: number };
    assert.deepEqual([head.schema, head.items, head.windows, head.events], [3, 500, 1, n]);
  });

  it('merges back-to-back dwell ticks of one item in one window, keeping the total', () => {
    const out = mergeDwell([
      { t: 0, item: 'file:a', kind: 'dwell', amount: 5, w: 'x' },
      { t: 5000, item: 'file:a', kind: 'dwell', amount: 5, w: 'x' },
      { t: 6000, item: 'file:z', kind: 'dwell', amount: 5, w: 'y' }, // another window does not break the run
      { t: 10000, item: 'file:a', kind: 'dwell', amount: 5, w: 'x' },
      { t: 11000, item: 'file:b', kind: 'open', amount: 1, w: 'x' },
      { t: 12000, item: 'file:a', kind: 'dwell', amount: 5, w: 'x' }, // after an open of b: separate
    ]);
    assert.deepEqual(out.map((e) => [e.t, e.item, e.amount]), [[6000, 'file:z', 5], [10000, 'file:a', 15], [11000, 'file:b', 1], [12000, 'file:a', 5]]);
  });
});
