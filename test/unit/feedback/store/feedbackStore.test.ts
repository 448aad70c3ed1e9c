// FeedbackStore, the facade, on real temp folders: round trip, its flush timer, reading while others compact,
// an unwritable folder, wipe.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LatentInputError } from '../../../../src/core/errors';
import { FeedbackEvent } from '../../../../src/feedback/signal';
import { ev, interleaved, useStores } from './helpers';

describe('feedback store: FeedbackStore', () => {
  const { open, dir } = useStores();

  it('round trip: appended events come back (tagged with the window), also after reopening', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-a' });
    a.append(ev(1000, 'file:src/a.ts'));
    a.append(ev(2000, 'file:src/a.ts', 'dwell', 42));
    a.append(ev(3000, 'snippet:user/log', 'snippet'));
    const got = await a.events();
    assert.deepEqual(got, [
      { t: 1000, item: 'file:src/a.ts', kind: 'open', amount: 1, w: '1-a' },
      { t: 2000, item: 'file:src/a.ts', kind: 'dwell', amount: 42, w: '1-a' },
      { t: 3000, item: 'snippet:user/log', kind: 'snippet', amount: 1, w: '1-a' },
    ]);
    await a.dispose();
    // dispose folded the journal into the snapshot and removed it
    assert.deepEqual(fs.readdirSync(d).filter((n) => n.startsWith('journal-')), []);
    const b = await open(d, { windowId: '1-b' });
    assert.deepEqual(await b.events(), got);
  });

  it('flushes on its own timer (a crash loses at most the last interval)', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-t', flushIntervalMs: 20 });
    a.append(ev(5));
    await new Promise((r) => setTimeout(r, 120));
    const text = fs.readFileSync(path.join(d, 'journal-1-t-0.jsonl'), 'utf8');
    assert.equal(text.trim().split('\n').length, 1);
  });

  it('rejects malformed events with LatentInputError and records nothing for them', async () => {
    const a = await open(dir());
    assert.throws(() => a.append(ev(NaN)), LatentInputError);
    assert.throws(() => a.append({ t: 1, item: '', kind: 'open', amount: 1 }), LatentInputError);
    assert.equal((await a.events()).length, 0);
  });

  it('reading while another window keeps compacting and removing journals still sees every event once', async () => {
    const d = dir();
    // segmentBytes 1: every flush of o seals its segment and compacts, which deletes that segment
    const o = await open(d, { windowId: `${process.pid}-o`, segmentBytes: 1 });
    const r = await open(d, { windowId: `${process.pid}-r` });
    o.append(ev(1));
    await o.flush();
    let t = 10;
    let got: FeedbackEvent[] = [];
    // Between r's snapshot read and its journal listing, o appends and compacts, every time r tries (4 times).
    const fired = await interleaved(
      'readdir',
      d,
      /^$/,
      4,
      async () => {
        o.append(ev(t++));
        await o.flush();
      },
      async () => {
        got = await r.events();
      },
    );
    assert.equal(fired, 4);
    assert.deepEqual(got.map((e) => e.t), [1, 10, 11, 12, 13]);
  });

  it('when the folder cannot be written, events stay in memory, the user is told, and they are saved later', async () => {
    const root = dir();
    const d = path.join(root, 'store');
    const problems: string[] = [];
    const a = await open(d, { windowId: '1-w', onProblem: (m) => problems.push(m) });
    fs.rmSync(d, { recursive: true });
    fs.writeFileSync(d, 'a file where the folder was');
    a.append(ev(1));
    await a.flush();
    assert.equal(problems.length, 1);
    assert.match(problems[0], /could not save feedback/);
    fs.rmSync(d);
    a.append(ev(2));
    await a.flush();
    assert.deepEqual((await a.events()).map((e) => e.t), [1, 2]);
  });

  it('wipe removes journals of all windows, snapshot, model and backups; recording continues', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-x' });
    const b = await open(d, { windowId: '1-y' });
    a.append(ev(1));
    b.append(ev(2));
    await b.flush();
    await a.compact();
    await a.saveModel('{}');
    await a.saveModel('{"x":1}');
    fs.writeFileSync(path.join(d, 'snapshot.json.corrupt-old'), 'x');
    a.append(ev(3)); // buffered, not yet written: wiped too
    await a.wipe();
    assert.deepEqual(fs.readdirSync(d), []);
    assert.deepEqual(await a.events(), []);
    assert.equal(await a.loadModel(), undefined);
    a.append(ev(4));
    assert.deepEqual((await a.events()).map((e) => e.t), [4]);
  });

  it('a dismissal marked in one window is news, once, to the others, which then read it from the store', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-x', flushIntervalMs: 0 });
    const b = await open(d, { windowId: '1-y', flushIntervalMs: 0 });
    assert.equal(await b.dismissalsElsewhere(), false);
    a.append({ t: 5, item: 'file:src/a.ts', kind: 'dismiss', amount: 1 });
    await a.markDismissals(); // written first, then marked
    assert.equal(await a.dismissalsElsewhere(), false, "a window's own mark");
    assert.equal(await b.dismissalsElsewhere(), true);
    assert.equal(await b.dismissalsElsewhere(), false, 'told once');
    assert.deepEqual([...(await b.read()).dismissed()], ['file:src/a.ts']);
  });

  it('a Reset in one window is seen once by the others, which drop what they buffered before it; not by itself', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-x', flushIntervalMs: 0 });
    const b = await open(d, { windowId: '1-y', flushIntervalMs: 0 });
    const c = await open(d, { windowId: '1-z', flushIntervalMs: 0 });
    assert.equal(await b.resetElsewhere(), undefined, 'nothing happened yet');
    const now = Date.now();
    b.append(ev(now - 60_000)); // recorded before the Reset, not yet written
    await a.wipe();
    // A Reset deletes the folder around the store too; until the marker is written, that is no news.
    fs.rmSync(d, { recursive: true, force: true });
    assert.equal(await b.resetElsewhere(), undefined);
    await a.markReset();
    assert.deepEqual(fs.readdirSync(d), ['reset.json']);
    assert.equal(await a.resetElsewhere(), undefined, "a window's own Reset");
    b.append(ev(now + 60_000)); // recorded after it
    const at = await b.resetElsewhere();
    assert.ok(at !== undefined && at >= now - 1000 && at <= Date.now(), `the Reset's time: ${at}`);
    assert.equal(await b.resetElsewhere(), undefined, 'told once');
    await b.flush();
    assert.deepEqual((await b.events()).map((e) => e.t), [now + 60_000]);
    // A window opened after the Reset has nothing to forget; the next Reset is news to both.
    const late = await open(d, { windowId: '1-w' });
    assert.equal(await late.resetElsewhere(), undefined);
    await c.markReset();
    assert.ok((await late.resetElsewhere()) !== undefined);
    assert.ok((await b.resetElsewhere()) !== undefined);
  });
});
