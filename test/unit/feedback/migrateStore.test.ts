import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migrateFolderStores, packWindows, remainingOf } from '../../../src/feedback/migrateStore';
import { sessionize } from '../../../src/feedback/sessions';
import type { FeedbackEvent } from '../../../src/feedback/signal';
import { FeedbackStore } from '../../../src/feedback/store/feedbackStore';
import { ev, quiet, useTempDirs } from './store/helpers';

const GAP = 30 * 60_000;
const COPY = ['model.json', 'model.prev.json', 'git-sessions.json'];
const opts = { gapMs: GAP, copyIfMissing: COPY };

/** Writes `events` into a store at `dir` as window `w` (a gone window: its pid cannot exist). */
async function record(dir: string, w: string, events: FeedbackEvent[]): Promise<void> {
  const store = await FeedbackStore.open(dir, { ...quiet, windowId: w });
  for (const e of events) store.append(e);
  await store.dispose();
}

async function eventsOf(dir: string): Promise<FeedbackEvent[]> {
  const store = await FeedbackStore.open(dir, { ...quiet, windowId: 'reader' });
  const out = await store.events();
  await store.dispose();
  return out;
}

const key = (e: FeedbackEvent): string => `${e.t} ${e.item} ${e.kind} ${e.amount}`;
const keys = (events: readonly FeedbackEvent[]): string[] => events.map(key).sort();

