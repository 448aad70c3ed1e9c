// The schema-2 text snapshot writer of the versions before snapshot.bin, kept here (the product only reads that format)
// to make stores as those versions left them, for the migration and salvage tests.
import type { Steps } from '../../../../src/core/train';
import { FeedbackEvent, SIGNAL_KINDS, SignalKind } from '../../../../src/feedback/signal';
import { ChunkBuilder, STEP } from '../../../../src/feedback/store/steps';

/**
 * Snapshot schema 2, one record per line so it is written and read in slices:
 *   {"format":"latent-feedback-snapshot","schema":2,"savedAt":...,"kinds":[...],"merged":{...},"evicted":{...},
 *    "items":I,"windows":W,"events":E}
 *   I lines: JSON string of an item; W lines: JSON string of a window id ("" = none)
 *   E lines: t,item index,kind index,amount,window index[,from item index (a rename's old key)]
 *            (sorted by t; numbers as JS prints them, exact)
 */
export function* encodeLegacySnapshotSteps(
  events: readonly FeedbackEvent[],
  merged: Record<string, number>,
  evicted: { events: number; items: number },
): Steps<string[]> {
  const items: string[] = [];
  const itemIx = new Map<string, number>();
  const windows: string[] = [];
  const windowIx = new Map<string, number>();
  const kindIx = new Map<SignalKind, number>(SIGNAL_KINDS.map((k, i) => [k, i]));
  const rows = new ChunkBuilder();
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    let ii = itemIx.get(e.item);
    if (ii === undefined) itemIx.set(e.item, (ii = items.push(e.item) - 1));
    const w = e.w ?? '';
    let wi = windowIx.get(w);
    if (wi === undefined) windowIx.set(w, (wi = windows.push(w) - 1));
    let fi = '';
    if (e.from !== undefined) {
      let ix = itemIx.get(e.from);
      if (ix === undefined) itemIx.set(e.from, (ix = items.push(e.from) - 1));
      fi = `,${ix}`;
    }
    rows.add(`${e.t},${ii},${kindIx.get(e.kind) ?? 0},${e.amount},${wi}${fi}\n`);
    if ((i & (STEP - 1)) === 0) yield;
  }
  const header = {
    format: 'latent-feedback-snapshot',
    schema: 2,
    savedAt: Date.now(),
    kinds: [...SIGNAL_KINDS],
    merged,
    evicted,
    items: items.length,
    windows: windows.length,
    events: events.length,
  };
  const out = new ChunkBuilder();
  out.add(JSON.stringify(header) + '\n');
  for (const [i, name] of [...items, ...windows].entries()) {
    out.add(JSON.stringify(name) + '\n');
    if ((i & (STEP - 1)) === 0) yield;
  }
  return [...out.finish(), ...rows.finish()];
}

