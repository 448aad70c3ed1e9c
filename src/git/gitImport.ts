// Cold start: read the workspace's git history with the `git` executable, bounded (most recent N commits, a time
// limit, a size limit, cancellable), and turn each commit into a session of the files it touched.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { finishStepsAsync, type Steps } from '../core/train';
import { commitsToSessions, commitsToSessionsSteps, gitLogArgs, parseGitLogSteps, type GitSessionOptions, type GitSessions } from './gitLog';
import type { Interaction } from '../core/interaction';
import { writeAtomic } from '../feedback/store/atomicWrite';
import { GitBootstrapError, runGit, type GitRunOptions } from './runGit';

/**
 * Slices of the import's work on the host: 1 ms, half the default. Parsing makes many small objects, and the longest
 * stalls were a slice plus a scavenge; with shorter slices the collector more often runs between them. Host stall of
 * importing 3,000 commits (hostStall.ts, 20 runs each, alternating): median 12.8 ms at 4 ms, 8.5 ms at 2 ms; later
 * (gitImportStalls, 9 imports a set, 5 sets alternating) medians 5.9-8.9 ms at 2 ms, 4.0-5.1 at 1 ms, the import
 * about 3% longer (310 against 301 ms).
 */
export const GIT_SLICE_MS = 1;

export interface GitBootstrapOptions extends GitSessionOptions {
  /** workspace folder (the repository or a folder inside it) */
  cwd: string;
  /** most recent commits to read (default 2000) */
  maxCommits?: number;
  /** stop reading after this long and use the commits read so far (default 15 s) */
  timeoutMs?: number;
  /** stop reading after this much output (default 32 MB) */
  maxBytes?: number;
  signal?: AbortSignal;
  /** the git executable (default "git" on PATH) */
  gitPath?: string;
}

export const GIT_BOOTSTRAP_DEFAULTS = { maxCommits: 2000, timeoutMs: 15_000, maxBytes: 32 * 1024 * 1024 };

export interface GitBootstrapResult extends GitSessions {
  /** 'done': git finished; 'timeout' / 'size': cut short, the complete commits read so far are used */
  stoppedBy: 'done' | 'timeout' | 'size';
}

