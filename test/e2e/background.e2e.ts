// An automatic retrain is background work: after enough new activity Latent learns from it without a word, its
// progress in the status bar, never as a notification toast (the Retrain command, which someone asked for, shows one
// with Cancel: quickPick.e2e and extensions.e2e wait for it to close).
import * as assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, until, type Session } from './harness';
import { findStoreDir, history } from './sampleWorkspace';

describe('An automatic retrain (code-server + Chromium)', function () {
  this.timeout(180_000);
  let s: Session;
  before(async () => {
    // A few file opens make a run due (the default is 50 events); it starts once activity has been quiet for 10 s, and
    // focused time stops counting 5 s after the last action (idleSeconds), so the quiet comes soon.
    s = await startCodeServer({ settings: { 'latent.retrainAfterEvents': 3, 'latent.idleSeconds': 5 } });
  });
  after(async () => {
    await s?.close();
  });

  it('learns from new activity with no notification, and recommends from the model it saved', async () => {
    await s.openView();
    await s.waitForWelcome(/Nothing has been learned here yet/);
    const storeDir = await until(async () => findStoreDir(s.server.userDataDir), 'the feedback store folder');
    writeFileSync(path.join(storeDir, 'journal-e2ehistory-0.jsonl'), history(24));
    const model = path.join(storeDir, 'model.json');
    assert.equal(existsSync(model), false, 'no model before the activity');

    // Open files are not recommended: two backend files, then app.ts, whose UI neighbours the model should rank.
    for (const file of ['src/api/routes.ts', 'src/store/tasks.ts', 'src/ui/app.ts']) await s.openFile(file);
    // Every toast shown until the automatic run has saved its model (polled well under a toast's life on screen).
    const toasts = new Set<string>();
    await until(
      async () => {
        for (const t of await s.notifications()) toasts.add(t);
        return existsSync(model);
      },
      'the automatic retrain to save a model',
      90_000,
    );
    for (const t of await s.notifications()) toasts.add(t);
    assert.ok(![...toasts].some((t) => /training recommendations/i.test(t)), `no training notification; toasts seen: ${[...toasts].join(' | ') || 'none'}`);
    // The trained model ranks the files used with app.ts (the UI area of the past sessions) in the tree.
    await until(async () => (await s.viewRows()).some((t) => t.startsWith('list.ts')), 'list.ts among the recommendations', 30_000);
    await s.screenshot('background-retrain');
  });
});
