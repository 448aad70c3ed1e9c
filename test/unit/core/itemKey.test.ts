import * as assert from 'node:assert/strict';
import { isConfinedPath, isItemKey, itemKind, itemPlace, parseItemKey } from '../../../src/core/itemKey';

describe('itemKey: the one item key format', () => {
  it('parses the three kinds and leaves anything else as other', () => {
    assert.deepEqual(parseItemKey('file:src/a.ts'), { kind: 'file', name: 'src/a.ts' });
    assert.deepEqual(parseItemKey('snippet:user/log'), { kind: 'snippet', name: 'user/log' });
    assert.deepEqual(parseItemKey('extension:pub.name'), { kind: 'extension', name: 'pub.name' });
    assert.deepEqual(parseItemKey('folder:x'), { kind: 'other', name: 'folder:x' });
    assert.equal(itemKind(':x'), undefined);
    assert.deepEqual(itemPlace('file:src/ui/app.test.ts'), { kind: 'file', folder: 'src/ui', ext: 'ts' });
  });

  it('file keys must stay inside their folder', () => {
    for (const ok of ['a.ts', 'src/a b.ts', 'web/<img src=x>.ts', '..a/b', 'a/..b', 'ünïcode/ß.ts']) assert.equal(isConfinedPath(ok), true, ok);
    for (const bad of ['', '/etc/passwd', '../../../../etc/passwd', 'a/../../b', 'a//b', './a', 'a/.', 'a\\..\\b', 'C:/x', 'a\0b']) {
      assert.equal(isConfinedPath(bad), false, JSON.stringify(bad));
    }
    assert.equal(isItemKey('file:../../etc/passwd'), false);
    assert.equal(isItemKey('file:src/a.ts'), true);
    assert.equal(isItemKey('snippet:'), false);
    assert.equal(isItemKey('extension:pub.name'), true);
  });
});
