// The one way Latent replaces a file it keeps: write a temp file beside it, sync it, rename it over the old one.
// A crash (kill -9, power loss) leaves either the old file or the new one, never a half-written file under the name.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

const TEMP_RE = /\.tmp-[0-9a-f]{8}$/;

/**
 * Writes a temp file (chunk by chunk: each write yields to the loop), syncs it, then renames it over `file`.
 * `commit`, asked right before the rename, can still call it off (temp removed, false returned).
 */
export async function writeAtomic(file: string, data: string | readonly (string | Uint8Array)[], commit?: () => Promise<boolean>): Promise<boolean> {
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await fs.open(tmp, 'w');
  try {
    for (const chunk of typeof data === 'string' ? [data] : data) await (typeof chunk === 'string' ? fh.write(chunk) : fh.write(chunk));
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (commit && !(await commit())) {
      await fs.rm(tmp, { force: true });
      return false;
    }
    await fs.rename(tmp, file);
    return true;
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Removes temp files of writeAtomic in `dir` older than `olderThanMs`: left by a process killed mid-write (kill -9,
 * power loss), they would pile up otherwise. Young ones may be a live write of another window and are left alone.
 */
export async function removeStaleTemps(dir: string, olderThanMs: number): Promise<void> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => TEMP_RE.test(n));
  } catch {
    return;
  }
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      if (Date.now() - (await fs.stat(file)).mtimeMs > olderThanMs) await fs.rm(file, { force: true });
    } catch {
      // gone meanwhile, or not ours to remove: harmless
    }
  }
}
