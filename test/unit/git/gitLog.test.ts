import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatentInputError } from '../../../src/core/errors';
import { commitsToSessions, gitLogArgs, isMechanicalCommit, MECHANICAL_WEIGHT, parseGitLog } from '../../../src/git/gitLog';
import type { Interaction } from '../../../src/core/interaction';
import { learnFromGit } from '../../../src/git/coldStart';
import {
  bootstrapFromGit,
  GIT_SESSIONS_FILE,
  GitSessionsFormatError,
  loadGitSessions,
  saveGitSessions,
} from '../../../src/git/gitImport';
import { GitBootstrapCancelledError, GitBootstrapError } from '../../../src/git/runGit';

// Byte-for-byte the shape `git log -z --name-only --format=%x1e%H%x1f%at%x1f%P` prints (captured from git 2.39).
const H1 = 'a'.repeat(40);
const H2 = 'b'.repeat(40);
const H3 = 'c'.repeat(40);
const FIXTURE =
  `\x1e${H1}\x1f1700000300\x1f${H2}\0\nsrc/a.ts\0src/dir with space/b.ts\0` +
  `\x1e${H3}\x1f1700000200\x1f${H2} ${H1}\0\nsrc/a.ts\0` + // a merge
  `\x1e${H2}\x1f1700000100\x1f\0\nREADME.md\0\u00fc.md\0`;

describe('git history (cold start)', () => {
  it('parses commits, parents and NUL-separated paths', () => {
    const commits = parseGitLog(FIXTURE);
    assert.equal(commits.length, 3);
    assert.deepEqual(commits[0], { hash: H1, time: 1700000300, parents: [H2], files: ['src/a.ts', 'src/dir with space/b.ts'] });
    assert.deepEqual(commits[1].parents, [H2, H1]);
    assert.deepEqual(commits[2], { hash: H2, time: 1700000100, parents: [], files: ['README.md', '\u00fc.md'] });
    // output cut short: the last (possibly partial) record is dropped
    assert.equal(parseGitLog(FIXTURE, false).length, 2);
    assert.throws(() => parseGitLog('\x1enot-a-hash\x1f1\x1f\0\nx\0'), LatentInputError);
  });

  it('makes one low-weight session per commit, skipping merges, bulk commits and excluded paths', () => {
    const commits = parseGitLog(FIXTURE);
    const s = commitsToSessions(commits, { maxFilesPerCommit: 50, weight: 0.25, isExcluded: (p) => p.endsWith('.md') });
    assert.equal(s.skippedMerges, 1);
    assert.equal(s.skippedEmpty, 1); // H2 had only .md files
    assert.equal(s.excludedFiles, 2);
    assert.equal(s.used, 1);
    assert.deepEqual(s.interactions, [
      { session: `git:${H1}`, item: 'file:src/a.ts', time: 1700000300, weight: 0.25 },
      { session: `git:${H1}`, item: 'file:src/dir with space/b.ts', time: 1700000300, weight: 0.25 },
    ]);
    const bulk = commitsToSessions(commits, { maxFilesPerCommit: 1 });
    assert.equal(bulk.skippedBulk, 2);
    assert.ok(bulk.interactions.every((x) => x.weight < 1), 'git sessions weigh less than an open (1)');
  });

  it('keeps version bumps and dependency updates at a tenth of a commit\'s weight, and only those', () => {
    const commit = (hash: string, files: string[]) => ({ hash, time: 1, parents: ['p'], files });
    const s = commitsToSessions(
      [
        commit('a1', ['package.json', 'package-lock.json', 'CHANGELOG.md']),
        commit('b2', ['web/package.json', 'web/yarn.lock']),
        commit('c3', ['package.json', 'src/index.ts']),
      ],
      { weight: 0.3 },
    );
    assert.equal(s.mechanical, 2);
    const weight = (session: string) => [...new Set(s.interactions.filter((x) => x.session === session).map((x) => x.weight))];
    assert.deepEqual(weight('git:a1'), [0.3 * MECHANICAL_WEIGHT]);
    assert.deepEqual(weight('git:b2'), [0.3 * MECHANICAL_WEIGHT]);
    assert.deepEqual(weight('git:c3'), [0.3], 'a manifest changed with source is real work');
    assert.equal(isMechanicalCommit(['README.md']), false);
    assert.equal(isMechanicalCommit([]), false);
  });
});

