// One compaction of a store folder whose lock is held, as pure steps over files: the same code runs on the extension
// host (small stores, in slices) and in a worker thread (compactWorker.ts, large ones), where the garbage collection
// of a million events read and rewritten cannot stall the host's event loop.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { dropDeletedHistorySteps, resolveMovesSteps } from '../fileChanges';
import { aggregateOldSessionsSteps } from './aggregation';
import { writeAtomic } from './atomicWrite';
import { applyCapsSteps, mergeDwellSteps } from './compaction';
import { readJournal, journalNames, sealedJournals } from './journal';
import { LEGACY_SNAPSHOT, SNAPSHOT } from './layout';
import type { CompactLock } from './lock';
import type { StoreProblems } from './problems';
import { readSnapshot, snapshotStamp } from './snapshot';
import { isErrno } from './fsErrors';
import { encodeSnapshotBinSteps } from './snapshotBinary';
import { concatSteps, type Slicer } from './steps';

/** What one compaction needs to know (plain data: it is also the worker's input). */
export interface CompactParams {
  dir: string;
  windowId: string;
  /** this window's current journal segment, and whether it is disposed: which journals are sealed */
  seq: number;
  disposed: boolean;
  maxItems: number;
  maxEvents: number;
  deletedRetentionMs: number;
  /** sessions that ended before this (unix ms; -Infinity: none) are folded (aggregation.ts) */
  aggregateBeforeMs: number;
  sessionGapMs: number;
  staleLockMs: number;
  /** the id of the lock the caller holds (CompactLock.tryLock) */
  lockId: string;
}

/**
 * Folds the journals into a new snapshot, applies the caps, deletes fully merged sealed journals. False when the lock
 * was lost or the snapshot changed under us (the next compaction does the work). Throws on I/O errors.
 */
export async function compactHeld(p: CompactParams, problems: StoreProblems, lock: CompactLock, sliced: Slicer): Promise<boolean> {
  const { snap, stamp, damaged } = await readSnapshot(p.dir, problems, sliced, true);
  const names = await journalNames(p.dir);
  // Which journals may be deleted is decided BEFORE reading them: only one nobody can append to any more is
  // fully held by what we read. Judged after the read, a window that appended and then exited in between looked
  // 'dead', and its last lines were deleted with the file without ever reaching the snapshot.
  const sealed = sealedJournals(names, { windowId: p.windowId, seq: p.seq, disposed: p.disposed });
  if (!damaged && stamp.startsWith(`${SNAPSHOT}:`) && (await allMerged(p.dir, [...names, LEGACY_SNAPSHOT], snap.merged))) {
    // Nothing to fold in: what is left is deleting the sealed journals, whose lines the snapshot holds (a window's
    // close seals its journal). Their names stay in the snapshot's merged offsets until the next rewrite drops them.
    if (sealed.size > 0 && !(await lock.holdLock(p.lockId))) return false;
    for (const name of sealed.keys()) await fs.rm(path.join(p.dir, name), { force: true });
    return true;
  }
  const merged: Record<string, number> = {};
  const parts = [await sliced(snap.stored.eventsSteps())];
  const done: { name: string; complete: boolean; tail: string }[] = [];
  for (const name of names) {
    const start = snap.merged[name] ?? 0;
    const read = await readJournal(p.dir, name, start, problems, sliced);
    if (!read) continue;
    parts.push(read.events);
    if (read.bad.length > 0) await problems.saveBadLines(name, read.bad);
    merged[name] = read.end;
    done.push({ name, complete: read.end === read.size, tail: read.tail });
  }
  if (!(await lock.holdLock(p.lockId))) return false;
  const evicted = { ...snap.evicted };
  const events = await sliced(concatSteps(parts));
  const dwellMerged = await sliced(mergeDwellSteps(events, true));
  // Renamed files' history is stored under the new name; deleted files' history goes after the retention period.
  const current = await sliced(resolveMovesSteps(dwellMerged));
  const retained = await sliced(dropDeletedHistorySteps(current, Date.now() - p.deletedRetentionMs));
  if (retained.dropped > 0) evicted.events += retained.dropped;
  // Old sessions as training reads them, one event per (item, kind): nothing is lost, so nothing counts as evicted.
  const folded = await sliced(aggregateOldSessionsSteps(retained.kept, p.aggregateBeforeMs, p.sessionGapMs));
  const kept = await sliced(applyCapsSteps(folded.events, p.maxItems, p.maxEvents, evicted));
  const chunks = await sliced(encodeSnapshotBinSteps(kept, { merged, evicted }));
  // If our lock was taken as stale and the taker wrote a snapshot meanwhile, ours is built from an older one and
  // would undo its merge (whose journals it may have deleted): give up and leave the work to the next compaction.
  const stillOurs = async (): Promise<boolean> => (await lock.holdLock(p.lockId)) && (await snapshotStamp(p.dir)) === stamp;
  if (!(await writeAtomic(path.join(p.dir, SNAPSHOT), chunks, stillOurs))) return false;
  // A store from before snapshot.bin is migrated now: its text snapshot is held by the new file (a crash before this
  // line leaves both, and snapshot.bin wins).
  await fs.rm(path.join(p.dir, LEGACY_SNAPSHOT), { force: true });
  // Only now that the snapshot holds their lines may sealed journals go (a crash before this leaves them,
  // with merged offsets equal to their size, so nothing is read twice).
  for (const { name, complete, tail } of done) {
    if (!sealed.has(name) || !(complete || sealed.get(name) === 'dead')) continue;
    // A gone window's unfinished last line can never be completed: kept aside and told, not deleted with the file.
    if (!complete && tail !== '') await problems.saveTornTail(name, tail);
    await fs.rm(path.join(p.dir, name), { force: true });
  }
  return true;
}

