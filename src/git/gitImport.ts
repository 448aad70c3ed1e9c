// Cold start: read the workspace's git history with the `git` executable, bounded (most recent N commits, a time
// limit, a size limit, cancellable), and turn each commit into a session of the files it touched.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { finishSteps, finishStepsAsync, type Steps } from '../core/train';
import { commitsToSessions, commitsToSessionsSteps, gitLogArgs, parseGitLogSteps, type GitSessionOptions, type GitSessions } from './gitLog';
import type { Interaction } from '../core/interaction';
import { writeAtomic } from '../feedback/store/atomicWrite';
import type { FileMove } from '../feedback/fileChanges';
import { SIGNAL_WEIGHTS, type FeedbackEvent } from '../feedback/signal';
import { StoredEvents } from '../feedback/storedEvents';
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
  return !/^\{"format":"latent-git-sessions","version":1,"importedAt":\d+(?:,"heads":\[[^\]]*\])?,"sessions":\[\s*\]\}$/.test(head);
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

/**
 * The text of git-sessions.json in pieces: joined, the JSON of the SavedSessions object with one session per line
 * (JSON.stringify of the rest), so that reading it back can parse it a few sessions at a time (gitSessionsOfTextSteps).
 */
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
  // A string's JSON never holds a raw line break, so each line is one session.
  for (const s of bySession.values()) {
    out.push((n++ === 0 ? '\n' : ',\n') + JSON.stringify(s));
    if ((n & (STEP / 4 - 1)) === 0) yield;
  }
  out.push(n > 0 ? '\n]}' : ']}');
  return out;
}

/** Interactions (or sessions) between yield points. */
const STEP = 256;

/**
 * The saved import as interactions; [] when nothing was imported. Throws GitSessionsFormatError on a bad file. Read
 * on the extension host (GitImportReader, when the file changed): the checks and the objects are made in slices
 * (3,000 commits are about 18,000 interactions; made at once they held the host 3-12 ms).
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

/**
 * The interactions of a git-sessions.json's text (`file` names it in errors). The file holds one session per line
 * (gitSessionsTextSteps): each line is parsed on its own, a few sessions between yield points, since one JSON.parse
 * of an import of 3,000 commits of 40 files each (6.5 MB) held the host 10-12 ms. A file written before (one line)
 * is parsed whole.
 */
function* gitSessionsOfTextSteps(text: string, file: string): Steps<Interaction[]> {
  const parse = (json: string): unknown => {
    try {
      return JSON.parse(json);
    } catch (e) {
      throw new GitSessionsFormatError(`${file}: not valid JSON (${(e as Error).message})`);
    }
  };
  const checkHead = (o: Partial<SavedSessions> | null): void => {
    if (!o || o.format !== GIT_SESSIONS_FORMAT || o.version !== 1 || !Array.isArray(o.sessions)) {
      throw new GitSessionsFormatError(`${file}: not a version 1 git sessions file`);
    }
  };
  const out: Interaction[] = [];
  const add = (s: unknown, i: number): void => {
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
  };
  // One session per line as written; any other layout of valid JSON (an older file on one line, a file someone
  // reformatted) is parsed whole.
  const lines = yield* sessionLinesSteps(text);
  if (lines) {
    checkHead(parse(lines.head + ']}') as Partial<SavedSessions> | null);
    for (let i = 0; i < lines.sessions.length; i++) {
      add(parse(lines.sessions[i]), i);
      if ((i & (STEP / 4 - 1)) === STEP / 4 - 1) yield;
    }
    return out;
  }
  const o = parse(text) as Partial<SavedSessions> | null;
  checkHead(o);
  const sessions: unknown[] = o?.sessions ?? [];
  for (let i = 0; i < sessions.length; i++) {
    add(sessions[i], i);
    if ((i & (STEP / 4 - 1)) === STEP / 4 - 1) yield;
  }
  return out;
}

/**
 * The head (up to the sessions' opening bracket) and each session's JSON of a file laid out as gitSessionsTextSteps
 * writes it; undefined for any other layout.
 */
