// The one atomic writer: the new text replaces the old whole, no temp file is left behind, and `commit` can call it off.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveGitSessions } from '../../../../src/git/gitImport';
import { removeStaleTemps, writeAtomic } from '../../../../src/feedback/store/atomicWrite';
import { useTempDirs } from './helpers';

describe('feedback store: writeAtomic', () => {
  const dir = useTempDirs();

  it('writes a string or chunks in place of the old file and leaves no temp file', async () => {
    const d = dir();
    const file = path.join(d, 'x.json');
    assert.equal(await writeAtomic(file, 'old'), true);
    assert.equal(await writeAtomic(file, ['n', 'e', 'w']), true);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.deepEqual(fs.readdirSync(d), ['x.json']);
  });

  it('a commit check that says no keeps the old file and removes the temp file', async () => {
    const d = dir();
    const file = path.join(d, 'x.json');
    await writeAtomic(file, 'old');
    assert.equal(await writeAtomic(file, 'new', async () => false), false);
    assert.equal(fs.readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(d), ['x.json']);
  });

  it('the git import file is written through it too', async () => {
    const d = dir();
    await saveGitSessions(d, [{ session: 's', item: 'file:a.ts', time: 1, weight: 1 }]);
    assert.deepEqual(fs.readdirSync(d), ['git-sessions.json']);
  });
});

describe('feedback store: temp files left by a crash', () => {
  const dir = useTempDirs();

  it('removes old temp files of atomic writes, keeps young ones (a live write) and everything else', async () => {
    const d = dir();
    const old = new Date(Date.now() - 3_600_000);
    for (const n of ['model.json.tmp-0123abcd', 'snapshot.json.tmp-deadbeef', 'model.json', 'notes.tmp-x']) {
      fs.writeFileSync(path.join(d, n), 'x');
      fs.utimesSync(path.join(d, n), old, old);
    }
    fs.writeFileSync(path.join(d, 'snapshot.json.tmp-00000001'), 'being written');
    await removeStaleTemps(d, 60_000);
    assert.deepEqual(fs.readdirSync(d).sort(), ['model.json', 'notes.tmp-x', 'snapshot.json.tmp-00000001']);
  });
});
