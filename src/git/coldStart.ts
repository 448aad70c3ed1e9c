// Cold start without the editor: decide whether to offer the git bootstrap, run it for the workspace's folders, save
// what it found, and say what happened in plain words. No vscode here (the command in src/git/learnFromGitCommand.ts
// supplies trust, settings and progress), so every branch is unit-tested against real git repositories.
import type { Interaction } from '../core/interaction';
import { shortDuration } from '../core/duration';
import { finishStepsAsync, type Steps } from '../core/train';
import type { GitBootstrapSetting } from '../config/schema';
import { bootstrapFromGit, GIT_SLICE_MS, saveGitSessions, type GitBootstrapResult } from './gitImport';
import { GitBootstrapCancelledError, GitBootstrapError, runGit } from './runGit';


/** The answer to the one-time question, kept in workspaceState under STATE_KEYS.gitBootstrapAnswer. */
export type BootstrapAnswer = 'learn' | 'not-now' | 'never';

export interface StartupFacts {
  setting: GitBootstrapSetting;
  /** undefined: never answered (or the question was closed without an answer) */
  answer: BootstrapAnswer | undefined;
  trusted: boolean;
  /** anything recorded, imported or trained in this workspace already */
  hasData: boolean;
  /** the folder is in a git repository with at least one commit touching it */
  hasHistory: boolean;
}

/** What to do on activation: 'run' the import, 'ask' first, or 'skip'. */
export function startupAction(f: StartupFacts): 'run' | 'ask' | 'skip' {
  if (f.setting === 'never' || !f.trusted || f.hasData || !f.hasHistory) return 'skip';
  if (f.setting === 'always') return 'run';
  // 'ask' asks once: any explicit answer is remembered (the command stays available in the palette and the view).
  return f.answer === undefined ? 'ask' : 'skip';
}

/** A workspace folder whose history is read. */
export interface FolderToRead {
  /** the workspace folder on disk */
  folder: string;
  /** folder-relative path ('/'-separated) -> true to leave it out (latent.exclude + files.exclude) */
  isExcluded(relPath: string): boolean;
  /** put before the folder-relative path in item keys (the folder name in a multi-root workspace, else '') */
  itemPrefix?: string;
}

export interface LearnOptions extends FolderToRead {
  /**
   * The other folders of a multi-root workspace, read the same way (each up to maxCommits) and saved with the first
   * as one import. A commit that touches several of them (folders of one repository) stays one session.
   */
  more?: readonly FolderToRead[];
  trusted: boolean;
  maxCommits: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** the feedback store folder: git-sessions.json goes there (Reset wipes the folder) */
  storeDir: string;
  gitPath?: string;
}

export type LearnOutcome =
  | {
      kind: 'learned' | 'nothing';
      commits: number;
      /** commits that became sessions */
      used: number;
      files: number;
      skippedMerges: number;
      skippedBulk: number;
      /** commits with nothing left after exclusion or outside this folder */
      skippedEmpty: number;
      excludedFiles: number;
      /** files of the history no longer at HEAD (deleted since), left out */
      notAtHead: number;
      stoppedBy: GitBootstrapResult['stoppedBy'];
      timeoutMs: number;
      /** with several folders: how many were read and how many gave sessions (the counts above are their sums) */
      folders?: { read: number; learned: number };
    }
  | { kind: 'untrusted' }
  | { kind: 'not-a-repo'; folder: string }
  /** inside a repository, but no commit touches the folder (e.g. an ignored folder) */
  | { kind: 'untracked'; folder: string }
  | { kind: 'failed'; message: string }
  | { kind: 'cancelled' };

export const LEARN_TIMEOUT_MS = 15_000;

/**
 * Reads the folder's git history (and the other folders', `more`) and saves it as sessions, replacing an earlier
 * import. Never throws for the expected failures (untrusted, no git, not a repository, cancelled): they come back as
 * outcomes, and nothing saved before is touched unless the import succeeded. With several folders, one that has no
 * history (not a repository, say) is passed over; a cancel or a failure of git in any of them saves nothing.
 */
