// Renames move a file's history to its new name (files and folders, chains, a path reused later); deletes hide a file
// until it is back, and let its history go after the retention period; the store keeps and applies both.
import { strict as assert } from 'node:assert';
import { withRenamedItems } from '../../../src/core/recommenderModel';
import { fitRecommender } from '../../../src/core/recommender';
import {
  FileLife,
  looksRenamed,
  RenamePairs,
  namesakes,
  dropDeletedHistorySteps,
  movesOf,
  renameInModel,
  renamedKey,
  resolveMoves,
  selfAndFolders,
} from '../../../src/feedback/fileChanges';
import { type FeedbackEvent, checkEvent, toEvent } from '../../../src/feedback/signal';
import { finishSteps } from '../../../src/core/train';
import { ev, quiet, useStores } from './store/helpers';

const rename = (t: number, from: string, to: string): FeedbackEvent => ({ t, item: to, kind: 'rename', amount: 0, from });
const del = (t: number, item: string): FeedbackEvent => ({ t, item, kind: 'delete', amount: 0 });
const names = (events: readonly FeedbackEvent[]): string[] => events.filter((e) => e.kind === 'open').map((e) => `${e.t}:${e.item}`);

describe('file changes: renames and deletes', () => {
  it('renamedKey moves a file, and everything under a folder, but not a sibling that shares a prefix', () => {
    assert.equal(renamedKey('file:src/a.ts', 'file:src/a.ts', 'file:lib/a.ts'), 'file:lib/a.ts');
    assert.equal(renamedKey('file:src/util/x.ts', 'file:src/util', 'file:src/helpers'), 'file:src/helpers/x.ts');
    assert.equal(renamedKey('file:src/utility.ts', 'file:src/util', 'file:src/helpers'), undefined);
    assert.equal(renamedKey('file:src/b.ts', 'file:src/a.ts', 'file:lib/a.ts'), undefined);
    assert.deepEqual([...selfAndFolders('file:a/b/c.ts')], ['file:a/b/c.ts', 'file:a/b', 'file:a']);
  });

  it('looksRenamed: a delete and a create seen by the watcher pair up when the file name or the folder is the same', () => {
    assert.equal(looksRenamed('file:src/a.ts', 'file:lib/a.ts'), true, 'moved');
    assert.equal(looksRenamed('file:src/a.ts', 'file:src/b.ts'), true, 'renamed in place');
    assert.equal(looksRenamed('file:a.ts', 'file:b.ts'), true, 'renamed at the top');
    assert.equal(looksRenamed('file:a.ts', 'file:src/a.ts'), true, 'moved down');
    assert.equal(looksRenamed('file:src/a.ts', 'file:lib/b.ts'), false);
    assert.equal(looksRenamed('file:src/a.ts', 'file:src/a.ts'), false);
    assert.equal(looksRenamed('file:a.ts', 'snippet:a.ts'), false);
  });

  it('RenamePairs: a delete and a create pair up in either order, alone in the window, and not past it', () => {
    const a = new RenamePairs(3000);
    assert.equal(a.deleted('file:src/a.ts', 0), undefined);
    assert.equal(a.waiting, true);
    assert.equal(a.created('file:lib/a.ts', 1000), 'file:src/a.ts', 'delete first');
    assert.equal(a.waiting, false, 'both sides consumed');
    const b = new RenamePairs(3000);
    assert.equal(b.created('file:lib/a.ts', 0), undefined);
    assert.equal(b.deleted('file:src/a.ts', 2000), 'file:lib/a.ts', 'create first (the watcher reported it in an earlier batch)');
    const late = new RenamePairs(3000);
    late.deleted('file:src/a.ts', 0);
    assert.equal(late.created('file:lib/a.ts', 3000), undefined, 'too late');
    const two = new RenamePairs(3000);
    two.deleted('file:src/a.ts', 0);
    two.deleted('file:test/a.ts', 0);
    assert.equal(two.created('file:lib/a.ts', 10), undefined, 'two deletes of that name at once: not a rename to guess');
    const twoCreates = new RenamePairs(3000);
    twoCreates.created('file:lib/a.ts', 0);
    twoCreates.created('file:test/a.ts', 0);
    assert.equal(twoCreates.deleted('file:src/a.ts', 10), undefined, 'two creates of that name for one delete: neither');
    const busy = new RenamePairs(3000);
    busy.deleted('file:src/b.ts', 0);
    busy.created('file:gen/out.js', 0);
    busy.deleted('file:src/a.ts', 100);
    assert.equal(busy.created('file:lib/a.ts', 200), 'file:src/a.ts', 'other changes around it: the one match pairs');
    assert.equal(busy.waiting, true, 'the unmatched delete still waits');
    const outOfOrder = new RenamePairs(3000);
    outOfOrder.deleted('file:src/a.ts', 5000);
    assert.equal(outOfOrder.created('file:lib/a.ts', 4000), 'file:src/a.ts', 'reported before the delete, handled after it');
    const other = new RenamePairs(3000);
    other.deleted('file:src/a.ts', 0);
    assert.equal(other.created('file:lib/b.ts', 10), undefined, 'names do not match');
    const told = new RenamePairs(3000);
    told.created('file:lib/a.ts', 0);
    told.told(5, 'file:src/a.ts', 'file:lib/a.ts');
    assert.equal(told.deleted('file:src/a.ts', 10), undefined, 'VS Code reported that rename itself');
    const folder = new RenamePairs(3000, 30_000);
    folder.told(0, 'file:b', 'file:b-moved', undefined);
    // The watcher's echo of a folder's file, seconds later, does not block a real move into that folder.
    folder.created('file:b-moved/x.ts', 8000);
    folder.deleted('file:a/four.ts', 8200);
    assert.equal(folder.created('file:b/four.ts', 8300), 'file:a/four.ts');
    const echo = new RenamePairs(3000, 30_000);
    echo.told(0, 'file:src/a.ts', 'file:lib/a.ts');
    assert.equal(echo.created('file:lib/a.ts', 2000), undefined);
    assert.equal(echo.deleted('file:x/a.ts', 2100), undefined, 'the echo of a told rename is not kept to pair with');
    assert.equal(echo.deleted('file:lib/a.ts', 40_000), undefined);
    assert.equal(echo.created('file:c/a.ts', 40_100), 'file:lib/a.ts', 'past the echo time, the same path pairs again');
  });

  it('namesakes: keys of the same kind and file name, the created one excluded, at most max', () => {
    const keys = ['file:a/four.ts', 'file:b/four.ts', 'file:c/four.ts', 'file:a/five.ts', 'snippet:four.ts', 'file:four.ts', 'file:a/four.ts'];
    assert.deepEqual(namesakes('file:c/four.ts', keys, 10), ['file:a/four.ts', 'file:b/four.ts', 'file:four.ts']);
    assert.deepEqual(namesakes('file:c/four.ts', keys, 2), ['file:a/four.ts', 'file:b/four.ts']);
    assert.deepEqual(namesakes('file:x/none.ts', keys, 10), []);
  });

  it('a rename takes the older events to the new name; a file made later at the old path keeps its own', () => {
    const events = [ev(1, 'file:a.ts'), ev(2, 'file:b.ts'), rename(3, 'file:a.ts', 'file:c.ts'), ev(4, 'file:a.ts'), ev(5, 'file:c.ts')];
    const out = resolveMoves(events);
    assert.deepEqual(names(out), ['1:file:c.ts', '2:file:b.ts', '4:file:a.ts', '5:file:c.ts']);
    assert.deepEqual(names(resolveMoves(out)), names(out), 'idempotent');
    assert.equal(events[0].item, 'file:a.ts', 'the input is not changed');
  });

  it('chains (a -> b -> c), a swap through a temporary name, and a file inside a moved folder', () => {
    const chain = resolveMoves([ev(1, 'file:a.ts'), rename(2, 'file:a.ts', 'file:b.ts'), ev(3, 'file:b.ts'), rename(4, 'file:b.ts', 'file:c.ts')]);
    assert.deepEqual(names(chain), ['1:file:c.ts', '3:file:c.ts']);
    // x and y swap names via tmp: each history follows its own file
    const swap = resolveMoves([
      ev(1, 'file:x.ts'),
      ev(1, 'file:y.ts', 'open', 2),
      rename(2, 'file:x.ts', 'file:tmp.ts'),
      rename(3, 'file:y.ts', 'file:x.ts'),
      rename(4, 'file:tmp.ts', 'file:y.ts'),
    ]);
    assert.deepEqual(
      swap.filter((e) => e.kind === 'open').map((e) => `${e.amount}:${e.item}`),
      ['1:file:y.ts', '2:file:x.ts'],
    );
    const folder = resolveMoves([ev(1, 'file:src/util/x.ts'), ev(2, 'file:src/utility.ts'), rename(3, 'file:src/util', 'file:lib/util')]);
    assert.deepEqual(names(folder), ['1:file:lib/util/x.ts', '2:file:src/utility.ts']);
  });

  it('events in any order are resolved by their own time', () => {
    const events = [rename(5, 'file:a.ts', 'file:b.ts'), ev(9, 'file:a.ts'), ev(1, 'file:a.ts')];
    assert.deepEqual(names(resolveMoves(events)), ['9:file:a.ts', '1:file:b.ts']);
    assert.deepEqual(movesOf(events), [{ t: 5, from: 'file:a.ts', to: 'file:b.ts' }]);
  });

  it('FileLife: a deleted file (or one in a deleted folder) is gone until it is used or created again', () => {
    const life = FileLife.of([ev(1, 'file:a.ts'), ev(1, 'file:src/b.ts'), ev(1, 'file:src/c.ts'), del(2, 'file:a.ts'), del(3, 'file:src')]);
    assert.equal(life.deletedAt('file:a.ts'), 2);
    assert.equal(life.deletedAt('file:src/b.ts'), 3);
    assert.equal(life.isDeleted('file:srcx.ts'), false);
    life.note(ev(4, 'file:src/b.ts'));
    assert.equal(life.isDeleted('file:src/b.ts'), false, 'used again: back');
    assert.equal(life.isDeleted('file:src/c.ts'), true, 'its sibling is still gone');
    life.note({ t: 5, item: 'file:a.ts', kind: 'create', amount: 0 });
    assert.equal(life.isDeleted('file:a.ts'), false, 'created again: back');
    life.note({ t: 6, item: 'file:a.ts', kind: 'dismiss', amount: 1 });
    life.note(del(7, 'file:a.ts'));
    assert.equal(life.isDeleted('file:a.ts'), true, 'deleted again');
  });

  it('FileLife.ofSteps reads a long history in steps (yield points for the host) and knows what FileLife.of knows', () => {
    const events: FeedbackEvent[] = [];
    for (let i = 0; i < 10_000; i++) events.push(i % 1000 === 999 ? del(i, `file:f${i % 300}.ts`) : ev(i, `file:f${i % 300}.ts`));
    const steps = FileLife.ofSteps(events);
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    assert.ok(yields >= 5, `yielded ${yields} times`);
    const whole = FileLife.of(events);
    for (let f = 0; f < 300; f++) assert.equal(r.value.deletedAt(`file:f${f}.ts`), whole.deletedAt(`file:f${f}.ts`), `file:f${f}.ts`);
    assert.equal(r.value.isDeleted('file:f99.ts'), true, 'deleted last at 9999, not seen after');
    assert.equal(r.value.isDeleted('file:f98.ts'), false);
  });

  it('FileLife: a rename ends the old name, not the new one (nor a folder moved onto a deleted one)', () => {
    const life = FileLife.of([ev(1, 'file:a.ts'), del(2, 'file:lib'), rename(3, 'file:a.ts', 'file:b.ts'), rename(4, 'file:src', 'file:lib')]);
    assert.equal(life.isDeleted('file:a.ts'), true);
    assert.equal(life.isDeleted('file:b.ts'), false);
    assert.equal(life.isDeleted('file:lib/x.ts'), false);
    assert.equal(new FileLife().noneDeleted, true);
    // The folder made again later (a watcher reporting late) does not bring back the file renamed away from it.
    life.note({ t: 9, item: 'file:src', kind: 'create', amount: 0 });
    life.note(rename(8, 'file:src/old.ts', 'file:src/new.ts'));
    assert.equal(life.isDeleted('file:src/old.ts'), true);
    assert.equal(life.isDeleted('file:src/new.ts'), false);
    // ...but brings back the files of a folder deleted as a whole.
    life.note(del(10, 'file:web'));
    life.note({ t: 11, item: 'file:web', kind: 'create', amount: 0 });
    assert.equal(life.isDeleted('file:web/index.ts'), false);
  });

  it('retention: history of files deleted before the cutoff goes; newer deletes, files back and the deletes stay', () => {
    const events = [
      ev(1, 'file:old.ts'),
      ev(1, 'file:recent.ts'),
      ev(1, 'file:back.ts'),
      ev(1, 'file:keep.ts'),
      del(10, 'file:old.ts'),
      del(10, 'file:back.ts'),
      ev(12, 'file:back.ts'),
      del(50, 'file:recent.ts'),
    ];
    const { kept, dropped } = finishSteps(dropDeletedHistorySteps(events, 30));
    assert.equal(dropped, 1);
    assert.deepEqual(names(kept), ['1:file:recent.ts', '1:file:back.ts', '1:file:keep.ts', '12:file:back.ts']);
    assert.equal(kept.filter((e) => e.kind === 'delete').length, 3, 'deletes are kept: they hide what the git import knows');
    const none = [ev(1, 'file:a.ts')];
    assert.equal(finishSteps(dropDeletedHistorySteps(none, 30)).kept, none);
  });

  it('a rename event is checked: it needs a different key of the same kind to rename from', () => {
    assert.doesNotThrow(() => checkEvent(rename(1, 'file:a.ts', 'file:b.ts')));
    assert.throws(() => checkEvent(rename(1, 'file:a.ts', 'file:a.ts')), /renames from/);
    assert.throws(() => checkEvent(rename(1, 'snippet:x/y', 'file:a.ts')), /renames from/);
    assert.throws(() => checkEvent({ t: 1, item: 'file:a.ts', kind: 'rename', amount: 0 }), /renames from/);
    assert.throws(() => checkEvent({ ...ev(1), from: 'file:x.ts' }), /only a rename/);
    assert.equal(toEvent({ t: 1, item: 'file:b.ts', kind: 'rename', amount: 0, from: 'file:../x' }), undefined);
  });

  it('a model keeps its vectors under the new names; a name it already has is left alone', () => {
    const data = [
      { session: 's1', item: 'file:src/a.ts', time: 1, weight: 1 },
      { session: 's1', item: 'file:b.ts', time: 1, weight: 1 },
      { session: 's2', item: 'file:src/a.ts', time: 2, weight: 1 },
      { session: 's2', item: 'file:c.ts', time: 2, weight: 1 },
    ];
    const model = fitRecommender(data, { epochs: 2 });
    const moved = renameInModel(model, [{ t: 1, from: 'file:src', to: 'file:lib' }]);
    assert.notEqual(moved, model);
    assert.equal(moved.items.indexOf('file:lib/a.ts'), model.items.indexOf('file:src/a.ts'));
    assert.ok(!moved.items.includes('file:src/a.ts'));
    assert.deepEqual(model.items.slice().sort(), ['file:b.ts', 'file:c.ts', 'file:src/a.ts'], 'the original is unchanged');
    assert.equal(renameInModel(model, []), model);
    assert.equal(withRenamedItems(model, (i) => (i === 'file:b.ts' ? 'file:c.ts' : undefined)), model, 'onto an existing item: skipped');
  });

  describe('in the store', () => {
    const { open, dir } = useStores();

    it('a rename survives the journal and the snapshot, and readers get current names before and after compaction', async () => {
      const d = dir();
      const s = await open(d, quiet);
      s.append(ev(1, 'file:src/a.ts'));
      s.append(ev(2, 'file:"odd" ü <b>.ts'));
      s.append(rename(3, 'file:src', 'file:lib'));
      s.append(rename(4, 'file:"odd" ü <b>.ts', 'file:new name.ts'));
      s.append(ev(5, 'file:src/a.ts'));
      const before = await s.events();
      assert.deepEqual(names(before), ['1:file:lib/a.ts', '2:file:new name.ts', '5:file:src/a.ts']);
      assert.equal(before.find((e) => e.t === 3)?.from, 'file:src');
      await s.compact();
      await s.dispose();
      const again = await open(d, quiet);
      const after = await again.events();
      assert.deepEqual(names(after), names(before));
      assert.deepEqual(
        after.filter((e) => e.kind === 'rename').map((e) => `${e.from}>${e.item}`),
        ['file:src>file:lib', 'file:"odd" ü <b>.ts>file:new name.ts'],
      );
    });

    it('compaction drops a deleted file\'s history after the retention period only', async () => {
      const d = dir();
      const now = Date.now();
      const day = 24 * 3600_000;
      const keep = await open(d, { ...quiet, deletedRetentionMs: 30 * day });
      keep.append(ev(now - 40 * day, 'file:gone.ts'));
      keep.append(ev(now - 40 * day, 'file:fresh.ts'));
      keep.append(del(now - 35 * day, 'file:gone.ts'));
      keep.append(del(now - 5 * day, 'file:fresh.ts'));
      await keep.compact();
      const events = await keep.events();
      assert.deepEqual(
        events.map((e) => `${e.kind}:${e.item}`),
        ['open:file:fresh.ts', 'delete:file:gone.ts', 'delete:file:fresh.ts'],
      );
    });
  });
});
