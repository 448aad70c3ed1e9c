// Synthetic working sessions with known structure ("areas of work"), for the pipeline benchmark and tests.
import type { Interaction } from '../core/recommender';
import type { FeedbackEvent } from '../feedback/signal';
import { makeRng } from '../core/random';

export interface SyntheticOptions {
  interactions: number;
  /** Distinct items; split evenly into areas. */
  items: number;
  areas?: number;
  /** Items per session (mean). */
  perSession?: number;
  seed?: string;
}

/** Each session works in one area (touches several of its items) with a little noise from elsewhere. */
export function syntheticInteractions(o: SyntheticOptions): Interaction[] {
  const rng = makeRng(o.seed ?? 'latent-synthetic');
  const areas = o.areas ?? Math.max(2, Math.min(50, Math.round(o.items / 40)));
  const perArea = Math.max(1, Math.floor(o.items / areas));
  const per = o.perSession ?? 6;
  const out: Interaction[] = [];
  const t0 = 1_700_000_000;
  for (let s = 0; out.length < o.interactions; s++) {
    const area = Math.floor(rng() * areas);
    const session = `w@${s}`;
    const n = Math.max(2, Math.round(per * (0.5 + rng())));
    const seen = new Set<number>();
    for (let j = 0; j < n && out.length < o.interactions; j++) {
      const noise = rng() < 0.1;
      const a = noise ? Math.floor(rng() * areas) : area;
      // Zipf-ish within an area: a few files are touched in most sessions.
      const within = Math.floor(perArea * Math.pow(rng(), 2));
      const idx = a * perArea + within;
      if (seen.has(idx)) continue;
      seen.add(idx);
      out.push({ session, item: syntheticItem(idx, perArea), time: t0 + s * 3600 + j * 30, weight: 1 + Math.floor(rng() * 5) });
    }
  }
  return out;
}

export function syntheticItem(index: number, perArea: number): string {
  return `file:area${Math.floor(index / perArea)}/f${index % perArea}.ts`;
}

/**
 * The interactions as the feedback store would hold them: one 'open' event each (its weight as the amount, so the
 * worker's sessionizing gives back the same weights), in time order, moved to end a day before `nowMs` when they
 * would run into the future (the generator spaces sessions an hour apart from 2023 on).
 */
export function syntheticEvents(xs: readonly Interaction[], nowMs = Date.now()): FeedbackEvent[] {
  const newest = xs.reduce((m, x) => Math.max(m, x.time), -Infinity);
  const shift = Math.min(0, nowMs / 1000 - 86_400 - newest);
  const events: FeedbackEvent[] = xs.map((x) => ({ t: (x.time + shift) * 1000, item: x.item, kind: 'open', amount: x.weight }));
  return events.sort((a, b) => a.t - b.t);
}