export async function bootstrapFromGit(opts: GitBootstrapOptions): Promise<GitBootstrapResult> {
  const limits = {
    cwd: opts.cwd,
    timeoutMs: opts.timeoutMs ?? GIT_BOOTSTRAP_DEFAULTS.timeoutMs,
    maxBytes: opts.maxBytes ?? GIT_BOOTSTRAP_DEFAULTS.maxBytes,
    ...(opts.gitPath !== undefined ? { gitPath: opts.gitPath } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const r = await runGit({ ...limits, args: gitLogArgs(opts.maxCommits ?? GIT_BOOTSTRAP_DEFAULTS.maxCommits) });
  const complete = r.stoppedBy === 'done';
  if (complete && r.code !== 0) {
    const first = r.stderr.trim().split('\n')[0] ?? '';
    // An empty repository (no commits yet) is not an error: there is just nothing to learn.
    if (/does not have any commits/.test(r.stderr)) return { ...commitsToSessions([], opts), stoppedBy: r.stoppedBy };
    throw new GitBootstrapError(`git log failed (exit ${r.code}): ${first}`);
  }
  // Thousands of commits: parsed and turned into sessions in slices, the extension host's loop is shared.
  const commits = await finishStepsAsync(parseGitLogSteps(r.stdout.toString('utf8'), complete), GIT_SLICE_MS);
  const atHead = commits.length > 0 ? await filesAtHead(limits) : undefined;
  const existsAtHead = atHead ? (p: string): boolean => atHead.has(p) : undefined;
  const sessions = await finishStepsAsync(commitsToSessionsSteps(commits, { ...opts, ...(existsAtHead ? { existsAtHead } : {}) }), GIT_SLICE_MS);
  return { ...sessions, stoppedBy: r.stoppedBy };
}

/**
 * Every file at HEAD, repository-relative like git log's paths (--full-tree: whatever folder git runs in). undefined
 * when the listing was cut by the time or size limit: then nothing is left out for being absent (an incomplete list
 * would drop live files).
 */
async function filesAtHead(limits: Omit<GitRunOptions, 'args'>): Promise<Set<string> | undefined> {
  const r = await runGit({ ...limits, args: ['--no-pager', 'ls-tree', '-r', '-z', '--name-only', '--full-tree', 'HEAD'] });
  if (r.stoppedBy !== 'done') return undefined;
  if (r.code !== 0) throw new GitBootstrapError(`git ls-tree failed (exit ${r.code}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return new Set(r.stdout.toString('utf8').split('\0').filter((p) => p !== ''));
}

// Persisting the imported sessions next to the feedback store (its wipe() clears the whole folder, so Reset removes
// them too). Kept apart from the event journal: commits are sessions already, and re-sessionizing them by time
// gaps would merge unrelated commits made within minutes of each other.

export const GIT_SESSIONS_FILE = 'git-sessions.json';
const GIT_SESSIONS_FORMAT = 'latent-git-sessions';

/** The saved file is unreadable or malformed: reported, never silently treated as "no history". */
export class GitSessionsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitSessionsFormatError';
  }
}

interface SavedSessions {
  format: string;
  version: 1;
  importedAt: number;
  /** the newest commit of each folder read (absent in files saved before): has the repository moved on since? */
  heads?: string[];
  /** [session id, unix seconds, weight, items] */
  sessions: Array<[string, number, number, string[]]>;
}

/**
 * When the saved import was made (ms) and the newest commit of each folder it read (absent in files saved before),
 * from the file's head without parsing its sessions; undefined without an import or with a head that does not say.
 */
export async function gitImportStamp(dir: string): Promise<{ importedAt: number; heads?: string[] } | undefined> {
  const head = await importHead(dir);
  if (head === undefined) return undefined;
  const m = /^\{"format":"latent-git-sessions","version":1,"importedAt":(\d+)(?:,"heads":(\[[^\]]*\]))?[,}]/.exec(head);
  if (!m) return undefined;
  let heads: unknown;
  try {
    heads = m[2] === undefined ? undefined : JSON.parse(m[2]);
  } catch {
    heads = undefined;
  }
  const ok = Array.isArray(heads) && heads.every((h) => typeof h === 'string');
  return { importedAt: Number(m[1]), ...(ok ? { heads: heads as string[] } : {}) };
}

/**
 * Whether the store holds an import with commits in it, from the file's head: the window's startup asks, and parsing
 * the whole import there held the host for milliseconds. A file that is there but does not read as an empty import
 * (damaged included) counts: it is reported when training reads it, and must not be offered for replacement.
 */
export async function hasGitImportFile(dir: string): Promise<boolean> {
  const head = await importHead(dir);
  if (head === undefined) return false;
  return !/^\{"format":"latent-git-sessions","version":1,"importedAt":\d+(?:,"heads":\[[^\]]*\])?,"sessions":\[\]\}$/.test(head);
}

/** The first 16 KB of the saved import; undefined without one, '' when it is there but cannot be read. */
async function importHead(dir: string): Promise<string | undefined> {
  try {
    const f = await fs.open(path.join(dir, GIT_SESSIONS_FILE), 'r');
    try {
      const buf = Buffer.alloc(16_384);
      const { bytesRead } = await f.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await f.close();
    }
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '';
  }
}

/** Writes the interactions of one import (replacing an earlier import) atomically into `dir`. */
export async function saveGitSessions(dir: string, interactions: readonly Interaction[], importedAt = Date.now(), heads?: readonly string[]): Promise<void> {
  // Thousands of commits: grouped and written out in slices on the extension host.
  const chunks = await finishStepsAsync(gitSessionsTextSteps(interactions, importedAt, heads), GIT_SLICE_MS);
  await fs.mkdir(dir, { recursive: true });
  await writeAtomic(path.join(dir, GIT_SESSIONS_FILE), chunks);
}

/** The text of git-sessions.json in pieces: joined, exactly JSON.stringify of the SavedSessions object. */
export function* gitSessionsTextSteps(interactions: readonly Interaction[], importedAt: number, heads?: readonly string[]): Steps<string[]> {
  const bySession = new Map<string, [string, number, number, string[]]>();
  for (let i = 0; i < interactions.length; i++) {
    const x = interactions[i];
    let s = bySession.get(x.session);
    if (!s) {
      s = [x.session, x.time, x.weight, []];
      bySession.set(x.session, s);
    }
    s[3].push(x.item);
    if ((i & (STEP - 1)) === STEP - 1) yield;
  }
  const empty: SavedSessions = { format: GIT_SESSIONS_FORMAT, version: 1, importedAt, ...(heads ? { heads: [...heads] } : {}), sessions: [] };
  const head = JSON.stringify(empty);
  const out = [head.slice(0, head.length - 2)]; // without the closing ']}'
  let n = 0;
  for (const s of bySession.values()) {
    out.push((n++ === 0 ? '' : ',') + JSON.stringify(s));
    if ((n & (STEP / 4 - 1)) === 0) yield;
  }
  out.push(']}');
  return out;
}

/** Interactions (or sessions) between yield points. */
const STEP = 256;

/**
 * The saved import as interactions; [] when nothing was imported. Throws GitSessionsFormatError on a bad file. Read
 * on the extension host at every retrain: the checks and the objects are made in slices (3,000 commits are about
 * 18,000 interactions; made at once they held the host 3-12 ms).
 */
export async function loadGitSessions(dir: string): Promise<Interaction[]> {
  const file = path.join(dir, GIT_SESSIONS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return finishStepsAsync(gitSessionsOfTextSteps(text, file), GIT_SLICE_MS);
}

/** The interactions of a git-sessions.json's text (`file` names it in errors). */
export function* gitSessionsOfTextSteps(text: string, file: string): Steps<Interaction[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GitSessionsFormatError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const o = raw as Partial<SavedSessions> | null;
  if (!o || o.format !== GIT_SESSIONS_FORMAT || o.version !== 1 || !Array.isArray(o.sessions)) {
    throw new GitSessionsFormatError(`${file}: not a version 1 git sessions file`);
  }
  const out: Interaction[] = [];
  const sessions: unknown[] = o.sessions;
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i];
    const ok =
      Array.isArray(s) &&
      typeof s[0] === 'string' &&
      Number.isFinite(s[1]) &&
      Number.isFinite(s[2]) &&
      s[2] > 0 &&
      Array.isArray(s[3]) &&
      (s[3] as unknown[]).every((x) => typeof x === 'string' && x !== '');
    if (!ok) throw new GitSessionsFormatError(`${file}: session ${i} is malformed`);
    const [session, time, weight, items] = s as [string, number, number, string[]];
    for (const item of items) out.push({ session, item, time, weight });
    if ((i & (STEP / 4 - 1)) === STEP / 4 - 1) yield;
  }
  return out;
}