function* sessionLinesSteps(text: string): Steps<{ head: string; sessions: string[] } | undefined> {
  let eol = text.indexOf('\n');
  if (eol < 0 || !text.slice(0, eol).endsWith('"sessions":[')) return undefined;
  const head = text.slice(0, eol);
  const sessions: string[] = [];
  for (;;) {
    const start = eol + 1;
    eol = text.indexOf('\n', start);
    const line = text.slice(start, eol < 0 ? text.length : eol);
    if (line === ']}') return text.slice(start + 2).trim() === '' ? { head, sessions } : undefined;
    if (eol < 0 || !line.startsWith('[') || !(line.endsWith('],') || line.endsWith(']'))) return undefined;
    sessions.push(line.endsWith(',') ? line.slice(0, -1) : line);
    if ((sessions.length & (STEP - 1)) === 0) yield;
  }
}

/**
 * Imported commits as feedback events the training worker sessionizes: each commit gets its own window id (the
 * session id), and sessionize() keeps windows apart, so a commit stays one session however close in time it is to
 * the next, and its weight survives exactly (an 'open' of amount w weighs w). This reuses the events path (packed
 * in chunks, sessionized off the extension host) instead of a second message type.
 */
export function gitSessionsAsEvents(interactions: readonly Interaction[]): FeedbackEvent[] {
  return finishSteps(gitSessionsAsEventsSteps(interactions));
}

function* gitSessionsAsEventsSteps(interactions: readonly Interaction[]): Steps<FeedbackEvent[]> {
  const out = new Array<FeedbackEvent>(interactions.length);
  for (let i = 0; i < interactions.length; i++) {
    const x = interactions[i];
    out[i] = { t: x.time * 1000, item: x.item, kind: 'open', amount: x.weight / SIGNAL_WEIGHTS.open, w: x.session };
    if ((i & 1023) === 1023) yield;
  }
  return out;
}

/** The imported commits as the event columns a retrain sends (gitSessionsAsEvents), made in slices. */
export function* gitEventColumnsSteps(interactions: readonly Interaction[]): Steps<StoredEvents> {
  return yield* StoredEvents.fromEventsSteps(yield* gitSessionsAsEventsSteps(interactions));
}

/**
 * What a retrain sends: the recorded activity, then the imported commits with each file under its current name
 * (`moves`, oldest first: the renames recorded since).
 */
export function* withGitImportSteps(activity: StoredEvents, git: StoredEvents, moves: readonly FileMove[]): Steps<StoredEvents> {
  if (git.length === 0) return activity;
  return yield* StoredEvents.concatSteps([activity, yield* git.resolveMovesSteps(moves)]);
}

/** The saved import as a retrain takes it: event columns (gitEventColumnsSteps) and how many commits they hold. */
export interface GitImportEvents {
  events: StoredEvents;
  commits: number;
}

/** No import (no file, or one that could not be read). */
export const NO_GIT_IMPORT: GitImportEvents = { events: StoredEvents.EMPTY, commits: 0 };

/**
 * The saved import of one store, read again only when its file changed (another import, a quiet re-read, Reset): a
 * retrain runs every few dozen events, and reading 3,000 commits from the file each time held the extension host
 * 8-17 ms (the parse and the objects' collections) for what had not changed.
 */
export class GitImportReader {
  private kept: { key: string; value: GitImportEvents } | undefined;

  constructor(private readonly dir: string) {}

  /** Throws GitSessionsFormatError on a damaged file (read again at the next call). */
  async read(): Promise<GitImportEvents> {
    let key: string;
    try {
      const st = await fs.stat(path.join(this.dir, GIT_SESSIONS_FILE));
      key = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.kept = undefined;
      return NO_GIT_IMPORT;
    }
    if (this.kept?.key === key) return this.kept.value;
    const git = await loadGitSessions(this.dir);
    const events = await finishStepsAsync(gitEventColumnsSteps(git), GIT_SLICE_MS);
    let commits = 0;
    for (let i = 0; i < git.length; i++) if (i === 0 || git[i].session !== git[i - 1].session) commits++;
    const value = { events, commits };
    this.kept = { key, value };
    return value;
  }
}
