// Cold start from git history (pure part): parse `git log` output into commits and commits into sessions.
// Each commit is one session of the files it touched; merges and bulk commits (mass renames, formatting runs,
// vendored drops) say nothing about which files go together and are skipped.
import { LatentInputError } from '../core/errors';
import type { Interaction } from '../core/interaction';
import { itemKey } from '../core/itemKey';
import { requirePositive, requirePositiveInt } from '../core/validate';
import { finishSteps, type Steps } from '../core/train';
import { followRenamesSteps, type Rename } from './renames';

const RS = '\x1e';
const US = '\x1f';

/** Record separator, hash, author time, parents; the name-status entries follow NUL-separated (-z). */
export const GIT_LOG_FORMAT = '%x1e%H%x1f%at%x1f%P';

/**
 * Arguments for `git` that produce what parseGitLog reads: newest first, no merges, renames detected (-M, so a
 * renamed file's history can be followed), deleted paths left out. -z: paths come unquoted, whatever they hold.
 * `paths` limits the commits to those touching them, relative to git's working directory: the default '.' with
 * cwd at the workspace folder makes the N commits the folder's own (in a monorepo opened at a subfolder the
 * repository's newest N may not touch it). --full-diff still lists every file of such a commit, so the bulk-commit
 * check sees the whole commit and the caller decides what lies outside the folder.
 */
export function gitLogArgs(maxCommits: number, paths: readonly string[] = ['.']): string[] {
  requirePositiveInt('maxCommits', maxCommits);
  if (paths.length === 0 || paths.some((p) => typeof p !== 'string' || p === '')) {
    throw new LatentInputError('gitLogArgs: paths must be non-empty strings (use "." for the whole working directory)');
  }
  return [
    '--no-pager',
    'log',
    `--max-count=${maxCommits}`,
    '--no-merges',
    '--find-renames',
    '--name-status',
    '--diff-filter=d',
    '-z',
    '--full-diff',
    `--format=${GIT_LOG_FORMAT}`,
    '--',
    ...paths,
  ];
}

export interface GitCommit {
  hash: string;
  /** author time, unix seconds */
  time: number;
  parents: string[];
  /** paths as the commit left them: a rename or a copy counts under its new path only */
  files: string[];
  /** the commit's renames (old path -> new path), to name older commits' files as they are named at HEAD */
  renames: Rename[];
}

/** A name-status letter, with the similarity score git adds to R and C (R100, C075). */
const STATUS = /^\n?([ACDMRTUXB])\d*$/;

/**
 * Parses `git log` output made with gitLogArgs. With `complete = false` (output cut by a time or size limit) the
 * last record may be partial and is dropped. Throws LatentInputError on a malformed header or entry.
 *
 * The output is read token by token (NUL-separated): a header, then per file a status and one path (two for R and C).
 * Paths are taken by count, never by their content, so a path holding a newline, a tab or git's record separator
 * cannot be mistaken for the next entry or commit.
 */
export function parseGitLog(text: string, complete = true): GitCommit[] {
  return finishSteps(parseGitLogSteps(text, complete));
}

/**
 * Tokens (or files) between yield points: thousands of commits are read on the extension host. (Steps of 1,024, and
 * of 256 commits for renames, ran up to 5 ms: with a scavenge in the same slice, past the host's 10 ms.)
 */
const STEP = 256;

