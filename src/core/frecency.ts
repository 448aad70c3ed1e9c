// Frecency (DESIGN.md section 4): age buckets 4h 100, 1d 80, 3d 60, 1w 40, 30d 20, 90d 10;
// score = visit count * mean bucket weight of the 10 latest visits.

const HOUR = 3600;
const DAY = 24 * HOUR;

/** [max age in seconds, weight], checked in order. */
export const FRECENCY_BUCKETS: ReadonlyArray<readonly [number, number]> = [
  [4 * HOUR, 100],
  [DAY, 80],
  [3 * DAY, 60],
  [7 * DAY, 40],
  [30 * DAY, 20],
  [90 * DAY, 10],
];

/** Visits older than 90 days keep the last bucket's weight: with 0 the baseline would forget every item of a
 * history that paused for a quarter, which makes it a strawman rather than a baseline. */
export const FRECENCY_OLDEST_WEIGHT = 10;

export const FRECENCY_SAMPLE = 10;

export function frecencyBucketWeight(ageSeconds: number): number {
  // Visits "in the future" (clock skew) count as fresh.
  const age = Math.max(0, ageSeconds);
  for (const [maxAge, w] of FRECENCY_BUCKETS) if (age <= maxAge) return w;
  return FRECENCY_OLDEST_WEIGHT;
}

/** Frecency of one item from all its visit times (unix seconds, any order). */
export function frecencyScore(visitTimes: ArrayLike<number>, now: number): number {
  const n = visitTimes.length;
  if (n === 0) return 0;
  const latest = Array.from(visitTimes).sort((a, b) => b - a).slice(0, FRECENCY_SAMPLE);
  let sum = 0;
  for (const t of latest) sum += frecencyBucketWeight(now - t);
  return n * (sum / latest.length);
}

/** Incremental form: keeps only the count and the latest visits, for scoring many items at many "now"s. */
export class FrecencyTracker {
  private readonly visits = new Map<number, { count: number; latest: number[] }>();

  add(item: number, time: number): void {
    let v = this.visits.get(item);
    if (!v) {
      v = { count: 0, latest: [] };
      this.visits.set(item, v);
    }
    v.count++;
    v.latest.push(time);
    if (v.latest.length > FRECENCY_SAMPLE) {
      v.latest.sort((a, b) => b - a);
      v.latest.length = FRECENCY_SAMPLE;
    }
  }

  score(item: number, now: number): number {
    const v = this.visits.get(item);
    if (!v) return 0;
    let sum = 0;
    for (const t of v.latest) sum += frecencyBucketWeight(now - t);
    return v.count * (sum / v.latest.length);
  }

  /** Scores for items 0..nItems-1. */
  scores(nItems: number, now: number): Float64Array {
    const out = new Float64Array(nItems);
    for (let i = 0; i < nItems; i++) out[i] = this.score(i, now);
    return out;
  }
}
