// Following renames through git history (pure): every path a commit touched, under the name its file has at HEAD,
// so a renamed file is one item with all of its history rather than two unrelated ones (the old name no longer
// exists and must not be recommended).
import { finishSteps, type Steps } from '../core/train';

/** One rename of a commit, as `git log -M` reports it (R status): `from` became `to` in that commit. */
export interface Rename {
  from: string;
  to: string;
}

export interface CommitPaths {
  /** paths the commit left behind (the new name of a rename or copy) */
  files: readonly string[];
  renames: readonly Rename[];
}

export interface HeadNames {
  /** the commit's files under their names at HEAD (first occurrence order, no duplicates) */
  files: string[];
  /**
   * the commit's files (their names in the commit) whose file no longer exists: it was deleted, then a later commit
   * renamed another file onto its path, so the name now belongs to a different file
   */
  gone: string[];
}

/** A later rename took the path over: what was there before is not the file that has the name now. */
const GONE = null;
type Target = string | typeof GONE;

/**
 * Maps each commit's files to their names at HEAD. `commits` are newest first (git log's order) and must include every
 * commit whose renames should apply, bulk ones too (a moved folder is a bulk commit, yet its renames still name the
 * files). A rename applies only to commits older than it: chains a -> b -> c end at c, a -> b -> a ends at a, and a
 * path reused by a new file after its file was renamed away keeps its later history under its own name.
 * Deletions do not map anything: a path deleted and added again is taken to be the same file (a revert, a file moved
 * out and back); whether a name still exists at HEAD is the caller's check.
 */
export function followRenames(commits: readonly CommitPaths[]): HeadNames[] {
  return finishSteps(followRenamesSteps(commits));
}

/** Commits between yield points of followRenamesSteps. */
const STEP = 64;

/** followRenames as generator steps (core/train.ts), so the host can run it in slices. */
export function* followRenamesSteps(commits: readonly CommitPaths[]): Steps<HeadNames[]> {
  // For commits older than the one being read: a path -> its file's name at HEAD (GONE: no file at HEAD). Absent: the
  // path is still its own name.
  const later = new Map<string, Target>();
  const resolve = (p: string): Target => {
    const t = later.get(p);
    return t === undefined ? p : t;
  };
  const out: HeadNames[] = [];
  for (let n = 0; n < commits.length; n++) {
    if (n > 0 && n % STEP === 0) yield;
    const c = commits[n];
    const files = new Set<string>();
    const gone: string[] = [];
    for (const f of c.files) {
      const head = resolve(f);
      if (head === GONE) gone.push(f);
      else files.add(head);
    }
    // Read all of the commit's renames against the newer state before changing it, so a swap (a -> b and b -> a in
    // one commit) maps both ways.
    const targets = c.renames.map((r) => resolve(r.to));
    for (const r of c.renames) later.set(r.to, GONE);
    c.renames.forEach((r, i) => later.set(r.from, targets[i] ?? GONE));
    out.push({ files: [...files], gone });
  }
  return out;
}
