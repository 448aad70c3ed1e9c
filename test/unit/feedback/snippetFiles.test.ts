// Snippet files are read safely: regular files only (a FIFO, a device behind a symlink, a folder are refused without
// being opened), at most MAX_SNIPPET_FILE_BYTES each, asynchronously, each problem reported once; workspace snippet
// files are not read in an untrusted workspace. Real FIFOs and /dev/zero: nothing here may hang or eat memory.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  MAX_SNIPPET_FILE_BYTES,
  SnippetFileError,
  loadSnippets,
  readSnippetFile,
  snippetFilesIn,
  workspaceSnippetFiles,
} from '../../../src/feedback/snippets';

const GOOD = '{ "Todo": { "prefix": "todo", "body": "// TODO(me): $0" } }';

/** Makes a FIFO with the system's mkfifo; false when there is none (then only the FIFO assertions are skipped). */
function makeFifo(p: string): boolean {
  try {
    execFileSync('mkfifo', [p], { stdio: 'ignore' });
    return fs.statSync(p).isFIFO();
  } catch {
    return false;
  }
}

describe('feedback: snippet files are read safely', function () {
  this.timeout(5000); // each test must finish quickly; a hang on the FIFO or /dev/zero fails here, not after 20 s

  let dir: string;
  let hasFifo = false;
  const hasDevZero = fs.existsSync('/dev/zero');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-snipfiles-'));
    fs.writeFileSync(path.join(dir, 'a-good.code-snippets'), GOOD);
    hasFifo = makeFifo(path.join(dir, 'fifo.code-snippets'));
    if (hasDevZero) fs.symlinkSync('/dev/zero', path.join(dir, 'zero.code-snippets'));
    // Over the cap, and valid JSON: it must be refused for its size, not for its content.
    const big = `{ "Big": { "prefix": "big", "body": "${'x'.repeat(MAX_SNIPPET_FILE_BYTES + 10)}" } }`;
    fs.writeFileSync(path.join(dir, 'big.code-snippets'), big);
    fs.mkdirSync(path.join(dir, 'folder.code-snippets'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the good file next to a FIFO, a symlink to /dev/zero, a file over the cap and a folder, and reports each of them', async () => {
    const files = await snippetFilesIn(dir, 'workspace', false);
    const names = files.map((f) => path.basename(f.path));
    if (hasFifo) assert.ok(names.includes('fifo.code-snippets'));
    const problems: string[] = [];
    const t = Date.now();
    const loaded = await loadSnippets(files, (m) => problems.push(m));
    const ms = Date.now() - t;
    assert.deepEqual(loaded.map((d) => d.item), ['snippet:workspace/Todo']);
    const problemFor = (name: string): string | undefined => problems.find((p) => p.includes(path.join(dir, name)));
    assert.match(problemFor('big.code-snippets') ?? '', /more than the 1\.0 MiB Latent reads from one snippet file/);
    assert.match(problemFor('folder.code-snippets') ?? '', /it is a folder, not a regular file/);
    if (hasDevZero) assert.match(problemFor('zero.code-snippets') ?? '', /it is a device, not a regular file/);
    if (hasFifo) assert.match(problemFor('fifo.code-snippets') ?? '', /it is a named pipe \(FIFO\), not a regular file/);
    else console.log('      (mkfifo not available: the FIFO assertion was skipped)');
    assert.equal(problems.length, 2 + (hasDevZero ? 1 : 0) + (hasFifo ? 1 : 0), problems.join('\n'));
    assert.ok(ms < 1000, `loading took ${ms} ms`);
  });

  it('reports a file that stays bad once across reloads when given the reported set', async () => {
    const files = await snippetFilesIn(dir, 'workspace', false);
    const reported = new Set<string>();
    const problems: string[] = [];
    await loadSnippets(files, (m) => problems.push(m), { reported });
    const first = problems.length;
    assert.ok(first >= 2);
    const again = await loadSnippets(files, (m) => problems.push(m), { reported });
    assert.equal(problems.length, first, 'the second reload reported nothing new');
    assert.deepEqual(again.map((d) => d.item), ['snippet:workspace/Todo'], 'the good file still loads');
    // A new problem with the same file (it changed) is reported.
    fs.writeFileSync(path.join(dir, 'a-good.code-snippets'), '{ "x": ');
    await loadSnippets(files, (m) => problems.push(m), { reported });
    assert.equal(problems.length, first + 1);
    assert.match(problems[first], /a-good\.code-snippets/);
  });

  it('readSnippetFile refuses each bad kind with a typed error and reads a file at exactly the cap', async () => {
    const bad = ['big.code-snippets', 'folder.code-snippets', ...(hasDevZero ? ['zero.code-snippets'] : []), ...(hasFifo ? ['fifo.code-snippets'] : [])];
    for (const name of bad) await assert.rejects(readSnippetFile(path.join(dir, name)), SnippetFileError, name);
    const exact = path.join(dir, 'exact.json');
    fs.writeFileSync(exact, 'y'.repeat(100));
    assert.equal((await readSnippetFile(exact, 100)).length, 100);
    await assert.rejects(readSnippetFile(exact, 99), /it is 100 bytes, more than the 99 bytes Latent reads/);
    // A symlink to a good regular file is read like the file.
    fs.symlinkSync(path.join(dir, 'a-good.code-snippets'), path.join(dir, 'link.code-snippets'));
    assert.equal(await readSnippetFile(path.join(dir, 'link.code-snippets')), GOOD);
  });

  it('reads asynchronously: the event loop keeps turning while a file near the cap is read', async () => {
    const near = path.join(dir, 'near.code-snippets');
    fs.writeFileSync(near, `{ "Near": { "prefix": "near", "body": "${'z'.repeat(MAX_SNIPPET_FILE_BYTES - 100)}" } }`);
    let ticks = 0;
    let running = true;
    const spin = (): void => {
      ticks++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const loaded = await loadSnippets([{ path: near, source: 'workspace' }]);
    running = false;
    assert.deepEqual(loaded.map((d) => d.name), ['Near']);
    assert.ok(ticks > 1, `the event loop turned ${ticks} times during the read`);
  });

  it('workspace snippet files are listed only in a trusted workspace', async () => {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.vscode', 'team.code-snippets'), GOOD);
    assert.deepEqual(await workspaceSnippetFiles([ws], false), []);
    const trusted = await workspaceSnippetFiles([ws], true);
    assert.deepEqual(trusted.map((f) => [path.basename(f.path), f.source]), [['team.code-snippets', 'workspace']]);
  });
});
