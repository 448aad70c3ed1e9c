import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openStoreOrFallback } from '../../../src/feedback/openStore';

describe('openStoreOrFallback: storage that cannot be used never stops recording', () => {
  it('a file where the store folder should be: records into a temporary folder and says why, once', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'latent-open-'));
    try {
      const blocked = path.join(root, 'feedback');
      writeFileSync(blocked, 'not a folder');
      const told: string[] = [];
      const { store, fallbackReason } = await openStoreOrFallback(path.join(blocked, 'inner'), { onProblem: (m) => told.push(m) }, root);
      assert.ok(fallbackReason && /could not use its storage folder/.test(fallbackReason));
      assert.deepEqual(told, [fallbackReason]);
      assert.notEqual(store.dir, path.join(blocked, 'inner'));
      store.append({ t: 1, item: 'file:a.ts', kind: 'open', amount: 1 });
      await store.flush();
      assert.deepEqual((await store.events()).map((e) => e.item), ['file:a.ts']);
      await store.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a usable folder is used as is, with nothing to report', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'latent-open-'));
    try {
      const told: string[] = [];
      const { store, fallbackReason } = await openStoreOrFallback(path.join(root, 'feedback'), { onProblem: (m) => told.push(m) }, root);
      assert.equal(fallbackReason, undefined);
      assert.equal(store.dir, path.join(root, 'feedback'));
      assert.deepEqual(told, []);
      await store.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
