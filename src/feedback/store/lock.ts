// compact.lock: one compaction at a time across windows and processes. Taken by exclusive create; stale after
// staleMs without renewal or when its process is gone, so a crashed holder does not stop compaction for good.
import * as fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { isErrno } from './fsErrors';

/** True unless we know for sure the process is gone (ESRCH); EPERM means it exists but is not ours. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}

export class CompactLock {
  /**
   * `file`: the lock file; `owner`: the window taking it; `staleMs`: a lock older than this is considered abandoned;
   * `notAFile`: called when something that is not a file (a folder, a link) has the lock's name, which would block
   * every compaction for good: it should move it aside (and tell); true when it is gone.
   */
  constructor(
    private readonly file: string,
    private readonly owner: string,
    private readonly staleMs: number,
    private readonly notAFile: () => Promise<boolean> = async () => false,
  ) {}

  /** The id of the lock now held, or undefined: held by someone else, or it could not be written (`onError` told). */
  async tryLock(onError: (err: unknown) => void): Promise<string | undefined> {
    const id = `${this.owner}:${randomBytes(4).toString('hex')}`;
    const body = JSON.stringify({ id, pid: process.pid, t: Date.now() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fs.writeFile(this.file, body, { flag: 'wx' });
        return id;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) {
          onError(err);
          return undefined;
        }
      }
      if (attempt === 0 && !(await this.breakStaleLock())) return undefined;
    }
    return undefined;
  }

  /** Removes the lock if its holder crashed (process gone or lock too old) or it is not a lock file; true when removed. */
  private async breakStaleLock(): Promise<boolean> {
    let text: string;
    let age: number;
    try {
      // Only a regular file is a lock; anything else under the name (no window makes one) is handed to notAFile.
      if (!(await fs.lstat(this.file)).isFile()) return await this.notAFile();
      text = await fs.readFile(this.file, 'utf8');
      age = Date.now() - (await fs.stat(this.file)).mtimeMs;
    } catch {
      return true; // released meanwhile
    }
    let pid = NaN;
    try {
      pid = Number((JSON.parse(text) as { pid?: unknown }).pid);
    } catch {
      // unreadable lock: judge by age only
    }
    const stale = age > this.staleMs || (Number.isInteger(pid) && !processAlive(pid));
    if (!stale) return false;
    // Re-read right before removing so we do not remove a lock someone just took over (narrow race, documented).
    try {
      if ((await fs.readFile(this.file, 'utf8')) !== text) return false;
      await fs.rm(this.file, { force: true });
    } catch {
      return false;
    }
    return true;
  }

  /** True while the lock is still ours; renews its age so a slow (not crashed) holder is not judged stale. */
  async holdLock(id: string): Promise<boolean> {
    try {
      const text = await fs.readFile(this.file, 'utf8');
      if ((JSON.parse(text) as { id?: unknown }).id !== id) return false;
      const now = new Date();
      await fs.utimes(this.file, now, now);
      return true;
    } catch {
      return false;
    }
  }

  async unlock(id: string): Promise<void> {
    try {
      const text = await fs.readFile(this.file, 'utf8');
      if ((JSON.parse(text) as { id?: unknown }).id === id) await fs.rm(this.file, { force: true });
    } catch {
      // gone already
    }
  }
}
