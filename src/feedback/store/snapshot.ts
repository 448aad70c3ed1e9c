// The snapshot file: snapshot.bin (schema 3, columns in checksummed blocks: snapshotBinary.ts) is what is written.
// A store from before it has snapshot.json (schema 1 or 2: snapshotLegacy.ts): read while no snapshot.bin exists, and
// migrated by the first compaction (open() runs one), which writes snapshot.bin and then removes the text file.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { StoredEvents } from '../storedEvents';
import { describe, isErrno } from './fsErrors';
import { LEGACY_SNAPSHOT, SNAPSHOT } from './layout';
import type { StoreProblems } from './problems';
import { type DecodedSnapshot, type SnapshotMeta, decodeSnapshotBinSteps } from './snapshotBinary';
import { decodeLegacySnapshotSteps } from './snapshotLegacy';
import type { Slicer } from './steps';

export interface Snapshot extends SnapshotMeta {
  stored: StoredEvents;
}

const EMPTY: Snapshot = { stored: StoredEvents.EMPTY, merged: {}, evicted: { events: 0, items: 0 } };

/** Identity of a snapshot file: a compaction renames a new file over it, which changes the inode. */
function stampOf(name: string, s: { ino: number; mtimeMs: number; size: number }): string {
  return `${name}:${s.ino}:${s.mtimeMs}:${s.size}`;
}

/** The snapshot file that counts in `dir`: snapshot.bin, else (a store not yet migrated) snapshot.json. */
async function current(dir: string): Promise<{ name: string; stamp: string } | undefined> {
  for (const name of [SNAPSHOT, LEGACY_SNAPSHOT]) {
    try {
      return { name, stamp: stampOf(name, await fs.stat(path.join(dir, name))) };
    } catch {
      // not there (or cannot be seen): the next candidate
    }
  }
  return undefined;
}

/** Identity of the current snapshot file in `dir`; 'none' when there is none (or it cannot be seen). */
export async function snapshotStamp(dir: string): Promise<string> {
  return (await current(dir))?.stamp ?? 'none';
}

/**
 * The snapshot in `dir` and the stamp of the very file read (taken from its handle, so a rename meanwhile cannot mix
 * them). An unreadable snapshot, or one whose header is damaged, is moved aside (told once) and read as empty.
 * A snapshot damaged after its header gives every good event, with `damaged` set; with `repair` (the caller holds the
 * lock and writes a new snapshot from what it read) a copy is put aside and the loss told once, with counts.
 */
export async function readSnapshot(
  dir: string,
  problems: StoreProblems,
  sliced: Slicer,
  repair = false,
): Promise<{ snap: Snapshot; stamp: string; damaged: boolean }> {
  let name = SNAPSHOT;
  let buf: Buffer | undefined;
  let stamp = 'none';
  for (const candidate of [SNAPSHOT, LEGACY_SNAPSHOT]) {
    name = candidate;
    try {
      const fh = await fs.open(path.join(dir, name), 'r');
      try {
        stamp = stampOf(name, await fh.stat());
        buf = await fh.readFile();
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      await problems.moveAside(name, 'snapshot', `could not be read (${describe(err)})`);
      return { snap: EMPTY, stamp: await snapshotStamp(dir), damaged: false };
    }
  }
  if (buf === undefined) return { snap: EMPTY, stamp: 'none', damaged: false };
  let snap: DecodedSnapshot;
  try {
    if (name === SNAPSHOT) {
      snap = await sliced(decodeSnapshotBinSteps(buf));
    } else {
      const { events, ...rest } = await sliced(decodeLegacySnapshotSteps(buf));
      snap = { ...rest, stored: await sliced(StoredEvents.fromEventsSteps(events)) };
    }
  } catch (err) {
    await problems.moveAside(name, 'snapshot', `is damaged (${describe(err)}); none of its events could be read`);
    return { snap: EMPTY, stamp: await snapshotStamp(dir), damaged: false };
  }
  const { damage } = snap;
  if (damage === undefined) return { snap, stamp, damaged: false };
  delete snap.damage;
  if (repair) {
    const lost = Math.max(0, damage.expected - damage.kept);
    await problems.copyAside(
      name,
      'snapshot',
      (aside) =>
        `Latent's saved data ${name} is damaged (${damage.why.join('; ')}). ${damage.kept} of its ${damage.expected} events were salvaged and ${lost} lost; ` +
        (aside ? `the damaged file was moved aside to ${aside} in ${dir}` : `the damaged file could not be kept aside in ${dir}`) +
        '; recording continues.',
    );
  }
  return { snap, stamp, damaged: true };
}
