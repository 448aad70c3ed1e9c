// Cold start from git, headless: the first-activation decision, the import against real repositories (trust,
// not a repository, missing git, cancel, a workspace inside a larger repository, exclusion), the commit -> training
// path through events, and new files ranked by their neighbours in the live ranker.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitRecommender, recommend } from '../../../src/core/recommender';
import { GIT_SESSIONS_FILE, GitImportReader, gitEventColumnsSteps, gitImportStamp, gitSessionsAsEvents, hasGitImportFile, loadGitSessions, saveGitSessions, withGitImportSteps } from '../../../src/git/gitImport';
import { sessionize } from '../../../src/feedback/sessions';
import { resolveMoves, type FileMove } from '../../../src/feedback/fileChanges';
import { StoredEvents } from '../../../src/feedback/storedEvents';
import { finishSteps, finishStepsAsync } from '../../../src/core/train';
import type { Interaction } from '../../../src/core/interaction';
import {
  describeOutcome,
  gitPrefix,
  hasGitHistory,
  learnFromGit,
  newestCommit,
  startupAction,
  type LearnOptions,
  type StartupFacts,
} from '../../../src/git/coldStart';
import { LiveRanker, RecentItems } from '../../../src/ranking/liveRanking';

const AREA_A = ['web/app.ts', 'web/list.ts', 'web/theme.ts', 'web/style.css'];
const AREA_B = ['server/routes.ts', 'server/db.ts', 'server/auth.ts', 'server/config.ts'];

describe('cold start: first activation', () => {
  const base: StartupFacts = { setting: 'ask', answer: undefined, trusted: true, hasData: false, hasHistory: true };
  it('asks once in a trusted git workspace with no data; "always" runs; "never", an answer, data, no history or no trust skip', () => {
    assert.equal(startupAction(base), 'ask');
    assert.equal(startupAction({ ...base, setting: 'always' }), 'run');
    assert.equal(startupAction({ ...base, setting: 'never' }), 'skip');
    for (const answer of ['learn', 'not-now', 'never'] as const) assert.equal(startupAction({ ...base, answer }), 'skip');
    // "always" does not care about an old answer, but does care about data, history and trust
    assert.equal(startupAction({ ...base, setting: 'always', answer: 'never' }), 'run');
    for (const s of ['ask', 'always'] as const) {
      assert.equal(startupAction({ ...base, setting: s, hasData: true }), 'skip');
      assert.equal(startupAction({ ...base, setting: s, hasHistory: false }), 'skip');
      assert.equal(startupAction({ ...base, setting: s, trusted: false }), 'skip');
    }
  });
});