export async function learnFromGit(opts: LearnOptions): Promise<LearnOutcome> {
  if (!opts.trusted) return { kind: 'untrusted' };
  const folders = [opts, ...(opts.more ?? [])];
  const reads: FolderRead[] = [];
  for (const f of folders) {
    const r = await readFolder(f, opts);
    if (r.outcome.kind === 'cancelled' || r.outcome.kind === 'failed') return r.outcome;
    reads.push(r);
  }
  // The folders with history (the others, not repositories say, are passed over); none: as for one folder.
  const outcomes = reads.flatMap((r) => (r.outcome.kind === 'learned' || r.outcome.kind === 'nothing' ? [r.outcome] : []));
  const first = outcomes[0];
  if (first === undefined) return reads[0].outcome;
  const interactions = reads.flatMap((r) => r.interactions);
  // Each folder's files carry its own name: their counts add up.
  const sum = (k: 'commits' | 'used' | 'files' | 'skippedMerges' | 'skippedBulk' | 'skippedEmpty' | 'excludedFiles' | 'notAtHead'): number =>
    outcomes.reduce((a, o) => a + o[k], 0);
  const summary = {
    commits: sum('commits'),
    used: sum('used'),
    files: sum('files'),
    skippedMerges: sum('skippedMerges'),
    skippedBulk: sum('skippedBulk'),
    skippedEmpty: sum('skippedEmpty'),
    excludedFiles: sum('excludedFiles'),
    notAtHead: sum('notAtHead'),
    // A folder cut short (time, size) says so for the whole import.
    stoppedBy: outcomes.find((o) => o.stoppedBy !== 'done')?.stoppedBy ?? 'done',
    timeoutMs: first.timeoutMs,
    ...(folders.length > 1 ? { folders: { read: folders.length, learned: reads.filter((r) => r.interactions.length > 0).length } } : {}),
  };
  // Nothing usable: keep an earlier import rather than replace it with nothing.
  if (interactions.length === 0) return { kind: 'nothing', ...summary };
  try {
    // The newest commit of each folder read: a later start knows from them whether the repository moved on.
    await saveGitSessions(opts.storeDir, interactions, Date.now(), reads.flatMap((r) => (r.head ? [r.head] : [])));
  } catch (err) {
    return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
  return { kind: 'learned', ...summary };
}

interface FolderRead {
  outcome: LearnOutcome;
  /** the newest commit touching the folder when it was read */
  head?: string;
  /** the sessions read, named as the tracker names the files; [] unless the outcome is 'learned' */
  interactions: Interaction[];
}

/** One folder's history, read and named, not saved. */
async function readFolder(f: FolderToRead, opts: LearnOptions): Promise<FolderRead> {
  const timeoutMs = opts.timeoutMs ?? LEARN_TIMEOUT_MS;
  const none = (outcome: LearnOutcome): FolderRead => ({ outcome, interactions: [] });
  try {
    // git prints paths relative to the repository root; the workspace may be a folder inside it.
    const prefix = await gitPrefix(f.folder, opts.gitPath, opts.signal);
    if (prefix === undefined) return none({ kind: 'not-a-repo', folder: f.folder });
    // Below the top of a repository and no commit touches this folder (e.g. an ignored folder): nothing to read.
    // Otherwise bootstrapFromGit reads the newest commits that touch the folder (pathspec '.', cwd at the folder).
    if (prefix !== '' && !(await hasGitHistory(f.folder, opts.gitPath))) return none({ kind: 'untracked', folder: f.folder });
    let outside = 0;
    const r = await bootstrapFromGit({
      cwd: f.folder,
      maxCommits: opts.maxCommits,
      timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.gitPath ? { gitPath: opts.gitPath } : {}),
      isExcluded: (p) => {
        if (!p.startsWith(prefix)) {
          outside++;
          return true;
        }
        return f.isExcluded(p.slice(prefix.length));
      },
    });
    const { interactions, files } = await finishStepsAsync(folderItemsSteps(r.interactions, prefix, f.itemPrefix ?? ''), GIT_SLICE_MS);
    const head = (await newestCommit(f.folder, opts.gitPath))?.hash;
    const outcome: LearnOutcome = {
      kind: interactions.length === 0 ? 'nothing' : 'learned',
      commits: r.commits,
      used: r.used,
      files,
      skippedMerges: r.skippedMerges,
      skippedBulk: r.skippedBulk,
      skippedEmpty: r.skippedEmpty,
      excludedFiles: r.excludedFiles - outside,
      notAtHead: r.notAtHead,
      stoppedBy: r.stoppedBy,
      timeoutMs,
    };
    return { outcome, interactions, ...(head ? { head } : {}) };
  } catch (err) {
    if (err instanceof GitBootstrapCancelledError) return none({ kind: 'cancelled' });
    if (err instanceof GitBootstrapError) return none({ kind: 'failed', message: err.message });
    return none({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * The interactions with their items named as the tracker names them (`prefix`, the folder's path in the repository,
 * replaced by `itemPrefix`), and how many distinct files they name; in steps (thousands of commits, on the host).
 */
function* folderItemsSteps(read: readonly Interaction[], prefix: string, itemPrefix: string): Steps<{ interactions: Interaction[]; files: number }> {
  const interactions: Interaction[] = [];
  const files = new Set<string>();
  // The repository's root opened as the workspace: every name is as read (no copy of each interaction to collect).
  const same = prefix === '' && itemPrefix === '';
  for (let i = 0; i < read.length; i++) {
    const x = read[i];
    const item = same ? x.item : `file:${itemPrefix}${x.item.slice('file:'.length + prefix.length)}`;
    interactions.push(same ? x : { ...x, item });
    files.add(item);
    if ((i & 255) === 255) yield;
  }
  return { interactions, files: files.size };
}

/** One sentence for the user (the command shows it; tests read it from the command's result). */
export function describeOutcome(outcome: LearnOutcome): string {
  switch (outcome.kind) {
    case 'untrusted':
      return 'This workspace is not trusted, so Latent does not read its git history. Trust the folder to learn from it.';
    case 'not-a-repo':
      return 'This folder is not in a git repository, so there is no history to learn from.';
    case 'untracked':
      return 'No commit of the git repository around this folder touches it, so there is no history to learn from.';
    case 'cancelled':
      return 'Reading git history was cancelled. Nothing was changed.';
    case 'failed':
      return `Could not read git history: ${outcome.message}. Nothing was changed.`;
    case 'nothing': {
      if (outcome.stoppedBy === 'timeout' && outcome.commits === 0) {
        return `git did not answer within ${shortDuration(outcome.timeoutMs)}, so nothing was learned. Nothing was changed.`;
      }
      return outcome.commits === 0
        ? 'This repository has no commits yet, so there is nothing to learn from.'
        : `None of the ${outcome.commits} commits read touched files Latent may learn from${inParens(skipped(outcome))}. Nothing was changed.`;
    }
    case 'learned': {
      const cut =
        outcome.stoppedBy === 'timeout'
          ? ` Reading stopped after ${shortDuration(outcome.timeoutMs)}; the commits read so far were used.`
          : outcome.stoppedBy === 'size'
            ? ' Reading stopped at the size limit; the commits read so far were used.'
            : '';
      return `Learned from ${outcome.used} of ${outcome.commits} commits${inFolders(outcome.folders)} (${[`${outcome.files} files`, skipped(outcome)].filter((p) => p !== '').join('; ')}).${cut}`;
    }
  }
}

/** " in 2 folders", " in 1 of 2 folders" (a multi-root workspace's), '' for one folder. */
function inFolders(f: { read: number; learned: number } | undefined): string {
  if (!f || f.read < 2) return '';
  return f.learned === f.read ? ` in ${f.read} folders` : ` in ${f.learned} of ${f.read} folders`;
}

const inParens = (s: string): string => (s === '' ? '' : ` (${s})`);

/** What was left out, the counts that are not 0 ('' when nothing was): "0 bulk commits skipped" only lengthened the message. */
function skipped(outcome: { skippedMerges: number; skippedBulk: number; skippedEmpty: number; excludedFiles: number; notAtHead: number }): string {
  const parts: string[] = [];
  if (outcome.skippedBulk > 0) parts.push(`${outcome.skippedBulk} bulk commit${outcome.skippedBulk === 1 ? '' : 's'} skipped`);
  if (outcome.excludedFiles > 0) parts.push(`${outcome.excludedFiles} excluded file${outcome.excludedFiles === 1 ? '' : 's'} left out`);
  if (outcome.notAtHead > 0) parts.push(`${outcome.notAtHead} file${outcome.notAtHead === 1 ? '' : 's'} no longer in the repository left out`);
  if (outcome.skippedEmpty > 0) parts.push(`${outcome.skippedEmpty} commit${outcome.skippedEmpty === 1 ? '' : 's'} with no usable file`);
  return parts.join(', ');
}

/**
 * The folder's path inside its repository ('' at the top, 'sub/dir/' below it), or undefined when the folder is not
 * in a repository. Throws GitBootstrapError when git is missing or fails otherwise.
 */
export async function gitPrefix(folder: string, gitPath = 'git', signal?: AbortSignal): Promise<string | undefined> {
  const r = await probe(folder, ['rev-parse', '--show-prefix'], gitPath, signal);
  if (r.code === 0) return r.stdout.replace(/\r?\n$/, '');
  if (/not a git repository/i.test(r.stderr)) return undefined;
  throw new GitBootstrapError(`git rev-parse failed (exit ${r.code}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
}

/**
 * True when the folder is in a repository and at least one commit touches it (a folder inside an unrelated
 * repository, e.g. an ignored scratch folder, has nothing to offer). Any failure (no git, not a repo) is false.
 */
export async function hasGitHistory(folder: string, gitPath = 'git'): Promise<boolean> {
  try {
    const r = await probe(folder, ['log', '-1', '--format=%H', '--', '.'], gitPath);
    return r.code === 0 && /^[0-9a-f]{7,64}$/m.test(r.stdout);
  } catch {
    return false;
  }
}

/** The newest commit touching the folder: its hash and committer time (unix s); undefined when there is none. */
export async function newestCommit(folder: string, gitPath = 'git'): Promise<{ hash: string; seconds: number } | undefined> {
  try {
    const r = await probe(folder, ['log', '-1', '--format=%H %ct', '--', '.'], gitPath);
    const m = /^([0-9a-f]{7,64}) (\d+)$/m.exec(r.stdout);
    return r.code === 0 && m ? { hash: m[1], seconds: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}

const PROBE_TIMEOUT_MS = 10_000;

function probe(cwd: string, args: string[], gitPath: string, signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runGit({ cwd, args, gitPath, timeoutMs: PROBE_TIMEOUT_MS, maxBytes: 64_000, ...(signal ? { signal } : {}) }).then((r) => ({
    code: r.code,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr,
  }));
}
