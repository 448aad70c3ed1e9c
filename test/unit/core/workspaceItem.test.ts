import * as assert from 'node:assert/strict';
import { posix } from 'node:path';
import { fileItemName, fileItemPrefix, locateFileItem } from '../../../src/core/workspaceItem';

/** A workspace folder as the views see it: its name (what item names start with) and where it is on disk. */
const folder = (name: string, path = `/ws/${name}`) => ({ name, path });
const open = (name: string, folders: readonly { name: string; path: string }[]): string | undefined => {
  const at = locateFileItem(name, folders);
  return at && posix.join(at.folder.path, at.path);
};

describe('workspaceItem: which folder a file item opens in', () => {
  const api = folder('api');
  const web = folder('web');

  it('several folders: the first part of the name is the folder (issue 11, item 6)', () => {
    // Was opened under the first folder: /ws/api/web/src/app.ts.
    assert.equal(open('web/src/app.ts', [api, web]), '/ws/web/src/app.ts');
    assert.equal(open('api/src/app.ts', [api, web]), '/ws/api/src/app.ts');
    assert.deepEqual(locateFileItem('web/src/app.ts', [api, web]), { folder: web, path: 'src/app.ts' });
  });

  it('one folder: the whole name is relative to it, whatever its first part', () => {
    assert.equal(open('web/src/app.ts', [api]), '/ws/api/web/src/app.ts');
    assert.equal(open('app.ts', [api]), '/ws/api/app.ts');
  });

  it('matches WorkspaceFolder.name, not the folder on disk', () => {
    const named = folder('Web App', '/ws/web');
    assert.equal(open('Web App/src/app.ts', [api, named]), '/ws/web/src/app.ts');
    assert.equal(open('web/src/app.ts', [api, named]), undefined);
  });

  it('a folder name with a slash in it, and names that prefix each other: the longest folder name wins', () => {
    const a = folder('a', '/ws/a');
    const ab = folder('a/b', '/ws/ab');
    assert.equal(open('a/b/x.ts', [a, ab]), '/ws/ab/x.ts');
    assert.equal(open('a/c/x.ts', [a, ab]), '/ws/a/c/x.ts');
    // 'web' is not a prefix of 'webapp/...': the name's whole first part must match.
    assert.equal(open('webapp/x.ts', [api, web]), undefined);
  });

  it('two folders of the same name: the first one', () => {
    assert.equal(open('app/x.ts', [folder('app', '/one/app'), folder('app', '/two/app')]), '/one/app/x.ts');
  });

  it('refuses what names no folder or leaves it', () => {
    for (const bad of ['', 'web', 'web/', 'nope/src/app.ts', '../web/src/app.ts', 'web/../api/x', 'web/./x', '/web/x', 'web\\x']) {
      assert.equal(locateFileItem(bad, [api, web]), undefined, JSON.stringify(bad));
    }
    for (const bad of ['', '../../etc/passwd', '/etc/passwd', 'a//b']) assert.equal(locateFileItem(bad, [api]), undefined, bad);
    assert.equal(locateFileItem('src/app.ts', []), undefined);
  });

  it('names files as they are opened: fileItemName and locateFileItem round-trip', () => {
    assert.equal(fileItemPrefix('web', 1), '');
    assert.equal(fileItemPrefix('web', 2), 'web/');
    for (const folders of [[api], [api, web], [folder('a'), folder('a/b')]]) {
      for (const f of folders) {
        const name = fileItemName('src/app.ts', f, folders.length);
        assert.deepEqual(locateFileItem(name, folders), { folder: f, path: 'src/app.ts' }, `${f.name} of ${folders.length}`);
      }
    }
  });
});