/** parseGitLog as generator steps (core/train.ts), so the host can run it in slices. */
export function* parseGitLogSteps(text: string, complete = true): Steps<GitCommit[]> {
  const tokens = text.split('\0');
  const last = tokens.length - 1;
  const commits: GitCommit[] = [];
  // the output ran out inside a record: the last record is partial
  let cut = false;
  // incomplete output ending in a header: that (maybe partial) header was never read
  let headerDropped = false;
  let i = 0;
  let nextYield = STEP;
  while (i <= last && !cut) {
    if (i >= nextYield) {
      nextYield = i + STEP;
      yield;
    }
    const token = tokens[i] ?? '';
    if (i === last && token === '') break; // the NUL after the last path
    if (!token.startsWith(RS)) throw new LatentInputError(`git log: expected a commit header, got ${JSON.stringify(token.slice(0, 120))}`);
    // A commit with no file listed has no NUL after its header: the next header follows in the same token.
    const headers = token.slice(1).split(RS);
    if (i === last && !complete) {
      headers.pop();
      headerDropped = cut = true;
    }
    for (const h of headers) commits.push(parseHeader(h.replace(/\n+$/, ''), commits.length));
    i++;
    const c = commits[commits.length - 1];
    while (c !== undefined && !cut && i <= last && !(tokens[i] ?? '').startsWith(RS)) {
      if (i >= nextYield) {
        nextYield = i + STEP;
        yield; // a bulk commit can list thousands of files
      }
      const status = tokens[i++] ?? '';
      if (i > last) {
        cut = status !== '';
        break;
      }
      const letter = STATUS.exec(status)?.[1];
      if (letter === undefined) throw new LatentInputError(`git log: commit ${c.hash}: unexpected status ${JSON.stringify(status.slice(0, 40))}`);
      const two = letter === 'R' || letter === 'C';
      // paths are never empty: the last token (after the final NUL) is no path
      if (i + (two ? 2 : 1) > last) {
        cut = true;
        break;
      }
      const path = tokens[i++] ?? '';
      if (!two) {
        if (letter !== 'D') c.files.push(path); // a deleted path is no file of the commit (--diff-filter=d omits it anyway)
        continue;
      }
      const to = tokens[i++] ?? '';
      c.files.push(to);
      if (letter === 'R') c.renames.push({ from: path, to });
    }
  }
  if (complete && cut) throw new LatentInputError('git log: the output ends inside a file entry');
  // Cut short: the last record may be partial.
  if (!complete && !headerDropped) commits.pop();
  return commits;
}

function parseHeader(header: string, r: number): GitCommit {
  const [hash, at, parents] = header.split(US);
  if (hash === undefined || !/^[0-9a-f]{7,64}$/.test(hash) || parents === undefined) {
    throw new LatentInputError(`git log record ${r + 1}: unexpected header ${JSON.stringify(header.slice(0, 120))}`);
  }
  const time = Number(at);
  if (at === '' || !Number.isFinite(time)) throw new LatentInputError(`git log record ${r + 1}: bad time ${JSON.stringify(at)}`);
  return { hash, time, parents: parents === '' ? [] : parents.split(' '), files: [], renames: [] };
}

export interface GitSessionOptions {
  /** commits touching more files than this are bulk changes: skipped (default 50) */
  maxFilesPerCommit?: number;
  /** raw signal of one file in one commit; below real usage (an open is 1) because a commit is indirect evidence */
  weight?: number;
  /** workspace-relative path -> true to leave it out (latent.exclude, files.exclude, .git) */
  isExcluded?(path: string): boolean;
  /**
   * path -> true when it exists at HEAD. Paths that do not (deleted since) are left out, after renames are followed:
   * recommending a file that no longer exists would only send the user to a dead name. Their co-occurrence in old
   * commits is dropped with them; kept simple on purpose. Absent: every path is kept.
   */
  existsAtHead?(path: string): boolean;
}

export const GIT_DEFAULTS = { maxFilesPerCommit: 50, weight: 0.3 };

/**
 * A commit that touches only bookkeeping files (manifests, lockfiles, changelogs, version files) is mechanical: a
 * version bump, a dependency update, a release. It says little about which files are worked on together, so its
 * files weigh this fraction of a commit's usual weight.
 */
