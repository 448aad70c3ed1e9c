// The one place that runs the `git` executable: bounded in time and output, cancellable, never prompting, never
// taking optional locks (the user's own git commands must not find index.lock held by us).
import { spawn } from 'node:child_process';

/** git is missing, the folder is not in a repository, or git failed. */
export class GitBootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitBootstrapError';
  }
}

/** The caller's signal aborted: nothing is returned, so a cancelled import adds nothing. */
export class GitBootstrapCancelledError extends Error {
  constructor() {
    super('reading git history was cancelled');
    this.name = 'GitBootstrapCancelledError';
  }
}

export interface GitRunOptions {
  cwd: string;
  args: readonly string[];
  /** the git executable (default "git" on PATH) */
  gitPath?: string;
  /** stop git after this long; what it wrote so far is returned with stoppedBy 'timeout' */
  timeoutMs: number;
  /** stop git after this much output; what it wrote so far is returned with stoppedBy 'size' */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface GitRun {
  /** null when git was stopped (timeout, size) */
  code: number | null;
  stdout: Buffer;
  /** the first 4,000 characters */
  stderr: string;
  /** 'done': git exited by itself; 'timeout' / 'size': stopped by us, the output may end mid-record */
  stoppedBy: 'done' | 'timeout' | 'size';
}

/** Rejects with GitBootstrapError when git cannot be started, GitBootstrapCancelledError when `signal` aborts. */
export function runGit(opts: GitRunOptions): Promise<GitRun> {
  const gitPath = opts.gitPath ?? 'git';
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new GitBootstrapCancelledError());
      return;
    }
    const child = spawn(gitPath, opts.args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    let stoppedBy: GitRun['stoppedBy'] = 'done';
    let cancelled = false;
    let settled = false;
    const stop = (why: GitRun['stoppedBy']): void => {
      if (stoppedBy === 'done') stoppedBy = why;
      child.kill();
    };
    const timer = setTimeout(() => stop('timeout'), opts.timeoutMs);
    const onAbort = (): void => {
      cancelled = true;
      child.kill();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    child.stdout.on('data', (b: Buffer) => {
      if (stoppedBy !== 'done') return;
      chunks.push(b);
      bytes += b.length;
      if (bytes >= opts.maxBytes) stop('size');
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 4000) stderr += b.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const msg = err.code === 'ENOENT' ? `git executable not found (${gitPath})` : `could not run git: ${err.message}`;
      finish(() => reject(new GitBootstrapError(msg)));
    });
    child.on('close', (code) => {
      finish(() => {
        if (cancelled) reject(new GitBootstrapCancelledError());
        else resolve({ code: stoppedBy === 'done' ? code : null, stdout: Buffer.concat(chunks), stderr, stoppedBy });
      });
    });
  });
}