describe('git bootstrap against a real repository', function () {
  this.timeout(30000);
  let repo = '';
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  const commitFiles = (files: string[], msg: string, when: number): void => {
    for (const f of files) {
      mkdirSync(join(repo, f, '..'), { recursive: true });
      writeFileSync(join(repo, f), `${msg}\n`, { flag: 'a' });
    }
    git('add', '-A');
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', msg], {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_DATE: `${when} +0000`, GIT_COMMITTER_DATE: `${when} +0000` },
    });
  };

  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'latent-git-'));
    git('init', '-q', '-b', 'main');
    commitFiles(['src/a.ts', 'src/b.ts'], 'one', 1700000000);
    commitFiles(['src/a.ts', 'secret/key.txt'], 'two', 1700000100);
    commitFiles(['gen/1.js', 'gen/2.js', 'gen/3.js', 'gen/4.js'], 'bulk', 1700000200);
    git('checkout', '-q', '-b', 'side');
    commitFiles(['src/c.ts'], 'side', 1700000300);
    git('checkout', '-q', 'main');
    commitFiles(['src/b.ts'], 'main', 1700000400);
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'merge', '-q', '--no-edit', 'side'], {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_DATE: '1700000500 +0000', GIT_COMMITTER_DATE: '1700000500 +0000' },
    });
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('reads non-merge commits as sessions, skipping bulk commits and excluded paths', async () => {
    const r = await bootstrapFromGit({ cwd: repo, maxFilesPerCommit: 3, isExcluded: (p) => p.startsWith('secret/') });
    assert.equal(r.stoppedBy, 'done');
    assert.equal(r.commits, 5); // git's --no-merges already leaves the merge out
    assert.equal(r.skippedBulk, 1);
    assert.equal(r.excludedFiles, 1);
    assert.equal(r.used, 4);
    const bySession = new Map<string, string[]>();
    for (const x of r.interactions) bySession.set(x.session, [...(bySession.get(x.session) ?? []), x.item]);
    assert.deepEqual(
      [...bySession.values()].map((v) => v.sort().join(' ')).sort(),
      ['file:src/a.ts', 'file:src/a.ts file:src/b.ts', 'file:src/b.ts', 'file:src/c.ts'],
    );
    assert.ok(r.interactions.some((x) => x.time === 1700000000));
  });

  it('reads only the most recent N commits', async () => {
    const r = await bootstrapFromGit({ cwd: repo, maxCommits: 2 });
    assert.equal(r.commits, 2);
    assert.deepEqual([...new Set(r.interactions.map((x) => x.time))].sort(), [1700000300, 1700000400]);
  });

  it('stops at the size limit and keeps only complete commits', async () => {
    const r = await bootstrapFromGit({ cwd: repo, maxBytes: 1 });
    assert.equal(r.stoppedBy, 'size');
    assert.ok(r.commits < 5);
  });

  it('saves an import next to the store and loads it back; a corrupt file is an error, a missing one is empty', async () => {
    const r = await bootstrapFromGit({ cwd: repo });
    const dir = mkdtempSync(join(tmpdir(), 'latent-store-'));
    try {
      assert.deepEqual(await loadGitSessions(dir), []);
      await saveGitSessions(dir, r.interactions);
      const back = await loadGitSessions(dir);
      const key = (x: Interaction): string => `${x.session} ${x.item} ${x.time} ${x.weight}`;
      assert.deepEqual(back.map(key).sort(), r.interactions.map(key).sort());
      writeFileSync(join(dir, GIT_SESSIONS_FILE), '{"format":"latent-git-sessions","version":1,"sessions":[["s",1,0,["a"]]]}');
      await assert.rejects(loadGitSessions(dir), GitSessionsFormatError);
      writeFileSync(join(dir, GIT_SESSIONS_FILE), '{trunc');
      await assert.rejects(loadGitSessions(dir), GitSessionsFormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is cancellable and reports a folder outside any repository', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(bootstrapFromGit({ cwd: repo, signal: ac.signal }), GitBootstrapCancelledError);
    const outside = mkdtempSync(join(tmpdir(), 'latent-nogit-'));
    try {
      await assert.rejects(bootstrapFromGit({ cwd: outside, gitPath: 'git' }), GitBootstrapError);
      await assert.rejects(bootstrapFromGit({ cwd: repo, gitPath: '/nonexistent/git' }), /git executable not found/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('git bootstrap of a folder inside a larger repository (monorepo)', function () {
  this.timeout(30000);
  let repo = '';
  let store = '';
  const commitFiles = (files: string[], msg: string, when: number): void => {
    for (const f of files) {
      mkdirSync(join(repo, f, '..'), { recursive: true });
      writeFileSync(join(repo, f), `${msg}\n`, { flag: 'a' });
    }
    const env = { ...process.env, GIT_AUTHOR_DATE: `${when} +0000`, GIT_COMMITTER_DATE: `${when} +0000` };
    execFileSync('git', ['add', '-A'], { cwd: repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', msg], { cwd: repo, env });
  };

  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'latent-mono-'));
    store = mkdtempSync(join(tmpdir(), 'latent-mono-store-'));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    // The opened folder is web/: its three commits are the oldest; one also touches the shared lib/.
    commitFiles(['web/a.ts', 'web/b.ts'], 'web 1', 1700000000);
    commitFiles(['web/b.ts', 'web/c.ts'], 'web 2', 1700000100);
    commitFiles(['web/a.ts', 'lib/shared.ts'], 'web 3 + lib', 1700000200);
    // Then a busy neighbour: six newer commits that never touch web/, and a bulk change across the repository.
    for (let i = 0; i < 6; i++) commitFiles([`api/r${i}.ts`, 'api/db.ts'], `api ${i}`, 1700001000 + i * 100);
    commitFiles(['web/a.ts', ...Array.from({ length: 60 }, (_, i) => `api/gen${i}.ts`)], 'format everything', 1700002000);
  });
  after(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(store, { recursive: true, force: true });
  });

  it('passes the folder as a pathspec and still lists whole commits', () => {
    const args = gitLogArgs(5);
    assert.deepEqual(args.slice(-2), ['--', '.']);
    assert.ok(args.includes('--full-diff'));
    assert.deepEqual(gitLogArgs(5, ['a', 'b']).slice(-3), ['--', 'a', 'b']);
    assert.throws(() => gitLogArgs(5, []), LatentInputError);
    assert.throws(() => gitLogArgs(5, ['']), LatentInputError);
  });

  it("reads the newest N commits that touch the opened folder, not the repository's newest N", async () => {
    const r = await bootstrapFromGit({ cwd: join(repo, 'web'), maxCommits: 3 });
    assert.equal(r.commits, 3);
    // the bulk commit (61 files in all, 1 in web/) is judged on the whole commit: skipped
    assert.equal(r.skippedBulk, 1);
    assert.deepEqual([...new Set(r.interactions.map((x) => x.time))].sort(), [1700000100, 1700000200]);
    // --full-diff: a commit's files outside the folder are still listed (root-relative), for the caller to drop
    assert.ok(r.interactions.some((x) => x.item === 'file:lib/shared.ts'));
    // at the top of the repository '.' is everything: the newest commits whichever folder they touch
    const top = await bootstrapFromGit({ cwd: repo, maxCommits: 3 });
    assert.ok(top.interactions.every((x) => x.time >= 1700001400), 'the newest three are the api commits and the bulk one');
  });

  it('learnFromGit on the subfolder learns all of its commits with a small limit, paths relative to it', async () => {
    const o = await learnFromGit({ folder: join(repo, 'web'), trusted: true, isExcluded: () => false, maxCommits: 4, storeDir: store });
    assert.equal(o.kind, 'learned');
    if (o.kind !== 'learned') return;
    assert.equal(o.commits, 4, 'the bulk commit and the three web commits; no api-only commit');
    assert.equal(o.used, 3);
    assert.equal(o.skippedBulk, 1);
    assert.equal(o.excludedFiles, 0, 'lib/shared.ts lies outside the folder: dropped, not counted as excluded');
    const items = [...new Set((await loadGitSessions(store)).map((x) => x.item))].sort();
    assert.deepEqual(items, ['file:a.ts', 'file:b.ts', 'file:c.ts']);
  });
});
