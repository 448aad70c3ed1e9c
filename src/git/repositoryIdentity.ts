// The repository identity of a workspace folder (feedback/storeLocation.ts keys the store by it), asked of git at
// activation: bounded in time, so a slow or hung git can only delay activation by IDENTITY_TIMEOUT_MS.
import type { RepositoryIdentity } from '../feedback/storeLocation';
import { gitPrefix } from './coldStart';
import { GitBootstrapCancelledError, GitBootstrapError, runGit } from './runGit';

/** Both git calls together; measured: a few ms each on a warm repository, ~30 ms cold. */
export const IDENTITY_TIMEOUT_MS = 5000;

const HASH = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * The folder's repository identity. Throws GitBootstrapError saying why there is none: not in a repository, no
 * commit yet, git missing, failing or too slow.
 */
export async function repositoryIdentity(folder: string, gitPath = 'git', timeoutMs = IDENTITY_TIMEOUT_MS): Promise<RepositoryIdentity> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const prefix = await gitPrefix(folder, gitPath, signal);
    if (prefix === undefined) throw new GitBootstrapError('the folder is not in a git repository');
    const r = await runGit({ cwd: folder, args: ['rev-list', '--max-parents=0', 'HEAD'], gitPath, timeoutMs, maxBytes: 64_000, signal });
    if (r.code !== 0) {
      const why = r.stoppedBy === 'done' ? r.stderr.trim().split('\n')[0] ?? '' : `stopped: ${r.stoppedBy}`;
      throw new GitBootstrapError(`the repository has no commit to identify it by (git rev-list: ${why})`);
    }
    const roots = r.stdout.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => HASH.test(l)).sort();
    if (roots.length === 0) throw new GitBootstrapError('git rev-list printed no root commit');
    return { rootCommit: roots[0], prefix };
  } catch (err) {
    if (err instanceof GitBootstrapCancelledError) throw new GitBootstrapError(`git did not answer within ${timeoutMs} ms`);
    throw err;
  }
}
