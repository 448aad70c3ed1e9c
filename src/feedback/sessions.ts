// Cuts the event stream into working sessions (the matrix rows, DESIGN.md section 3). Pure.
import { LatentInputError } from '../core/errors';
import type { Interaction } from '../core/interaction';
import { FeedbackEvent, signalWeight } from './signal';

export const DEFAULT_SESSION_GAP_MS = 30 * 60 * 1000;

/**
 * One Interaction per (session, item): weights summed, time = the item's last event in the session (unix s).
 * A session ends after `gapMs` without events. Windows are sessionized separately (two windows open at once are
 * two lines of work); session id = `<window>@<start ms>`. Dismissals carry no positive weight and are left out.
 */
export function sessionize(events: readonly FeedbackEvent[], gapMs: number): Interaction[] {
  if (!Number.isFinite(gapMs) || gapMs <= 0) throw new LatentInputError(`session gap must be > 0 ms, got ${gapMs}`);
  const byWindow = new Map<string, FeedbackEvent[]>();
  for (const e of events) {
    const w = e.w ?? '';
    let list = byWindow.get(w);
    if (!list) byWindow.set(w, (list = []));
    list.push(e);
  }
  const out: Interaction[] = [];
  for (const [w, list] of byWindow) {
    list.sort((a, b) => a.t - b.t);
    let session = '';
    let last = -Infinity;
    let cells = new Map<string, Interaction>();
    for (const e of list) {
      if (e.t - last > gapMs) {
        session = `${w || 'w'}@${e.t}`;
        cells = new Map();
      }
      last = e.t;
      const weight = signalWeight(e);
      if (weight <= 0) continue;
      const cell = cells.get(e.item);
      if (cell) {
        cell.weight += weight;
        cell.time = e.t / 1000;
      } else {
        const c: Interaction = { session, item: e.item, time: e.t / 1000, weight };
        cells.set(e.item, c);
        out.push(c);
      }
    }
  }
  return out;
}

/** Weighted items of the session that is still open at `now` (events within `gapMs` of each other and of now). */
export function openSession(events: readonly FeedbackEvent[], gapMs: number, now: number, w?: string): Map<string, number> {
  const mine = events.filter((e) => w === undefined || e.w === w).sort((a, b) => b.t - a.t);
  const out = new Map<string, number>();
  let next = now;
  for (const e of mine) {
    if (next - e.t > gapMs) break;
    next = e.t;
    const weight = signalWeight(e);
    if (weight > 0) out.set(e.item, (out.get(e.item) ?? 0) + weight);
  }
  return out;
}
