// model.json and model.prev.json: the trained model and the one before it, kept as a backup for when the latest
// cannot be read.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeAtomic } from './atomicWrite';
import { describe, isErrno } from './fsErrors';
import { MODEL, MODEL_PREV } from './layout';

/** Keeps the current model as the backup, then puts `json` in its place atomically. */
export async function saveModelFile(dir: string, json: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  try {
    await fs.copyFile(path.join(dir, MODEL), path.join(dir, MODEL_PREV));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  await writeAtomic(path.join(dir, MODEL), json);
}

/** The saved model text, or the backup when the latest is unreadable (handed to `moveAside` with the reason). */
export async function loadModelFile(dir: string, moveAside: (name: string, why: string) => Promise<void>): Promise<string | undefined> {
  for (const name of [MODEL, MODEL_PREV]) {
    let text: string;
    try {
      text = await fs.readFile(path.join(dir, name), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      await moveAside(name, `could not be read (${describe(err)})`);
      continue;
    }
    try {
      JSON.parse(text);
      return text;
    } catch (err) {
      await moveAside(name, `is not valid JSON (${describe(err)})`);
    }
  }
  return undefined;
}
