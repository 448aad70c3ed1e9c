import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatentInputError } from '../../../src/core/errors';
import { commitsToSessions, commitsToSessionsSteps, gitLogArgs, isMechanicalCommit, MECHANICAL_WEIGHT, parseGitLog, parseGitLogSteps } from '../../../src/git/gitLog';
import { finishSteps, type Steps } from '../../../src/core/train';
import type { Interaction } from '../../../src/core/interaction';
import { describeOutcome, learnFromGit } from '../../../src/git/coldStart';
import {
  bootstrapFromGit,
  GIT_SESSIONS_FILE,
  GitSessionsFormatError,
  gitSessionsTextSteps,
  loadGitSessions,
  saveGitSessions,
} from '../../../src/git/gitImport';
import { GitBootstrapCancelledError, GitBootstrapError } from '../../../src/git/runGit';

// Byte-for-byte the shape `git log -z --find-renames --name-status --format=%x1e%H%x1f%at%x1f%P` prints (checked
// against git 2.39): a status token (R and C with a score), then one path, two for R and C.
const H1 = 'a'.repeat(40);
const H2 = 'b'.repeat(40);
const H3 = 'c'.repeat(40);
const FIXTURE =
  `\x1e${H1}\x1f1700000300\x1f${H2}\0\nM\0src/a.ts\0A\0src/dir with space/b.ts\0` +
  `\x1e${H3}\x1f1700000200\x1f${H2} ${H1}\0\nM\0src/a.ts\0` + // a merge
  `\x1e${H2}\x1f1700000100\x1f\0\nA\0README.md\0A\0\u00fc.md\0`;

