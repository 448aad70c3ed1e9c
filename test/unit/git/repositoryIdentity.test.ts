import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { folderStoreDir, identityKey, identityStoreDir } from '../../../src/feedback/storeLocation';
import { repositoryIdentity } from '../../../src/git/repositoryIdentity';
import { GitBootstrapError } from '../../../src/git/runGit';

/** A temp folder, not inside any repository (GIT_CEILING_DIRECTORIES stops git looking above it). */
function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'latent-ident-'));
  process.env.GIT_CEILING_DIRECTORIES = path.dirname(dir);
  return dir;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

describe('repository identity (the store is keyed by root commit + folder inside the repository)', () => {
  const ceiling = process.env.GIT_CEILING_DIRECTORIES;
  const dirs: string[] = [];
  const dir = (): string => {
    const d = scratch();
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
    else process.env.GIT_CEILING_DIRECTORIES = ceiling;
  });

  it('is the root commit and the folder prefix, the same for a copy of the repository elsewhere', async () => {
    const repo = dir();
    mkdirSync(path.join(repo, 'packages', 'web'), { recursive: true });
    writeFileSync(path.join(repo, 'packages', 'web', 'a.ts'), 'a\n');
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'first');
    const root = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(path.join(repo, 'b.ts'), 'b\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'second');

    assert.deepEqual(await repositoryIdentity(repo), { rootCommit: root, prefix: '' });
    const sub = await repositoryIdentity(path.join(repo, 'packages', 'web'));
    assert.deepEqual(sub, { rootCommit: root, prefix: 'packages/web/' });

    // A clone in another place: same identity, so the same store folder.
    const elsewhere = path.join(dir(), 'clone');
    git(path.dirname(elsewhere), 'clone', '-q', repo, elsewhere);
    const cloned = await repositoryIdentity(path.join(elsewhere, 'packages', 'web'));
    assert.deepEqual(cloned, sub);
    assert.equal(identityStoreDir('/g', cloned), identityStoreDir('/g', sub));
    assert.notEqual(identityKey(sub), identityKey({ rootCommit: root, prefix: '' }));
  });

  it('with several root commits takes the smallest hash', async () => {
    const repo = dir();
    writeFileSync(path.join(repo, 'a.ts'), 'a\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'one root');
    git(repo, 'checkout', '-q', '--orphan', 'other');
    writeFileSync(path.join(repo, 'b.ts'), 'b\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'another root');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'merge', '-q', '--allow-unrelated-histories', '-m', 'merge', 'other');
    const roots = git(repo, 'rev-list', '--max-parents=0', 'HEAD').split('\n').sort();
    assert.equal(roots.length, 2);
    assert.equal((await repositoryIdentity(repo)).rootCommit, roots[0]);
  });

  it('none outside a repository, in a repository without commits, or without git (each says why)', async () => {
    await assert.rejects(repositoryIdentity(dir()), (e: Error) => e instanceof GitBootstrapError && /not in a git repository/.test(e.message));
    const empty = dir();
    git(empty, 'init', '-q');
    await assert.rejects(repositoryIdentity(empty), (e: Error) => e instanceof GitBootstrapError && /no commit/.test(e.message));
    await assert.rejects(repositoryIdentity(empty, path.join(empty, 'no-such-git')), (e: Error) => e instanceof GitBootstrapError && /not found/.test(e.message));
  });

  it('the key is the first hex digits of sha256(rootCommit NUL prefix); the fallback is <storage>/feedback', () => {
    const key = identityKey({ rootCommit: 'a'.repeat(40), prefix: 'x/' });
    assert.match(key, /^[0-9a-f]{20}$/);
    assert.equal(identityStoreDir('/g', { rootCommit: 'a'.repeat(40), prefix: 'x/' }), path.join('/g', 'workspaces', key, 'feedback'));
    assert.equal(folderStoreDir('/s'), path.join('/s', 'feedback'));
  });
});