/**
 * Whether every journal's lines are in the snapshot already (each file's size is its merged offset; a text
 * snapshot a migration left behind counts as unmerged, so that it goes). Then a
 * compaction has nothing to fold in, and it returns without rewriting (the snapshot was still read in full
 * above, so damage is found and told as before). What it leaves to the next compaction with new lines is the
 * time-based part: old sessions aggregated (training reads them the same either way) and the history of files
 * deleted longer ago than the retention let go (never recommended meanwhile). A window's start and close compact,
 * and each time this read and rewrote every stored event: at 1,000,000 events FeedbackStore.open took 1.1-1.4 s and
 * 340 MB, now 0.2 s and 16-19 MB (a /tmp script over out/, 3 opens each, 2 runs).
 */
async function allMerged(dir: string, names: readonly string[], merged: Readonly<Record<string, number>>): Promise<boolean> {
  for (const name of names) {
    try {
      if ((await fs.stat(path.join(dir, name))).size !== (merged[name] ?? 0)) return false;
    } catch (err) {
      // Gone meanwhile (its window compacted it away): nothing of it to fold in here.
      if (!isErrno(err, 'ENOENT')) return false;
    }
  }
  return true;
}

const FIELDS = [
  'dir', 'windowId', 'seq', 'disposed', 'maxItems', 'maxEvents', 'deletedRetentionMs', 'aggregateBeforeMs', 'sessionGapMs', 'staleLockMs', 'lockId',
] as const;

/** CompactParams from an untrusted value (the worker's input); throws when it is not one. */
export function parseCompactParams(v: unknown): CompactParams {
  if (typeof v !== 'object' || v === null) throw new Error('compaction parameters must be an object');
  const o = v as Record<string, unknown>;
  for (const k of FIELDS) {
    const want = k === 'disposed' ? 'boolean' : k === 'dir' || k === 'windowId' || k === 'lockId' ? 'string' : 'number';
    if (typeof o[k] !== want) throw new Error(`compaction parameter ${k} must be a ${want}`);
  }
  return o as unknown as CompactParams;
}