export const MECHANICAL_WEIGHT = 0.1;
const BOOKKEEPING = /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb|Cargo\.(toml|lock)|go\.(mod|sum)|pyproject\.toml|poetry\.lock|Pipfile(\.lock)?|requirements[\w.-]*\.txt|Gemfile(\.lock)?|composer\.(json|lock)|(CHANGELOG|CHANGES|HISTORY|RELEASES?)(\.\w+)?|VERSION(\.\w+)?|version\.txt)$/i;

/** True when every file of the commit is bookkeeping (see MECHANICAL_WEIGHT). */
export function isMechanicalCommit(files: readonly string[]): boolean {
  return files.length > 0 && files.every((f) => BOOKKEEPING.test(f));
}

export interface GitSessions {
  interactions: Interaction[];
  commits: number;
  used: number;
  skippedMerges: number;
  skippedBulk: number;
  /** commits left with no file after exclusion and after leaving out files no longer at HEAD */
  skippedEmpty: number;
  /** commits of bookkeeping files only (version bumps, dependency updates), kept at MECHANICAL_WEIGHT */
  mechanical: number;
  excludedFiles: number;
  /** distinct paths left out because their file is not at HEAD (deleted since; not counting excluded ones) */
  notAtHead: number;
}

/**
 * One session `git:<hash>` per usable commit, items `file:<path>` under the path's name at HEAD (renames followed;
 * `commits` newest first, as git log lists them).
 */
export function commitsToSessions(commits: readonly GitCommit[], opts: GitSessionOptions = {}): GitSessions {
  return finishSteps(commitsToSessionsSteps(commits, opts));
}

/** commitsToSessions as generator steps (core/train.ts), so the host can run it in slices. */
export function* commitsToSessionsSteps(commits: readonly GitCommit[], opts: GitSessionOptions = {}): Steps<GitSessions> {
  const maxFiles = opts.maxFilesPerCommit ?? GIT_DEFAULTS.maxFilesPerCommit;
  const weight = opts.weight ?? GIT_DEFAULTS.weight;
  requirePositiveInt('maxFilesPerCommit', maxFiles);
  requirePositive('weight', weight);
  const out: GitSessions = {
    interactions: [],
    commits: commits.length,
    used: 0,
    skippedMerges: 0,
    skippedBulk: 0,
    skippedEmpty: 0,
    mechanical: 0,
    excludedFiles: 0,
    notAtHead: 0,
  };
  // Renames of every commit count, skipped ones too: a moved folder is a bulk commit that still names its files.
  const headNames = yield* followRenamesSteps(commits);
  const notAtHead = new Set<string>();
  let work = 0;
  for (let n = 0; n < commits.length; n++) {
    const c = commits[n];
    work += c.files.length + 1;
    if (work >= STEP) {
      work = 0;
      yield;
    }
    if (c.parents.length > 1) {
      out.skippedMerges++;
      continue;
    }
    // judged on the commit as made: a rename is one file
    if (new Set(c.files).size > maxFiles) {
      out.skippedBulk++;
      continue;
    }
    const named = headNames[n] ?? { files: [], gone: [] };
    const excluded = (f: string): boolean => opts.isExcluded?.(f) === true;
    const kept: string[] = [];
    for (const f of named.files) {
      if (excluded(f)) out.excludedFiles++;
      else if (opts.existsAtHead && !opts.existsAtHead(f)) notAtHead.add(f);
      else kept.push(f);
    }
    for (const f of named.gone) {
      if (excluded(f)) out.excludedFiles++;
      else notAtHead.add(`\0${f}`); // a dead file, told apart from a live one of the same name
    }
    if (kept.length === 0) {
      out.skippedEmpty++;
      continue;
    }
    out.used++;
    const mechanical = isMechanicalCommit(kept);
    if (mechanical) out.mechanical++;
    const w = mechanical ? weight * MECHANICAL_WEIGHT : weight;
    const session = `git:${c.hash}`;
    for (const f of kept) out.interactions.push({ session, item: itemKey('file', f), time: c.time, weight: w });
  }
  out.notAtHead = notAtHead.size;
  return out;
}
