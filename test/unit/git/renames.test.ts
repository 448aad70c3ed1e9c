// Following renames (pure): hand-made histories, newest commit first as git log lists them.
import * as assert from 'node:assert/strict';
import { followRenames, type CommitPaths } from '../../../src/git/renames';

/** A commit from "old>new" for renames and plain paths for other files (added, modified, copied). */
const commit = (...entries: string[]): CommitPaths => {
  const renames = entries.filter((e) => e.includes('>')).map((e) => {
    const [from = '', to = ''] = e.split('>');
    return { from, to };
  });
  return { files: entries.map((e) => e.split('>').pop() ?? e), renames };
};
const names = (history: CommitPaths[]): string[][] => followRenames(history).map((c) => c.files);

describe('following renames to the names at HEAD', () => {
  it('a simple rename: commits before it count under the new name, the rename commit itself too', () => {
    assert.deepEqual(names([commit('b.ts', 'c.ts'), commit('a.ts>b.ts'), commit('a.ts', 'c.ts'), commit('a.ts')]), [
      ['b.ts', 'c.ts'],
      ['b.ts'],
      ['b.ts', 'c.ts'],
      ['b.ts'],
    ]);
  });

  it('a chain a -> b -> c ends at c, and a rename back a -> b -> a ends at a', () => {
    assert.deepEqual(names([commit('b>c'), commit('a>b'), commit('a', 'x')]), [['c'], ['c'], ['c', 'x']]);
    assert.deepEqual(names([commit('b>a'), commit('b'), commit('a>b'), commit('a')]), [['a'], ['a'], ['a'], ['a']]);
  });

  it('a path reused by another file after its own was renamed away: each keeps its history under its own name', () => {
    // oldest first: a and b edited; a renamed to z; a new file created at a; both edited.
    const history = [commit('a', 'z'), commit('a'), commit('a>z'), commit('a', 'b')];
    assert.deepEqual(names(history), [['a', 'z'], ['a'], ['z'], ['z', 'b']]);
  });

  it('a swap in one commit maps both ways; later commits are not touched by older renames', () => {
    assert.deepEqual(names([commit('x'), commit('a>b', 'b>a'), commit('a', 'x'), commit('b')]), [['x'], ['b', 'a'], ['b', 'x'], ['a']]);
  });

  it('a file inside a moved folder, renamed again later, ends at its last name; its siblings follow the folder', () => {
    const moveFolder = commit('lib/util/x.ts>src/util/x.ts', 'lib/util/y.ts>src/util/y.ts', 'lib/util/z.ts>src/util/z.ts');
    assert.deepEqual(names([commit('src/util/x2.ts', 'src/util/y.ts'), commit('src/util/x.ts>src/util/x2.ts'), moveFolder, commit('lib/util/x.ts', 'lib/util/z.ts')]), [
      ['src/util/x2.ts', 'src/util/y.ts'],
      ['src/util/x2.ts'],
      ['src/util/x2.ts', 'src/util/y.ts', 'src/util/z.ts'],
      ['src/util/x2.ts', 'src/util/z.ts'],
    ]);
  });

  it('deleted files: a deletion maps nothing (the name stays, for the HEAD check to judge); a path taken over by a rename after its file was deleted is gone', () => {
    // oldest first: old.ts edited, then deleted (a deletion lists no file), then new.ts renamed onto old.ts
    const r = followRenames([commit('new.ts>old.ts'), commit('old.ts', 'keep.ts'), commit('new.ts')]);
    assert.deepEqual(r, [
      { files: ['old.ts'], gone: [] },
      { files: ['keep.ts'], gone: ['old.ts'] },
      { files: ['old.ts'], gone: [] },
    ]);
    // renamed onto a path whose file was renamed away first: that file's history follows it instead
    assert.deepEqual(names([commit('n>p'), commit('p>q'), commit('p')]), [['p'], ['q'], ['q']]);
    // a path deleted and added again (no rename involved): one file, one name
    assert.deepEqual(names([commit('f'), commit('f', 'g')]), [['f'], ['f', 'g']]);
    assert.deepEqual(followRenames([]), []);
  });
});
