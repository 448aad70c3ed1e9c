// A data scientist's repository: notebooks committed with the Python helpers they use. A notebook is one file to
// Latent (time in any of its cells is time in the .ipynb), recommended like any other, and a recommended notebook
// opens in the notebook editor, not as its JSON.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { newRepository } from './gitRepository';
import { startCodeServer, until, type Session } from './harness';

/** Two areas of work: the exploration notebooks with the cleaning helper, the modelling ones with the model code. */
const CLEANING = ['notebooks/explore.ipynb', 'notebooks/outliers.ipynb', 'src/clean.py'];
const MODELLING = ['notebooks/train.ipynb', 'notebooks/evaluate.ipynb', 'src/model.py'];

function notebook(title: string, revision: number): string {
  const cell = (type: 'markdown' | 'code', source: string): object =>
    type === 'code' ? { cell_type: type, metadata: {}, source: [source], outputs: [], execution_count: null } : { cell_type: type, metadata: {}, source: [source] };
  return JSON.stringify({
    cells: [cell('markdown', `# ${title}`), cell('code', `import pandas as pd\nrevision = ${revision}`)],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

function write(workspace: string, rel: string, revision: number): void {
  const file = path.join(workspace, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, rel.endsWith('.ipynb') ? notebook(path.basename(rel, '.ipynb'), revision) : `REVISION = ${revision}\n`);
}

describe('Notebooks (code-server + Chromium)', function () {
  this.timeout(180_000);
  let s: Session | undefined;
  let root = '';
  after(async () => {
    await s?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('in a notebook, the notebooks and helpers committed with it come first, and a recommended notebook opens in the notebook editor', async () => {
    const repo = newRepository('ws-notebooks-', 'analysis', (ws) => mkdirSync(ws, { recursive: true }), 40);
    root = repo.root;
    for (let c = 0; c < 16; c++) {
      const files = c % 2 ? MODELLING : CLEANING;
      for (const f of files) write(repo.workspace, f, c);
      repo.clock.t += 3 * 3600;
      repo.git('add', '--', ...files);
      repo.git('commit', '-q', '-m', `work ${c}`);
    }
    const session = (s = await startCodeServer({ workspace: repo.workspace, settings: { 'latent.git.bootstrap': 'never' } }));
    await session.openView();
    await session.runCommand('Latent: Learn from Git History');
    await session.openFile('notebooks/explore.ipynb');
    // Once the model is trained and the notebook's open recorded, the ranking follows it: the open notebook leaves the
    // list (open files are not recommended) and the cleaning work comes first (before that, seen: recent use alone).
    const seen: string[] = [];
    await until(async () => {
      const r = await session.viewRows();
      seen.push(r.join(' | '));
      const at = (name: string): number => r.findIndex((t) => t.startsWith(name));
      const cleaning = Math.max(at('outliers.ipynb'), at('clean.py'));
      const modelling = Math.min(...['train.ipynb', 'evaluate.ipynb', 'model.py'].map(at).filter((i) => i >= 0));
      return at('outliers.ipynb') >= 0 && at('clean.py') >= 0 && at('explore.ipynb') < 0 && cleaning < modelling;
    }, 'the cleaning work first, without the open explore.ipynb', 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; last rows: ${seen.at(-1) ?? 'none'}`);
    });
    await session.screenshot('notebooks-tree');

    // A click opens the notebook in its editor (its cells rendered), not its JSON in a text editor.
    await session.openFromView('outliers.ipynb');
    // Its code cell's first line alone on a line of a cell's editor (in the JSON it sits inside "source": [...]). A
    // notebook editor is drawn over the editor group, not inside it, and one in a background tab is kept far off
    // screen (seen at x = -49921), so the line is looked for on screen.
    const page = session.page;
    const cellLines = page.locator('.view-line').filter({ hasText: /^import\spandas\sas\spd$/ });
    await until(async () => {
      const boxes = await Promise.all((await cellLines.all()).map((l) => l.boundingBox()));
      return boxes.some((b) => b !== null && b.x >= 0 && b.x < (page.viewportSize()?.width ?? 1400));
    }, 'the notebook\'s code cell on screen', 20_000);
    assert.equal(await page.locator('.view-line:visible').filter({ hasText: '"cell_type"' }).count(), 0, 'not shown as JSON');
    // Open, it leaves the recommendations (as an open text file does).
    await until(async () => !(await session.viewRows()).some((t) => t.startsWith('outliers.ipynb')), 'outliers.ipynb to leave the tree', 10_000);
    await page.mouse.move(900, 600); // no row's tooltip over the picture
    await session.screenshot('notebooks-opened');
  });
});
