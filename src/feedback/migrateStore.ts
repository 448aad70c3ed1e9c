// Moves the feedback of a store kept under VS Code's per-folder storage (`<storage>/feedback`, before stores were
// keyed by repository identity, or while git could not tell the identity) into the store the window uses now,
// through FeedbackStore's public API, so the target's own files stay the store's business. Nothing is deleted: the
// old folder is renamed `feedback.migrated-<time>` and kept (Reset removes it with the rest of the folder storage).
//
// Order of the steps, so that a crash anywhere neither loses nor doubles an event:
//   1. rename `feedback` -> `feedback.migrating-<run>`: from here on the old store is this run's (and <run> names the
//      windows its events are written under); a crash leaves that folder, and the next start resumes it
//   2. append its events to the target under the windows `migrated.<run>.<lane>` and flush; on a resume, the events
//      a lane already holds are skipped (see remainingOf)
//   3. copy model.json & co where the target has none, without ever replacing one (link, which fails when it exists)
//   4. rename `feedback.migrating-<run>` -> `feedback.migrated-<time>`: the commit point
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { byWindow } from './sessions';
import type { FeedbackEvent } from './signal';
import { FeedbackStore, type FeedbackStoreOptions } from './store/feedbackStore';
import { isErrno } from './store/fsErrors';
import { STORE_FOLDER } from './storeLocation';

const MIGRATING = `${STORE_FOLDER}.migrating-`;
const MIGRATED = `${STORE_FOLDER}.migrated-`;
const LANE_PREFIX = 'migrated.';

export interface MigrateOptions {
  /** a session ends after this long without events (latent.sessionGapMinutes): windows are packed into lanes by it */
  gapMs: number;
  /** files copied from the old store where the target has none (the model, its backup, the git import) */
  copyIfMissing: readonly string[];
  onProblem?: FeedbackStoreOptions['onProblem'];
}

export interface Migration {
  /** the old store's folder as it is now (renamed) */
  keptAt: string;
  /** events read from the old store */
  events: number;
  /** of those, written now (fewer than `events` when a run cut short had written some) */
  written: number;
  /** files of copyIfMissing that were copied */
  copied: string[];
}

/**
 * Migrates every old store found in `storage` (`feedback` with data, and runs cut short) into the store folder
 * `targetDir`. Call before the window opens its own store at targetDir. Returns what was migrated.
 */
export async function migrateFolderStores(storage: string, targetDir: string, opts: MigrateOptions): Promise<Migration[]> {
  const out: Migration[] = [];
  const names = await readdirOrEmpty(storage);
  for (const name of names.filter((n) => n.startsWith(MIGRATING)).sort()) {
    out.push(await migrateRun(path.join(storage, name), name.slice(MIGRATING.length), targetDir, opts, true));
  }
  if (names.includes(STORE_FOLDER)) {
    const old = path.join(storage, STORE_FOLDER);
    if ((await readdirOrEmpty(old)).length === 0) {
      await fs.rmdir(old).catch(() => undefined); // an empty store holds nothing to move
    } else {
      const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
      const migrating = path.join(storage, `${MIGRATING}${run}`);
      await fs.rename(old, migrating);
      out.push(await migrateRun(migrating, run, targetDir, opts, false));
    }
  }
  return out;
}

async function migrateRun(source: string, run: string, targetDir: string, opts: MigrateOptions, resume: boolean): Promise<Migration> {
  const quiet = { flushIntervalMs: 0, compactIntervalMs: 0, ...(opts.onProblem ? { onProblem: opts.onProblem } : {}) };
  const old = await FeedbackStore.open(source, { ...quiet, windowId: `reader.${run}` });
  const events = await old.events();
  await old.dispose();

  let written = 0;
  const lanes = packWindows(events, opts.gapMs);
  for (let i = 0; i < lanes.length; i++) {
    const windowId = `${LANE_PREFIX}${run}.${i}`;
    const lane = await FeedbackStore.open(targetDir, { ...quiet, windowId });
    try {
      const todo = resume ? remainingOf(lanes[i], (await lane.events()).filter((e) => e.w === windowId)) : lanes[i];
      for (const e of todo) lane.append(e);
      written += todo.length;
    } finally {
      await lane.dispose(); // flushes, and folds the lane's journal into the snapshot
    }
  }

  const copied: string[] = [];
  for (const name of opts.copyIfMissing) {
    if (await copyIfMissing(path.join(source, name), path.join(targetDir, name))) copied.push(name);
  }
  const keptAt = path.join(path.dirname(source), `${MIGRATED}${new Date().toISOString().replace(/[:.]/g, '-')}-${run}`);
  await fs.rename(source, keptAt);
  return { keptAt, events: events.length, written, copied };
}

/**
 * Events keep their time `t`, but FeedbackStore.append drops the window tag `w` (the appending window's is used),
 * and sessions are cut per window. Packing the old windows into a few lanes, a window going into a lane only when
 * it starts more than a session gap after the lane's last event, keeps every session exactly as it was (windows
 * that overlapped in time stay apart) without opening one store per old window. Each lane comes out sorted by time.
 */
export function packWindows(events: readonly FeedbackEvent[], gapMs: number): FeedbackEvent[][] {
  const windows = [...byWindow(events).values()].map((list) => list.slice().sort((a, b) => a.t - b.t));
  windows.sort((a, b) => a[0].t - b[0].t);
  const lanes: { events: FeedbackEvent[]; last: number }[] = [];
  for (const list of windows) {
    const first = list[0].t;
    const last = list[list.length - 1].t;
    const lane = lanes.find((l) => first - l.last > gapMs);
    if (lane) {
      lane.events.push(...list);
      lane.last = last;
    } else {
      lanes.push({ events: list.slice(), last });
    }
  }
  return lanes.map((l) => l.events);
}

/**
 * What of `lane` (sorted by time) a run cut short did not write, given what the target holds for the lane (`had`).
 * A lane is appended in time order, and a cut-short write keeps a prefix of it (the store sets a torn last line
 * aside); compaction may merge back-to-back dwell ticks, but the merged tick keeps the later time. So: everything
 * after the last time held is missing, everything before it is there, and at that time an event is there when one
 * of the same item and kind is.
 */
export function remainingOf(lane: readonly FeedbackEvent[], had: readonly FeedbackEvent[]): FeedbackEvent[] {
  if (had.length === 0) return lane.slice();
  const last = Math.max(...had.map((e) => e.t));
  const atLast = new Set(had.filter((e) => e.t === last).map((e) => `${e.kind}\0${e.item}`));
  return lane.filter((e) => e.t > last || (e.t === last && !atLast.has(`${e.kind}\0${e.item}`)));
}

/** Copies `from` to `to` unless `to` exists; never replaces it, never leaves a partial `to`. True when copied. */
async function copyIfMissing(from: string, to: string): Promise<boolean> {
  // The temp name is one the store removes at open when a crash left it (`*.tmp-<8 hex>`).
  const tmp = `${to}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await fs.copyFile(from, tmp);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false; // nothing to copy
    throw err;
  }
  try {
    await fs.link(tmp, to); // fails with EEXIST when the target has one: it is kept
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    // No hard links on this file system: an exclusive copy (a crash mid-copy leaves a file the store sets aside).
    try {
      await fs.copyFile(tmp, to, fs.constants.COPYFILE_EXCL);
      return true;
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return false;
      throw e;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}