describe('git history (cold start)', () => {
  it('parses commits, parents and NUL-separated paths', () => {
    const commits = parseGitLog(FIXTURE);
    assert.equal(commits.length, 3);
    assert.deepEqual(commits[0], { hash: H1, time: 1700000300, parents: [H2], files: ['src/a.ts', 'src/dir with space/b.ts'], renames: [] });
    assert.deepEqual(commits[1].parents, [H2, H1]);
    assert.deepEqual(commits[2], { hash: H2, time: 1700000100, parents: [], files: ['README.md', '\u00fc.md'], renames: [] });
    // output cut short: the last (possibly partial) record is dropped, wherever the cut falls
    for (let end = 0; end <= FIXTURE.length; end++) {
      const n = parseGitLog(FIXTURE.slice(0, end), false).length;
      assert.ok(n <= 2, `cut at ${end}: ${n} commits`);
    }
    assert.equal(parseGitLog(FIXTURE, false).length, 2);
    assert.throws(() => parseGitLog('\x1enot-a-hash\x1f1\x1f\0\nM\0x\0'), LatentInputError);
    assert.throws(() => parseGitLog(`\x1e${H1}\x1f1\x1f\0\n?\0x\0`), LatentInputError, 'an unknown status');
    assert.throws(() => parseGitLog(`\x1e${H1}\x1f1\x1f\0\nR100\0x\0`), LatentInputError, 'a rename without its new path');
  });

  it('reads renames and copies as their new path, whatever characters the paths hold', () => {
    // Paths with a newline, a tab, a quote, a status-like name and the record separator itself: taken by count.
    const odd = ['dir/new\nline.ts', 'tab\there.ts', 'quote"d \u00e9.ts', 'M', '\x1eweird.ts'];
    const text =
      `\x1e${H1}\x1f1700000300\x1f${H2}\0\nR100\0old name.ts\0${odd[0]}\0C075\0src/a.ts\0${odd[1]}\0M\0${odd[2]}\0A\0${odd[3]}\0` +
      `R087\0${odd[4]}\0moved/${odd[4]}\0` +
      `\x1e${H2}\x1f1700000100\x1f\0\nT\0link\0D\0deleted.ts\0`;
    const [c1, c2] = parseGitLog(text);
    assert.deepEqual(c1?.files, [odd[0], odd[1], odd[2], odd[3], `moved/${odd[4]}`]);
    assert.deepEqual(c1?.renames, [
      { from: 'old name.ts', to: odd[0] },
      { from: odd[4], to: `moved/${odd[4]}` },
    ], 'a copy (C) is its new path only, not a rename');
    assert.deepEqual(c2?.files, ['link'], 'a deleted path is not a file of the commit');
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
    const commit = (hash: string, files: string[]) => ({ hash, time: 1, parents: ['p'], files, renames: [] });
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

  it('writes git-sessions.json in steps, the JSON of the whole import with one session per line', () => {
    const interactions: Interaction[] = [];
    for (let c = 0; c < 700; c++) {
      for (let f = 0; f < 1 + (c % 4); f++) interactions.push({ session: `git:${c}`, item: `file:src/"q"\u00e9/f${f}\n.ts`, time: 1_600_000_000 + c, weight: c % 5 ? 0.3 : 0.03 });
    }
    const expected = (rows: Interaction[]): string => {
      const sessions = new Map<string, [string, number, number, string[]]>();
      for (const x of rows) {
        const s = sessions.get(x.session) ?? [x.session, x.time, x.weight, []];
        s[3].push(x.item);
        sessions.set(x.session, s);
      }
      return JSON.stringify({ format: 'latent-git-sessions', version: 1, importedAt: 42, sessions: [...sessions.values()] });
    };
    const steps = gitSessionsTextSteps(interactions, 42);
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    const text = r.value.join('');
    assert.equal(JSON.stringify(JSON.parse(text)), expected(interactions));
    // The head, the 700 sessions (the names' line breaks escaped), the close.
    const lines = text.split('\n');
    assert.equal(lines.length, 702);
    assert.equal(lines[701], ']}');
    assert.ok(yields >= 2, `yielded ${yields} times`);
    assert.equal(finishSteps(gitSessionsTextSteps([], 42)).join(''), expected([]));
  });

  it('parses a long history and makes its sessions in steps (yield points for the host), same result as in one go', () => {
    // 3,000 commits, a rename every 100th and one bulk commit of 3,000 files: the steps must yield inside it too.
    const hash = (c: number): string => c.toString(16).padStart(40, '0');
    let text = '';
    for (let c = 2999; c >= 0; c--) {
      text += `\x1e${hash(c)}\x1f${1_600_000_000 + c}\x1f${c > 0 ? hash(c - 1) : ''}\0\n`;
      if (c === 1500) for (let f = 0; f < 3000; f++) text += `M\0bulk/f${f}.ts\0`;
      else if (c % 100 === 0) text += `R100\0src/f${c % 7}.ts\0src/g${c}.ts\0`;
      else text += `M\0src/f${c % 7}.ts\0A\0src/h${c}.ts\0`;
    }
    // Runs the steps to the end, counting the yield points (where the host's loop would get a turn).
    const drive = <T>(steps: Steps<T>): { value: T; yields: number } => {
      for (let yields = 0; ; yields++) {
        const r = steps.next();
        if (r.done) return { value: r.value, yields };
      }
    };
    const parsed = drive(parseGitLogSteps(text));
    assert.deepEqual(parsed.value, parseGitLog(text));
    assert.equal(parsed.value.length, 3000);
    assert.ok(parsed.yields >= 10, `parse yielded ${parsed.yields} times`);
    const bulkOnly = text.slice(text.indexOf(`\x1e${hash(1500)}`), text.indexOf(`\x1e${hash(1499)}`));
    assert.ok(drive(parseGitLogSteps(bulkOnly)).yields >= 2, 'one commit of 3,000 files is read in several steps');
    const cut = drive(parseGitLogSteps(text.slice(0, text.length - 20), false));
    assert.deepEqual(cut.value, parseGitLog(text.slice(0, text.length - 20), false), 'cut short: the same commits either way');
    const opts = { maxFilesPerCommit: 50, isExcluded: (p: string) => p.endsWith('f3.ts') };
    const sessions = drive(commitsToSessionsSteps(parsed.value, opts));
    assert.deepEqual(sessions.value, commitsToSessions(parsed.value, opts));
    assert.equal(sessions.value.skippedBulk, 1);
    assert.ok(sessions.value.interactions.some((x) => x.item === 'file:src/g2900.ts'), 'renamed files are named as at HEAD');
    assert.ok(sessions.yields >= 5, `sessions yielded ${sessions.yields} times`);
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

describe('git bootstrap follows renames and leaves out deleted files (real repository)', function () {
  this.timeout(30000);
  let repo = '';
  let store = '';
  let clock = 1_700_000_000;
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_DATE: `${clock} +0000`, GIT_COMMITTER_DATE: `${clock} +0000` },
    });
  const edit = (files: string[], msg: string): void => {
    for (const f of files) {
      mkdirSync(join(repo, f, '..'), { recursive: true });
      // a few stable lines, so an edited file stays similar enough for rename detection
      writeFileSync(join(repo, f), `${f}\n1\n2\n3\n4\n5\n${msg}\n`, { flag: 'a' });
    }
    git('add', '-A');
    clock += 60;
    git('commit', '-q', '-m', msg);
  };
  const move = (pairs: Array<[string, string]>, msg: string): void => {
    for (const [from, to] of pairs) {
      mkdirSync(join(repo, to, '..'), { recursive: true });
      git('mv', from, to);
    }
    clock += 60;
    git('commit', '-q', '-m', msg);
  };
  const sessions = (interactions: readonly Interaction[]): string[] => {
    const by = new Map<string, string[]>();
    for (const x of interactions) by.set(x.session, [...(by.get(x.session) ?? []), x.item.slice('file:'.length)]);
    return [...by.values()].map((v) => v.sort().join(' | ')).sort();
  };
  const ODD_OLD = 'odd dir/\u00fcber "quoted".ts';
  const ODD_NEW = 'odd dir/\u00e9t\u00e9\ttab\nnewline "q".ts';

  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'latent-renames-'));
    store = mkdtempSync(join(tmpdir(), 'latent-renames-store-'));
    git('init', '-q', '-b', 'main');
    edit(['src/old.ts', 'src/peer.ts'], 'one');
    edit(['src/old.ts', 'src/peer.ts', 'src/gone.ts'], 'two');
    edit([ODD_OLD, 'src/peer.ts'], 'odd');
    edit(['lib/a.ts', 'lib/b.ts', 'lib/c.ts', 'lib/d.ts'], 'lib');
    edit(['lib/a.ts', 'lib/b.ts'], 'lib ab');
    move([['src/old.ts', 'src/new.ts']], 'rename');
    move([[ODD_OLD, ODD_NEW]], 'rename odd');
    // a moved folder: four renames, a bulk commit with maxFilesPerCommit 3, yet its renames still name the files
    move([['lib/a.ts', 'core/a.ts'], ['lib/b.ts', 'core/b.ts'], ['lib/c.ts', 'core/c.ts'], ['lib/d.ts', 'core/d.ts']], 'move lib');
    edit(['src/new.ts', 'core/a.ts'], 'after');
    git('rm', '-q', 'src/gone.ts');
    clock += 60;
    git('commit', '-q', '-m', 'delete gone');
    // a path reused after its file moved away keeps its own, later, history
    edit(['lib/a.ts'], 'a new lib/a.ts');
  });
  after(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(store, { recursive: true, force: true });
  });

  it('counts history before a rename under the name at HEAD, and leaves out a deleted file', async () => {
    const r = await bootstrapFromGit({ cwd: repo, maxFilesPerCommit: 3 });
    assert.equal(r.stoppedBy, 'done');
    assert.equal(r.skippedBulk, 2, 'the lib commit (4 files) and the folder move');
    assert.equal(r.notAtHead, 1, 'src/gone.ts');
    assert.deepEqual(sessions(r.interactions), [
      'core/a.ts | core/b.ts',
      'core/a.ts | src/new.ts',
      'lib/a.ts',
      `${ODD_NEW}`,
      `${ODD_NEW} | src/peer.ts`,
      'src/new.ts',
      'src/new.ts | src/peer.ts',
      'src/new.ts | src/peer.ts',
    ].sort());
    const items = new Set(r.interactions.map((x) => x.item));
    for (const dead of ['src/old.ts', 'src/gone.ts', ODD_OLD, 'lib/b.ts']) assert.ok(!items.has(`file:${dead}`), dead);
  });

  it('says how many files of the history are no longer in the repository', async () => {
    const o = await learnFromGit({ folder: repo, trusted: true, isExcluded: () => false, maxCommits: 100, storeDir: store });
    assert.equal(o.kind, 'learned');
    if (o.kind !== 'learned') return;
    assert.equal(o.notAtHead, 1);
    assert.match(describeOutcome(o), /; 1 file no longer in the repository left out\)\.$/);
    // excluded files are counted as excluded, not as gone
    const ex = await learnFromGit({ folder: repo, trusted: true, isExcluded: (p) => p.startsWith('src/'), maxCommits: 100, storeDir: store });
    assert.equal(ex.kind === 'learned' && ex.notAtHead, 0);
  });
});