describe('migrating a store kept per folder path into the repository identity store', () => {
  const temp = useTempDirs();

  it('moves every event (original times), the model and the git import, and keeps the old folder renamed', async () => {
    const storage = temp();
    const target = path.join(temp(), 'workspaces', 'k', 'feedback');
    const old = path.join(storage, 'feedback');
    const events = [ev(1000), ev(2000, 'file:b.ts', 'edit'), ev(3000, 'file:b.ts', 'dwell', 30)];
    await record(old, '999999991-a', events);
    fs.writeFileSync(path.join(old, 'model.json'), '{"m":1}');
    fs.writeFileSync(path.join(old, 'git-sessions.json'), '{"g":1}');

    const [m, ...more] = await migrateFolderStores(storage, target, opts);
    assert.equal(more.length, 0);
    assert.equal(m.events, 3);
    assert.equal(m.written, 3);
    assert.deepEqual(m.copied, ['model.json', 'git-sessions.json']);
    assert.deepEqual(keys(await eventsOf(target)), keys(events));
    assert.equal(fs.readFileSync(path.join(target, 'model.json'), 'utf8'), '{"m":1}');
    assert.equal(fs.readFileSync(path.join(target, 'git-sessions.json'), 'utf8'), '{"g":1}');
    assert.equal(fs.existsSync(old), false);
    assert.match(path.basename(m.keptAt), /^feedback\.migrated-/);
    assert.deepEqual(keys(await eventsOf(m.keptAt)), keys(events), 'the old folder is kept whole');
    assert.deepEqual(fs.readdirSync(target).filter((n) => n.includes('.tmp-')), [], 'no temp file left');

    // Run again (next start): nothing more to move, nothing doubled.
    assert.deepEqual(await migrateFolderStores(storage, target, opts), []);
    assert.deepEqual(keys(await eventsOf(target)), keys(events));
  });

  it('a target that already holds events and a model keeps them, and gets the old events too (two old stores)', async () => {
    const storageA = temp();
    const storageB = temp();
    const target = path.join(temp(), 'feedback');
    const mine = [ev(5000, 'file:new.ts'), ev(6000, 'file:new.ts', 'edit')];
    await record(target, '999999990-t', mine);
    fs.writeFileSync(path.join(target, 'model.json'), '{"mine":1}');
    const a = [ev(1000, 'file:a.ts')];
    const b = [ev(1500, 'file:b.ts'), ev(7000, 'file:b2.ts')];
    await record(path.join(storageA, 'feedback'), '999999991-a', a);
    await record(path.join(storageB, 'feedback'), '999999992-b', b);
    fs.writeFileSync(path.join(storageA, 'feedback', 'model.json'), '{"a":1}');
    fs.writeFileSync(path.join(storageA, 'feedback', 'model.prev.json'), '{"a":0}');

    const [ma] = await migrateFolderStores(storageA, target, opts);
    const [mb] = await migrateFolderStores(storageB, target, opts);
    assert.deepEqual(ma.copied, ['model.prev.json'], 'the target\'s own model is never replaced');
    assert.deepEqual(mb.copied, []);
    assert.equal(fs.readFileSync(path.join(target, 'model.json'), 'utf8'), '{"mine":1}');
    assert.deepEqual(keys(await eventsOf(target)), keys([...mine, ...a, ...b]));
    // Twice: no duplicates.
    await migrateFolderStores(storageA, target, opts);
    await migrateFolderStores(storageB, target, opts);
    assert.deepEqual(keys(await eventsOf(target)), keys([...mine, ...a, ...b]));
  });

  it('sessions stay as they were: windows that overlapped in time stay apart, in as few windows as possible', async () => {
    const storage = temp();
    const target = path.join(temp(), 'feedback');
    const h = 3600_000;
    // w1 and w2 open at once; w3 hours later (it can share w1's lane without changing a session).
    await record(path.join(storage, 'feedback'), '999999991-w1', [ev(0, 'file:a.ts'), ev(60_000, 'file:b.ts')]);
    await record(path.join(storage, 'feedback'), '999999992-w2', [ev(30_000, 'file:c.ts'), ev(90_000, 'file:d.ts')]);
    await record(path.join(storage, 'feedback'), '999999993-w3', [ev(5 * h, 'file:e.ts')]);
    const before = await eventsOf(path.join(storage, 'feedback'));
    assert.equal(packWindows(before, GAP).length, 2);
    await migrateFolderStores(storage, target, opts);
    const after = await eventsOf(target);
    const sessions = (events: FeedbackEvent[]): string[] => {
      const bySession = new Map<string, string[]>();
      for (const c of sessionize(events, GAP)) bySession.set(c.session, [...(bySession.get(c.session) ?? []), c.item]);
      return [...bySession.values()].map((items) => items.sort().join(',')).sort();
    };
    assert.deepEqual(sessions(after), sessions(before));
    assert.deepEqual(sessions(after), ['file:a.ts,file:b.ts', 'file:c.ts,file:d.ts', 'file:e.ts']);
  });

  it('a run cut short (after step 1, or part way through writing) is resumed without doubling or losing an event', async () => {
    const storage = temp();
    const target = path.join(temp(), 'feedback');
    const events = [ev(1000), ev(2000), ev(3000, 'file:x.ts'), ev(3000, 'file:y.ts'), ev(4000)];
    await record(path.join(storage, 'migrating-src'), '999999991-a', events);
    // As left by a crash: renamed (step 1), and the lane holds its first three events (a prefix, step 2 cut short).
    const run = 'abc123';
    fs.renameSync(path.join(storage, 'migrating-src'), path.join(storage, `feedback.migrating-${run}`));
    await record(target, `migrated.${run}.0`, events.slice(0, 3));

    const [m] = await migrateFolderStores(storage, target, opts);
    assert.equal(m.events, 5);
    assert.equal(m.written, 2);
    assert.deepEqual(keys(await eventsOf(target)), keys(events));
    assert.deepEqual(fs.readdirSync(storage).filter((n) => n.startsWith('feedback.migrating-')), []);
  });

  it('remainingOf: after the last time held everything, at it what is not there', () => {
    const lane = [ev(1), ev(2, 'file:a.ts'), ev(2, 'file:b.ts'), ev(3)];
    assert.deepEqual(remainingOf(lane, []), lane);
    assert.deepEqual(remainingOf(lane, [ev(1), ev(2, 'file:a.ts')]), [ev(2, 'file:b.ts'), ev(3)]);
    assert.deepEqual(remainingOf(lane, lane), []);
  });

  it('an empty old folder is removed, with nothing to report', async () => {
    const storage = temp();
    fs.mkdirSync(path.join(storage, 'feedback'));
    assert.deepEqual(await migrateFolderStores(storage, path.join(temp(), 'feedback'), opts), []);
    assert.equal(fs.existsSync(path.join(storage, 'feedback')), false);
  });
});
