import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../../src/cli';
import { deserializeRecommender } from '../../src/core/recommender';
import { syntheticHistory } from '../../src/eval/synthetic';

/** Runs the CLI in-process and returns its exit code and what it printed. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('cli (eval, recommend)', function () {
  this.timeout(60000);
  let dir = '';
  let csv = '';
  let sessions = 0;
  let known = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'latent-cli-'));
    csv = join(dir, 'toy.csv');
    const rows = syntheticHistory({ sessions: 300, folders: 8, areas: 5, seed: 'cli' });
    sessions = new Set(rows.map((r) => r.session)).size;
    known = rows[rows.length - 1].item;
    writeFileSync(csv, 'session_id,item,timestamp\n' + rows.map((r) => `${r.session},${r.item},${r.time}`).join('\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('eval leaves latent.neverRecommend items out of the ranking unless --all-items', async () => {
    // The toy history plus a lockfile in every session: the most used item of all.
    const locked = join(dir, 'locked.csv');
    const rows = syntheticHistory({ sessions: 300, folders: 8, areas: 5, seed: 'cli' });
    const lines = rows.map((r) => `${r.session},${r.item},${r.time}`);
    for (const id of new Set(rows.map((r) => r.session))) lines.push(`${id},package-lock.json,${rows.find((r) => r.session === id)?.time ?? 0}`);
    writeFileSync(locked, 'session_id,item,timestamp\n' + lines.join('\n'));
    type Report = { dataset: Record<string, number>; methods: Array<{ method: string; ndcg10: number }> };
    const byDefault = JSON.parse((await run(['eval', '--sessions', locked, '--methods', 'popularity', '--json'])).out) as Report;
    const all = JSON.parse((await run(['eval', '--sessions', locked, '--methods', 'popularity', '--all-items', '--json'])).out) as Report;
    assert.equal(byDefault.dataset.neverRecommendItems, 1);
    assert.equal(all.dataset.neverRecommendItems, 0);
    // --all-items counts the lockfile's own cases (popularity ranks it first in each: easy hits).
    assert.ok(all.dataset.testCases > byDefault.dataset.testCases, JSON.stringify([all.dataset, byDefault.dataset]));
    assert.ok(all.methods[0].ndcg10 !== byDefault.methods[0].ndcg10);
    // recommend too: the lockfile, in every session, tops the list only with --all-items.
    type Recs = { recommendations: Array<{ item: string }> };
    const ctx = rows[rows.length - 1].item;
    const recs = JSON.parse((await run(['recommend', '--sessions', locked, '--context', ctx, '--n', '20', '--json'])).out) as Recs;
    const recsAll = JSON.parse((await run(['recommend', '--sessions', locked, '--context', ctx, '--n', '20', '--all-items', '--json'])).out) as Recs;
    assert.ok(!recs.recommendations.some((r) => r.item === 'package-lock.json'));
    assert.ok(recsAll.recommendations.some((r) => r.item === 'package-lock.json'));
  });

  it('eval --json prints exactly the documented object, methods in order', async () => {
    const r = await run(['eval', '--sessions', csv, '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { dataset: Record<string, number>; methods: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(j).sort(), ['dataset', 'methods']);
    assert.deepEqual(Object.keys(j.dataset).sort(), ['items', 'neverRecommendItems', 'testCases', 'trainSessions']);
    assert.equal(j.dataset.trainSessions, Math.floor(sessions * 0.8));
    assert.deepEqual(
      j.methods.map((m) => m.method),
      ['popularity', 'mru', 'frecency', 'cooccurrence', 'ease', 'ials', 'mf', 'latent'],
    );
    for (const m of j.methods) {
      const keys = Object.keys(m).filter((k) => k !== 'details').sort();
      assert.deepEqual(keys, ['evalSeconds', 'fitSeconds', 'hr1', 'hr10', 'hr3', 'method', 'mrr', 'ndcg10']);
      for (const k of ['hr1', 'hr3', 'hr10', 'ndcg10', 'mrr'] as const) {
        const v = m[k] as number;
        assert.ok(v >= 0 && v <= 1, `${String(m.method)} ${k} = ${v}`);
      }
    }
  });

  it('eval run as a user runs it (its entry sets V8 heap flags for a small footprint) reports what main() reports', async () => {
    const cli = join(__dirname, '..', '..', 'src', 'cli.js');
    type Report = { dataset: Record<string, number>; methods: Array<Record<string, unknown>> };
    const argv = ['eval', '--sessions', csv, '--methods', 'popularity,cooccurrence,latent', '--json'];
    const entry = JSON.parse(execFileSync(process.execPath, [cli, ...argv], { encoding: 'utf8' })) as Report;
    const inProcess = JSON.parse((await run(argv)).out) as Report;
    const metrics = (r: Report): unknown[] => r.methods.map((m) => [m.method, m.hr1, m.hr3, m.hr10, m.ndcg10, m.mrr]);
    assert.deepEqual(entry.dataset, inProcess.dataset);
    assert.deepEqual(metrics(entry), metrics(inProcess));
    assert.equal(entry.methods.length, 3);
  });

  it('bench --only train1M trains in the worker on every interaction and keeps the model it trained (--model-out)', async () => {
    const modelOut = join(dir, 'train1M-model.json');
    const r = await run(['bench', '--only', 'train1M', '--interactions', '20000', '--model-out', modelOut, '--json']);
    assert.equal(r.code, 0, r.err);
    const f = (JSON.parse(r.out) as { scale: { train1M: { wallMs: number; peakExtraMB: number; events: number; items: number } } }).scale.train1M;
    assert.equal(f.events, 20000);
    assert.equal(f.items, 200);
    assert.ok(f.wallMs > 0 && Number.isFinite(f.peakExtraMB), JSON.stringify(f));
    const model = deserializeRecommender(readFileSync(modelOut, 'utf8'));
    assert.equal(model.stats.interactions, 20000);
    assert.equal(model.items.length, 200);
  });

  it('eval --protocol replay over processes (--jobs 2) reports what one process reports, methods in order', () => {
    // The compiled CLI, as a user runs it: its shares are this same file run again.
    const cli = join(__dirname, '..', '..', 'src', 'cli.js');
    type Report = { dataset: Record<string, number>; methods: Array<Record<string, unknown>> };
    const replay = (jobs: string): Report =>
      JSON.parse(execFileSync(process.execPath, [cli, 'eval', '--sessions', csv, '--protocol', 'replay', '--methods', 'latent,mru,ease,popularity', '--retrain-every', '400', '--jobs', jobs, '--json'], { encoding: 'utf8' })) as Report;
    const one = replay('1');
    const two = replay('2');
    assert.deepEqual(two.dataset, one.dataset);
    assert.deepEqual(two.methods.map((m) => m.method), ['popularity', 'mru', 'ease', 'latent']);
    const metrics = (r: Report): unknown[] => r.methods.map((m) => [m.method, m.hr1, m.hr3, m.hr10, m.ndcg10, m.mrr, m.retrains]);
    assert.deepEqual(metrics(two), metrics(one));
    // A share that fails fails the whole replay, with its own message and which share it was.
    const bad = spawnSync(process.execPath, [cli, 'eval', '--sessions', csv, '--protocol', 'replay', '--methods', 'mru,mf', '--mf', 'factors=-1', '--jobs', '2'], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /the replay of mf failed: latent: .*factors/);
    assert.equal(bad.stdout, '');
  });

  it('eval --git --protocol replay over processes: the shares replay the history the parent imported', () => {
    const repo = join(dir, 'replay-repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    const git = (...a: string[]): void => void execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo });
    git('init', '-q');
    for (let c = 0; c < 40; c++) {
      for (const f of [`src/f${c % 5}.ts`, `src/g${(c * 3) % 7}.ts`]) writeFileSync(join(repo, f), `${c}\n`);
      git('add', '-A');
      git('commit', '-q', '-m', `c${c}`, '--date', `${1_700_000_000 + c * 3600} +0000`);
    }
    const cli = join(__dirname, '..', '..', 'src', 'cli.js');
    type Report = { dataset: Record<string, number>; methods: Array<Record<string, unknown>> };
    const replay = (jobs: string): Report =>
      JSON.parse(execFileSync(process.execPath, [cli, 'eval', '--git', repo, '--protocol', 'replay', '--methods', 'latent,mru,popularity', '--jobs', jobs, '--json'], { encoding: 'utf8' })) as Report;
    const one = replay('1');
    const two = replay('2');
    assert.ok(one.dataset.testCases > 0, JSON.stringify(one.dataset));
    assert.deepEqual(two.dataset, one.dataset);
    const metrics = (r: Report): unknown[] => r.methods.map((m) => [m.method, m.hr1, m.hr3, m.hr10, m.ndcg10, m.mrr]);
    assert.deepEqual(metrics(two), metrics(one));
  });

  it('eval names an unknown method instead of leaving it out', async () => {
    const r = await run(['eval', '--sessions', csv, '--methods', 'mru,latnet', '--json']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown method\(s\) latnet; --methods takes popularity, mru/);
    assert.equal(r.out, '');
  });

  it('eval prints a table with the margin line; recommend lists items for a context', async () => {
    const t = await run(['eval', '--sessions', csv]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /latent vs best baseline \((popularity|mru|frecency|cooccurrence|ease)\): NDCG@10/);
    const fresh = known.replace(/[^/]+$/, 'brand-new.ts');
    const r = await run(['recommend', '--sessions', csv, '--context', `${known},${fresh}`, '--n', '3', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {
      mode: string;
      unknownContext: string[];
      recommendations: Array<{ item: string }>;
      training: { epochs: number; losses: number[]; heldOut: { k: number; value: number | null; cases: number; reason?: string } };
    };
    assert.equal(j.training.losses.length, j.training.epochs);
    assert.equal(j.training.heldOut.k, 10);
    const hr = j.training.heldOut.value;
    assert.ok(hr === null ? typeof j.training.heldOut.reason === 'string' : hr >= 0 && hr <= 1, JSON.stringify(j.training.heldOut));
    assert.equal(j.mode, 'mf');
    assert.deepEqual(j.unknownContext, [fresh]);
    assert.equal(j.recommendations.length, 3);
    // As text, each score is written as the sum of its parts, and they add up (to the rounding of what is printed).
    const text = await run(['recommend', '--sessions', csv, '--context', known, '--n', '3']);
    assert.equal(text.code, 0, text.err);
    const rows = text.out.split('\n').filter((l) => /^\s+\d+\. /.test(l));
    assert.equal(rows.length, 3, text.out);
    for (const row of rows) {
      const m = /score (-?\d+\.\d{3}) = (.+?) \((mf|new|frecency)\)/.exec(row);
      assert.ok(m, row);
      const parts = m[2].split(' + ').map((t) => Number(/(-?\d+\.\d{3})$/.exec(t)?.[1]));
      assert.ok(parts.length >= 1 && parts.every(Number.isFinite), row);
      assert.ok(Math.abs(parts.reduce((a, b) => a + b, 0) - Number(m[1])) <= 0.001 * (parts.length + 1), row);
    }
  });

  it('recommend --git reads a repository\'s commits as sessions', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    const git = (...a: string[]): void => void execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo });
    git('init', '-q');
    for (let c = 0; c < 4; c++) {
      for (const f of ['src/a.ts', 'src/b.ts']) writeFileSync(join(repo, f), `${c}\n`);
      git('add', '-A');
      git('commit', '-q', '-m', `c${c}`);
    }
    writeFileSync(join(repo, 'README.md'), 'x\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'readme');
    const r = await run(['recommend', '--git', repo, '--context', 'src/a.ts', '--n', '2', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { mode: string; recommendations: Array<{ item: string }> };
    assert.equal(j.mode, 'frecency'); // 4 co-use sessions: too little to learn from, and it says so
    assert.deepEqual(j.recommendations.map((x) => x.item).sort(), ['README.md', 'src/b.ts']);
    const notRepo = await run(['eval', '--git', join(dir, 'no-repo-here')]);
    assert.equal(notRepo.code, 2);
  });

  it('eval --changelog reads a GNU ChangeLog (gzipped or not) as the same sessions a CSV of its changes gives', async () => {
    // The toy history's sessions as ChangeLog entries, a day each, newest first as ChangeLogs are written.
    const rows = syntheticHistory({ sessions: 120, folders: 6, areas: 4, seed: 'changelog' });
    const bySession = new Map<string, string[]>();
    for (const r of rows) bySession.set(r.session, [...(bySession.get(r.session) ?? []), r.item]);
    const sessionsInOrder = [...bySession.values()];
    const day0 = Date.UTC(2001, 0, 1) / 1000;
    const entries = sessionsInOrder.map((files, i) => {
      const date = new Date((day0 + i * 86_400) * 1000).toISOString().slice(0, 10);
      return `${date}  A Developer  <dev@example.org>\n\n\tchange ${i}\n${[...new Set(files)].map((f) => `\t* ${f} (fn): Change.`).join('\n')}\n`;
    });
    const text = entries.reverse().join('\n');
    const plain = join(dir, 'ChangeLog');
    const gz = join(dir, 'changelog.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    const asCsv = join(dir, 'changelog.csv');
    const lines = sessionsInOrder.flatMap((files, i) => [...new Set(files)].map((f) => `change-${i},${f},${day0 + i * 86_400}`));
    writeFileSync(asCsv, 'session_id,item,timestamp\n' + lines.join('\n'));
    const report = async (flag: string, file: string): Promise<string> => {
      const r = await run(['eval', flag, file, '--methods', 'popularity,cooccurrence', '--json']);
      assert.equal(r.code, 0, r.err);
      // Everything but the timings.
      return JSON.stringify(JSON.parse(r.out), (k, v: unknown) => (k === 'fitSeconds' || k === 'evalSeconds' ? undefined : v));
    };
    const fromCsv = await report('--sessions', asCsv);
    assert.equal(await report('--changelog', gz), fromCsv);
    assert.equal(await report('--changelog', plain), fromCsv);
    const none = await run(['eval', '--changelog', join(dir, 'no-such-changelog')]);
    assert.equal(none.code, 2);
    assert.match(none.err, /ChangeLog not found/);
  });

  it('exits 2 with a clear message on a missing file, a bad CSV or a bad command', async () => {
    const missing = await run(['eval', '--sessions', join(dir, 'nope.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /sessions file not found/);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n');
    const b = await run(['eval', '--sessions', bad]);
    assert.equal(b.code, 2);
    assert.match(b.err, /header/);
    assert.equal((await run(['frobnicate'])).code, 2);
    assert.equal((await run(['eval'])).code, 2);
    const noData = await run(['bench', '--data', join(dir, 'no-such-dir')]);
    assert.equal(noData.code, 2);
    assert.match(noData.err, /benchmark data missing/);
    const onlyWhat = await run(['bench', '--only', 'everything']);
    assert.equal(onlyWhat.code, 2);
    assert.match(onlyWhat.err, /--only takes "scale", "ml100k", "train1M" or "refit1M"/);
  });
});