describe('cold start: learning from a real repository', function () {
  this.timeout(60_000);
  let repo = '';
  let store = '';
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  let clock = 1_700_000_000;
  const commit = (files: string[], msg: string): void => {
    for (const f of files) {
      mkdirSync(join(repo, f, '..'), { recursive: true });
      writeFileSync(join(repo, f), `${msg}\n`, { flag: 'a' });
    }
    git(repo, 'add', '-A');
    clock += 60; // a minute apart: one time-gap sessionizer would merge them all into one session
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', msg], {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_DATE: `${clock} +0000`, GIT_COMMITTER_DATE: `${clock} +0000` },
    });
  };
  const opts = (o: Partial<LearnOptions> = {}): LearnOptions => ({
    folder: join(repo, 'app'),
    trusted: true,
    isExcluded: (p) => /(^|\/)\.env/.test(p),
    maxCommits: 500,
    storeDir: store,
    ...o,
  });

  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'latent-cold-'));
    git(repo, 'init', '-q', '-b', 'main');
    // The workspace is app/ inside the repository; docs/ outside it changes with both areas.
    for (let i = 0; i < 12; i++) {
      commit([`app/${AREA_A[i % 4]}`, `app/${AREA_A[(i + 1) % 4]}`, 'docs/notes.md'], `web ${i}`);
      commit([`app/${AREA_B[i % 4]}`, `app/${AREA_B[(i + 2) % 4]}`], `server ${i}`);
    }
    commit(['app/.env', 'app/server/config.ts'], 'oops, committed the env file');
  });
  beforeEach(() => {
    store = mkdtempSync(join(tmpdir(), 'latent-cold-store-'));
  });
  afterEach(() => rmSync(store, { recursive: true, force: true }));
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('saves one session per commit, paths relative to the workspace folder, nothing excluded or outside it', async () => {
    assert.equal(await gitPrefix(join(repo, 'app')), 'app/');
    const o = await learnFromGit(opts());
    assert.equal(o.kind, 'learned', describeOutcome(o));
    if (o.kind !== 'learned') return;
    assert.equal(o.commits, 25);
    assert.equal(o.used, 25);
    assert.equal(o.excludedFiles, 1, 'the .env file');
    assert.equal(o.files, 8);
    const saved = readFileSync(join(store, GIT_SESSIONS_FILE), 'utf8');
    assert.ok(!saved.includes('.env'), 'the excluded file is not stored');
    assert.ok(!saved.includes('docs/'), 'files outside the workspace folder are not stored');
    const back = await loadGitSessions(store);
    assert.deepEqual([...new Set(back.map((x) => x.item))].sort(), [...AREA_A, ...AREA_B].map((f) => `file:${f}`).sort());
    assert.equal(new Set(back.map((x) => x.session)).size, 25);
    assert.ok(back.every((x) => x.weight < 1), 'a commit weighs less than an open');
    assert.match(describeOutcome(o), /^Learned from 25 of 25 commits \(8 files; 1 excluded file left out\)\.$/);
    // In a multi-root workspace items carry the folder name, as the tracker records them.
    const multi = await learnFromGit(opts({ itemPrefix: 'app/' }));
    assert.equal(multi.kind, 'learned');
    assert.ok((await loadGitSessions(store)).every((x) => x.item.startsWith('file:app/')));
  });

  it('in a multi-root workspace reads every folder, named by folder; a commit across two folders stays one session', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'latent-cold-scratch-'));
    try {
      const o = await learnFromGit(
        opts({
          itemPrefix: 'app/',
          more: [
            { folder: join(repo, 'docs'), isExcluded: () => false, itemPrefix: 'docs/' },
            { folder: scratch, isExcluded: () => false, itemPrefix: 'scratch/' },
          ],
        }),
      );
      assert.equal(o.kind, 'learned', describeOutcome(o));
      if (o.kind !== 'learned') return;
      // app/ as alone (25 commits), docs/ the 12 web commits that touched notes.md; scratch/ is no repository.
      assert.deepEqual([o.commits, o.used, o.files, o.folders], [37, 37, 9, { read: 3, learned: 2 }]);
      assert.match(describeOutcome(o), /^Learned from 37 of 37 commits in 2 of 3 folders \(9 files; 1 excluded file left out\)\.$/);
      const back = await loadGitSessions(store);
      assert.ok(back.every((x) => x.item.startsWith('file:app/') || x.item === 'file:docs/notes.md'), 'each file under its folder');
      const sessions = new Map<string, string[]>();
      for (const x of back) sessions.set(x.session, [...(sessions.get(x.session) ?? []), x.item]);
      assert.equal(sessions.size, 25, 'one session per commit, whichever folders it touched');
      const withNotes = [...sessions.values()].filter((items) => items.includes('file:docs/notes.md'));
      assert.equal(withNotes.length, 12);
      assert.ok(withNotes.every((items) => items.some((i) => i.startsWith('file:app/web/'))), 'notes.md in the same session as the web files');
      // Only folders without history: as for one folder, and nothing saved.
      rmSync(join(store, GIT_SESSIONS_FILE));
      const none = await learnFromGit(opts({ folder: scratch, more: [{ folder: scratch, isExcluded: () => false }] }));
      assert.equal(none.kind, 'not-a-repo');
      assert.equal(existsSync(join(store, GIT_SESSIONS_FILE)), false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('keeps the newest commit of each folder it read, so that a later start can tell the repository moved on', async () => {
    const o = await learnFromGit(opts({ more: [{ folder: join(repo, 'docs'), isExcluded: () => false, itemPrefix: 'docs/' }] }));
    assert.equal(o.kind, 'learned');
    const stamp = await gitImportStamp(store);
    const newest = await Promise.all([join(repo, 'app'), join(repo, 'docs')].map((f) => newestCommit(f)));
    assert.deepEqual(stamp?.heads, newest.map((c) => c?.hash));
    assert.ok(stamp && Math.abs(stamp.importedAt - Date.now()) < 60_000);
    assert.equal((await newestCommit(join(repo, 'docs')))?.hash, git(repo, 'log', '-1', '--format=%H', '--', 'docs').trim());
    // A file saved before heads were kept reads with its time alone; none at all reads as no import.
    await saveGitSessions(store, [{ session: 'git:a', item: 'file:x.ts', time: 1, weight: 0.3 }], 1234);
    assert.deepEqual(await gitImportStamp(store), { importedAt: 1234 });
    rmSync(join(store, GIT_SESSIONS_FILE));
    assert.equal(await gitImportStamp(store), undefined);
    assert.equal(await newestCommit(store), undefined, 'not a repository');
  });

  it('trains through the events path with each commit its own session, and ranks co-changed files first', async () => {
    assert.equal((await learnFromGit(opts())).kind, 'learned');
    const git = await loadGitSessions(store);
    const sessions = sessionize(gitSessionsAsEvents(git), 30 * 60_000);
    // commits a minute apart stay apart; weights and times survive exactly
    const key = (x: { item: string; time: number; weight: number }) => `${x.item} ${x.time} ${x.weight.toFixed(6)}`;
    assert.equal(new Set(sessions.map((x) => x.session)).size, 25);
    assert.deepEqual(sessions.map(key).sort(), git.map(key).sort());
    const model = fitRecommender(sessions, { seed: 1 });
    assert.equal(model.mode, 'mf', 'enough multi-file commits to learn co-use');
    const top = recommend(model, [{ item: 'file:web/app.ts', weight: 1 }], { n: 3 }).map((r) => r.item);
    assert.ok(top.every((i) => i.startsWith('file:web/')), `web files first: ${top.join(', ')}`);
  });

  it('reports untrusted, not a repository, missing git and cancel in plain words, and keeps an earlier import', async () => {
    await saveGitSessions(store, [{ session: 'git:earlier', item: 'file:kept.ts', time: 1, weight: 0.3 }]);
    const before = readFileSync(join(store, GIT_SESSIONS_FILE), 'utf8');
    const untrusted = await learnFromGit(opts({ trusted: false, gitPath: '/nonexistent/git' }));
    assert.equal(untrusted.kind, 'untrusted', 'git is not even started');
    assert.match(describeOutcome(untrusted), /not trusted/);
    const outside = mkdtempSync(join(tmpdir(), 'latent-nogit-'));
    try {
      const o = await learnFromGit(opts({ folder: outside }));
      assert.equal(o.kind, 'not-a-repo');
      assert.equal(describeOutcome(o), 'This folder is not in a git repository, so there is no history to learn from.');
      assert.equal(await hasGitHistory(outside), false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    const noGit = await learnFromGit(opts({ gitPath: '/nonexistent/git' }));
    assert.equal(noGit.kind, 'failed');
    assert.match(describeOutcome(noGit), /^Could not read git history: git executable not found .*Nothing was changed\.$/);
    const ac = new AbortController();
    ac.abort();
    assert.equal((await learnFromGit(opts({ signal: ac.signal }))).kind, 'cancelled');
    // git that never answers (a stand-in that sleeps on `log`): cut by the time limit, said so, nothing changed
    const slowGit = join(store, 'slow-git.sh');
    writeFileSync(slowGit, '#!/bin/sh\ncase " $* " in *" log "*) exec sleep 5;; *) exec git "$@";; esac\n', { mode: 0o755 });
    const slow = await learnFromGit(opts({ folder: repo, timeoutMs: 200, gitPath: slowGit }));
    assert.equal(slow.kind, 'nothing', JSON.stringify(slow));
    if (slow.kind === 'nothing') assert.equal(slow.stoppedBy, 'timeout');
    assert.equal(describeOutcome(slow), 'git did not answer within 200 ms, so nothing was learned. Nothing was changed.');
    assert.equal(readFileSync(join(store, GIT_SESSIONS_FILE), 'utf8'), before);
    // everything excluded: nothing usable, and the earlier import is not replaced by nothing
    const none = await learnFromGit(opts({ isExcluded: () => true }));
    assert.equal(none.kind, 'nothing');
    assert.match(describeOutcome(none), /None of the 25 commits/);
    assert.equal(readFileSync(join(store, GIT_SESSIONS_FILE), 'utf8'), before);
  });

  it('names only what was left out: no "0 bulk commits skipped"', () => {
    const counts = { commits: 30, used: 30, files: 12, skippedMerges: 0, skippedBulk: 0, skippedEmpty: 0, excludedFiles: 0, notAtHead: 0, stoppedBy: 'done' as const, timeoutMs: 0 };
    assert.equal(describeOutcome({ kind: 'learned', ...counts }), 'Learned from 30 of 30 commits (12 files).');
    assert.equal(
      describeOutcome({ kind: 'learned', ...counts, used: 27, skippedBulk: 2, skippedEmpty: 1 }),
      'Learned from 27 of 30 commits (12 files; 2 bulk commits skipped, 1 commit with no usable file).',
    );
    assert.equal(describeOutcome({ kind: 'nothing', ...counts, used: 0, files: 0 }), 'None of the 30 commits read touched files Latent may learn from. Nothing was changed.');
    assert.equal(
      describeOutcome({ kind: 'nothing', ...counts, used: 0, files: 0, excludedFiles: 4 }),
      'None of the 30 commits read touched files Latent may learn from (4 excluded files left out). Nothing was changed.',
    );
  });

  it('a folder with history is offered the import; an ignored folder inside a repository is not', async () => {
    assert.equal(await hasGitHistory(join(repo, 'app')), true);
    mkdirSync(join(repo, 'scratch'));
    assert.equal(await hasGitHistory(join(repo, 'scratch')), false);
    const untracked = await learnFromGit(opts({ folder: join(repo, 'scratch') }));
    assert.equal(untracked.kind, 'untracked');
    assert.match(describeOutcome(untracked), /touches it, so there is no history to learn from\.$/);
    const empty = mkdtempSync(join(tmpdir(), 'latent-empty-'));
    try {
      git(empty, 'init', '-q');
      assert.equal(await hasGitHistory(empty), false);
      const o = await learnFromGit(opts({ folder: empty }));
      assert.equal(o.kind, 'nothing');
      assert.match(describeOutcome(o), /no commits yet/);
      assert.ok(!existsSync(join(store, GIT_SESSIONS_FILE)));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('cold start: new files in the live ranking', () => {
  // Twelve sessions per area, three files each: enough co-use for the MF mode.
  const data = [];
  for (let s = 0; s < 24; s++) {
    const files = s % 2 ? AREA_B : AREA_A;
    for (let j = 0; j < 3; j++) data.push({ session: `s${s}`, item: `file:${files[(s + j) % 4]}`, time: 1_700_000_000 + s * 3600, weight: 1 });
  }
  const model = fitRecommender(data, { seed: 2 });

  it('ranks a recent file the model has never seen, from its folder, and marks it new', () => {
    const recent = new RecentItems(3);
    const ranker = new LiveRanker(
      { context: () => [{ item: 'file:web/app.ts', weight: 2 }], openItems: () => new Set(['file:web/app.ts']), recentItems: () => recent.items() },
      { perKind: 5 },
    );
    ranker.setModel(model);
    assert.ok(!ranker.recommendations().some((r) => r.source === 'new'));
    recent.add('file:web/new-widget.ts');
    recent.add('file:web/list.ts'); // known: ranked as itself, not as a new file
    const recs = ranker.refreshNow();
    const fresh = recs.find((r) => r.item === 'file:web/new-widget.ts');
    assert.ok(fresh, `the new web file is recommended: ${recs.map((r) => r.item).join(', ')}`);
    assert.equal(fresh.source, 'new');
    assert.equal(recs.filter((r) => r.item === 'file:web/list.ts').length, 1);
    const pos = (i: string) => recs.findIndex((r) => r.item === i);
    assert.ok(AREA_B.every((f) => pos(`file:${f}`) < 0 || pos(`file:${f}`) > pos('file:web/new-widget.ts')), 'above the other area');
    // dismissed or open: not recommended either
    ranker.dismiss('file:web/new-widget.ts');
    assert.ok(!ranker.recommendations().some((r) => r.item === 'file:web/new-widget.ts'));
  });

  it('keeps the newest few distinct files and forgets deleted ones', () => {
    const r = new RecentItems(3);
    for (const f of ['a', 'b', 'c', 'a', 'd']) r.add(`file:${f}`);
    assert.deepEqual(r.items(), ['file:d', 'file:a', 'file:c']);
    r.delete('file:a');
    assert.deepEqual(r.items(), ['file:d', 'file:c']);
    r.clear();
    assert.deepEqual(r.items(), []);
  });
});

describe('cold start: the saved import read for a retrain, in slices', () => {
  it('reads back what was saved, makes the same columns under the renames recorded since as the events did, and reads again only a changed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latent-gitcols-'));
    try {
      // 700 commits (past the slices' boundaries), a file renamed halfway through them and a folder renamed after.
      const saved: Interaction[] = [];
      for (let c = 0; c < 700; c++) {
        for (let j = 0; j < 1 + (c % 4); j++) {
          saved.push({ session: `git:${c}`, item: `file:src/f${(c * 7 + j * 3) % 50}.ts`, time: 1_600_000_000 + c * 60, weight: c % 9 === 0 ? 0.03 : 0.3 });
        }
      }
      await saveGitSessions(dir, saved, 1);
      const git = await loadGitSessions(dir);
      assert.deepEqual(git, saved);
      const moves: FileMove[] = [
        { t: (1_600_000_000 + 350 * 60) * 1000, from: 'file:src/f3.ts', to: 'file:src/g3.ts' },
        { t: (1_600_000_000 + 800 * 60) * 1000, from: 'file:src', to: 'file:lib' },
      ];
      const recorded = StoredEvents.fromEvents([{ t: 5, item: 'file:src/f1.ts', kind: 'edit', amount: 1 }]);
      const want = finishSteps(StoredEvents.fromEvents([...finishSteps(recorded.eventsSteps()), ...resolveMoves(gitSessionsAsEvents(git), moves)]).eventsSteps());
      const reader = new GitImportReader(dir);
      const read = await reader.read();
      assert.equal(read.commits, 700);
      assert.deepEqual(finishSteps((await finishStepsAsync(gitEventColumnsSteps(git))).eventsSteps()), gitSessionsAsEvents(git));
      const all = await finishStepsAsync(withGitImportSteps(recorded, read.events, moves));
      assert.deepEqual(finishSteps(all.eventsSteps()), want);
      const got = await finishStepsAsync(read.events.resolveMovesSteps(moves));
      // Read once while the file stays as it is; again once it changed; nothing once it is gone.
      assert.equal((await reader.read()).events, read.events);
      await saveGitSessions(dir, saved.slice(0, 10), 2);
      assert.equal((await reader.read()).commits, 4);
      const names = new Set(finishSteps(got.eventsSteps()).map((e) => e.item));
      assert.ok(names.has('file:lib/g3.ts') && names.has('file:lib/f3.ts') && !names.has('file:src/f1.ts'), [...names].slice(0, 5).join(', '));
      // An import with commits is there for the window's startup; none, an empty one, is not; a damaged one is.
      assert.equal(await hasGitImportFile(dir), true);
      await saveGitSessions(dir, [], 1, ['abc']);
      assert.equal(await hasGitImportFile(dir), false);
      await saveGitSessions(dir, [], 1);
      assert.equal(await hasGitImportFile(dir), false);
      writeFileSync(join(dir, GIT_SESSIONS_FILE), '{"format":"latent-git-sessions","vers');
      assert.equal(await hasGitImportFile(dir), true);
      await assert.rejects(reader.read(), /not valid JSON/);
      rmSync(join(dir, GIT_SESSIONS_FILE));
      assert.equal(await hasGitImportFile(dir), false);
      assert.equal((await reader.read()).events.length, 0);
      // Read a session per line as written, and whole in any other layout of the same JSON (a file written before,
      // on one line; a file reformatted); a damaged line is reported.
      await saveGitSessions(dir, saved, 1);
      const text = readFileSync(join(dir, GIT_SESSIONS_FILE), 'utf8');
      for (const other of [JSON.stringify(JSON.parse(text)), JSON.stringify(JSON.parse(text), null, 2), text + '\n']) {
        writeFileSync(join(dir, GIT_SESSIONS_FILE), other);
        assert.deepEqual(await loadGitSessions(dir), saved);
      }
      writeFileSync(join(dir, GIT_SESSIONS_FILE), text.replace('\n["git:5",', '\n["git:5"'));
      await assert.rejects(loadGitSessions(dir), /not valid JSON/);
      writeFileSync(join(dir, GIT_SESSIONS_FILE), text.slice(0, text.length - 40));
      await assert.rejects(loadGitSessions(dir), /not valid JSON/);
      // A malformed session is named, as before the slices.
      writeFileSync(join(dir, GIT_SESSIONS_FILE), JSON.stringify({ format: 'latent-git-sessions', version: 1, importedAt: 1, sessions: [['git:a', 1, 0.3, ['file:x']], ['git:b', 1, 0.3, ['']]] }));
      await assert.rejects(loadGitSessions(dir), /session 1 is malformed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
