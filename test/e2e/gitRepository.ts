// Git repositories the e2e tests open as workspaces: made with the real `git` under .cache/runs, with dated commits.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import { CACHE } from './codeServer';
import { BACKEND, UI } from './sampleWorkspace';

/**
 * A fresh folder under .cache/runs (`fill` puts files in it) made a repository, and `git` to commit there; commits
 * are dated by `clock.t` (unix seconds), which the caller moves forward.
 */
export function newRepository(prefix: string, name: string, fill: (workspace: string) => void, startDaysAgo: number) {
  mkdirSync(path.join(CACHE, 'runs'), { recursive: true });
  const root = mkdtempSync(path.join(CACHE, 'runs', prefix));
  const workspace = path.join(root, name);
  fill(workspace);
  const clock = { t: Math.floor(Date.now() / 1000) - startDaysAgo * 86400 };
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', '-c', 'commit.gpgsign=false', ...args], {
      cwd: workspace,
      env: { ...process.env, GIT_AUTHOR_DATE: `${clock.t} +0000`, GIT_COMMITTER_DATE: `${clock.t} +0000` },
      stdio: 'ignore',
    });
  };
  git('init', '-q', '-b', 'main');
  return { root, workspace, clock, git };
}

/** A copy of sample-workspace turned into a repository whose commits alternate UI work and backend work. */
export function gitWorkspace(commits: number): { root: string; workspace: string } {
  const copy = (workspace: string) => cpSync(path.join(CACHE, '..', 'sample-workspace'), workspace, { recursive: true });
  const { root, workspace, clock, git } = newRepository('ws-cold-', 'sample-workspace', copy, 40);
  git('add', '-A');
  git('commit', '-q', '-m', 'initial import');
  for (let c = 0; c < commits; c++) {
    const files = c % 2 ? BACKEND : UI;
    const touched = [files[c % files.length], files[(c + 1) % files.length]];
    for (const f of touched) appendFileSync(path.join(workspace, f), `// change ${c}\n`);
    clock.t += 3 * 3600;
    git('add', '--', ...touched);
    git('commit', '-q', '-m', `change ${c}`);
  }
  return { root, workspace };
}
