// Cold start from git history (pure part): parse `git log` output into commits and commits into sessions.
// Each commit is one session of the files it touched; merges and bulk commits (mass renames, formatting runs,
// vendored drops) say nothing about which files go together and are skipped.
import { LatentInputError } from '../core/errors';
import type { Interaction } from '../core/interaction';
import { itemKey } from '../core/itemKey';
import { requirePositive, requirePositiveInt } from '../core/validate';

const RS = '\x1e';
const US = '\x1f';

/** Record separator, hash, author time, parents; file names follow NUL-separated (-z). */
export const GIT_LOG_FORMAT = '%x1e%H%x1f%at%x1f%P';

/**
 * Arguments for `git` that produce what parseGitLog reads: newest first, no merges, deleted paths left out.
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
    '--no-renames',
    '--name-only',
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
  files: string[];
}

/**
 * Parses `git log` output made with gitLogArgs. With `complete = false` (output cut by a time or size limit) the
 * last record may be partial and is dropped. Throws LatentInputError on a malformed header.
 */
export function parseGitLog(text: string, complete = true): GitCommit[] {
  const records = text.split(RS).slice(1);
  if (!complete) records.pop();
  return records.map((rec, r) => {
    const nul = rec.indexOf('\0');
    const header = nul >= 0 ? rec.slice(0, nul) : rec.replace(/\n+$/, '');
    const [hash, at, parents] = header.split(US);
    if (!/^[0-9a-f]{7,64}$/.test(hash ?? '') || parents === undefined) {
      throw new LatentInputError(`git log record ${r + 1}: unexpected header ${JSON.stringify(header.slice(0, 120))}`);
    }
    const time = Number(at);
    if (at === '' || !Number.isFinite(time)) throw new LatentInputError(`git log record ${r + 1}: bad time ${JSON.stringify(at)}`);
    const files = nul >= 0 ? rec.slice(nul + 1).replace(/^\n/, '').split('\0').filter((f) => f !== '') : [];
    return { hash, time, parents: parents === '' ? [] : parents.split(' '), files };
  });
}

export interface GitSessionOptions {
  /** commits touching more files than this are bulk changes: skipped (default 50) */
  maxFilesPerCommit?: number;
  /** raw signal of one file in one commit; below real usage (an open is 1) because a commit is indirect evidence */
  weight?: number;
  /** workspace-relative path -> true to leave it out (latent.exclude, files.exclude, .git) */
  isExcluded?(path: string): boolean;
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
  /** commits left with no file after exclusion */
  skippedEmpty: number;
  /** commits of bookkeeping files only (version bumps, dependency updates), kept at MECHANICAL_WEIGHT */
  mechanical: number;
  excludedFiles: number;
}

/** One session `git:<hash>` per usable commit, items `file:<path>`. */
export function commitsToSessions(commits: readonly GitCommit[], opts: GitSessionOptions = {}): GitSessions {
  const maxFiles = opts.maxFilesPerCommit ?? GIT_DEFAULTS.maxFilesPerCommit;
  const weight = opts.weight ?? GIT_DEFAULTS.weight;
  requirePositiveInt('maxFilesPerCommit', maxFiles);
  requirePositive('weight', weight);
  const out: GitSessions = { interactions: [], commits: commits.length, used: 0, skippedMerges: 0, skippedBulk: 0, skippedEmpty: 0, mechanical: 0, excludedFiles: 0 };
  for (const c of commits) {
    if (c.parents.length > 1) {
      out.skippedMerges++;
      continue;
    }
    const files = [...new Set(c.files)];
    if (files.length > maxFiles) {
      out.skippedBulk++;
      continue;
    }
    const kept = files.filter((f) => !opts.isExcluded?.(f));
    out.excludedFiles += files.length - kept.length;
    if (kept.length === 0) {
      out.skippedEmpty++;
      continue;
    }
    out.used++;
    const mechanical = isMechanicalCommit(kept);
    if (mechanical) out.mechanical++;
    const w = mechanical ? weight * MECHANICAL_WEIGHT : weight;
    for (const f of kept) out.interactions.push({ session: `git:${c.hash}`, item: itemKey('file', f), time: c.time, weight: w });
  }
  return out;
}
