// compact.lock: a compaction whose lock was judged stale and taken over gives up instead of undoing the taker's work.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEAD, ev, interleaved, useStores, useTempDirs } from './helpers';
import { CompactLock } from '../../../../src/feedback/store/lock';

describe('feedback store: compaction lock', () => {
  const { open, dir } = useStores();

  it('a compaction whose lock was taken as stale does not put its older snapshot over the newer one', async () => {
    const d = dir();
    const a = await open(d, { windowId: `${process.pid}-a` });
    a.append(ev(1));
    a.append(ev(2));
    await a.flush();
    let compacted: boolean | undefined;
    const fired = await interleaved(
      'open',
      d,
      /^snapshot\.bin\.tmp-/,
      1,
      async () => {
        // a has read everything and starts writing its snapshot; meanwhile a gone window's journal is found and
        // merged by b, which judges a's lock stale (staleLockMs 0), and deleted once in b's snapshot
        fs.writeFileSync(path.join(d, `journal-${DEAD}-0.jsonl`), [ev(100), ev(101)].map((e) => JSON.stringify(e) + '\n').join(''));
        await new Promise((resolve) => setTimeout(resolve, 20));
        await open(d, { windowId: `${process.pid}-b`, staleLockMs: 0 });
        assert.equal(fs.existsSync(path.join(d, `journal-${DEAD}-0.jsonl`)), false);
      },
      async () => {
        compacted = await a.compact();
      },
    );
    assert.equal(fired, 1);
    assert.equal(compacted, false, 'a gave up');
    const r = await open(d, { windowId: `${process.pid}-r` });
    assert.deepEqual((await r.events()).map((e) => e.t), [1, 2, 100, 101]);
  });
});

describe('feedback store: a lock that is not a file', () => {
  const { open, dir } = useStores();

  it('a folder named compact.lock is moved aside and told once; compaction goes on', async () => {
    const d = dir();
    fs.mkdirSync(path.join(d, 'compact.lock'));
    fs.writeFileSync(path.join(d, 'compact.lock', 'inside'), 'x');
    const problems: string[] = [];
    const a = await open(d, { windowId: `${process.pid}-l`, onProblem: (m) => problems.push(m) });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /compact\.lock is not a file .* moved aside to compact\.lock\.corrupt-.*tidying continues/);
    const aside = fs.readdirSync(d).filter((n) => n.startsWith('compact.lock.corrupt-'));
    assert.equal(aside.length, 1);
    assert.equal(fs.readFileSync(path.join(d, aside[0], 'inside'), 'utf8'), 'x', 'kept for inspection');
    a.append(ev(1));
    assert.equal(await a.compact(), true);
    assert.equal(fs.existsSync(path.join(d, 'compact.lock')), false, 'released');
    fs.mkdirSync(path.join(d, 'compact.lock'));
    assert.equal(await a.compact(), true, 'again');
    assert.equal(problems.length, 1, 'told once');
  });
});

describe('feedback store: CompactLock', () => {
  const dir = useTempDirs();
  const lockFile = () => path.join(dir(), 'compact.lock');
  const never = (err: unknown) => assert.fail(`unexpected lock error: ${String(err)}`);

  it('one holder at a time; only the holder can renew or release it', async () => {
    const file = lockFile();
    const a = new CompactLock(file, '1-a', 30_000);
    const b = new CompactLock(file, '1-b', 30_000);
    const id = await a.tryLock(never);
    assert.ok(id?.startsWith('1-a:'));
    assert.equal(await b.tryLock(never), undefined, 'held by a live process');
    assert.equal(await b.holdLock('1-b:00000000'), false);
    await b.unlock('1-b:00000000');
    assert.equal(await a.holdLock(id!), true);
    await a.unlock(id!);
    assert.equal(fs.existsSync(file), false);
    assert.ok((await b.tryLock(never))?.startsWith('1-b:'));
  });

  it('takes over a lock whose process is gone, or one older than staleMs', async () => {
    const file = lockFile();
    fs.writeFileSync(file, JSON.stringify({ id: 'x', pid: 999999999, t: 0 }));
    assert.ok(await new CompactLock(file, '1-a', 30_000).tryLock(never));
    fs.writeFileSync(file, JSON.stringify({ id: 'y', pid: process.pid, t: 0 }));
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    assert.ok(await new CompactLock(file, '1-b', 30_000).tryLock(never));
  });

  it('tells why when the lock cannot be written at all', async () => {
    const file = path.join(lockFile(), 'missing-folder', 'compact.lock');
    const errors: unknown[] = [];
    assert.equal(await new CompactLock(file, '1-a', 30_000).tryLock((err) => errors.push(err)), undefined);
    assert.equal(errors.length, 1);
  });
});
