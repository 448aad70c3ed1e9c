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

// The buckets as flat arrays: the weight is looked up for every visit of every item at every test session.
const BUCKET_MAX_AGE = Float64Array.from(FRECENCY_BUCKETS, (b) => b[0]);
const BUCKET_WEIGHT = Float64Array.from(FRECENCY_BUCKETS, (b) => b[1]);

export function frecencyBucketWeight(ageSeconds: number): number {
  // Visits "in the future" (clock skew) count as fresh.
  const age = Math.max(0, ageSeconds);
  for (let b = 0; b < BUCKET_MAX_AGE.length; b++) if (age <= BUCKET_MAX_AGE[b]) return BUCKET_WEIGHT[b];
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

  /**
   * scores(nItems, now) for many `now`s in turn, as an evaluation asks (a test session at a time, in time order): the
   * returned array is reused and overwritten by the next call. While `now` goes forward (and every visit time is
   * finite), only the items one of whose latest visits left an age bucket since the previous call are scored again
   * (now - t only grows, rounding included, so the visits past a bucket's age are a prefix of them by time); else
   * every item is. The values are score()'s either way. Later add()s are not seen.
   */
  scorer(nItems: number): (now: number) => Float64Array {
    const out = new Float64Array(nItems);
    const entries = [...this.visits].filter(([i]) => i >= 0 && i < nItems);
    const nVisits = entries.reduce((n, [, v]) => n + v.latest.length, 0);
    const times = new Float64Array(nVisits);
    const owner = new Int32Array(nVisits);
    let finite = true;
    let p = 0;
    for (const [i, v] of entries) {
      for (const t of v.latest) {
        times[p] = t;
        owner[p++] = i;
        if (!Number.isFinite(t)) finite = false;
      }
    }
    // Visits by time: for each bucket, those that have left it by `now` (now - t > max age) are a prefix.
    const order = Array.from({ length: nVisits }, (_, q) => q).sort((a, b) => times[a] - times[b]);
    const sortedTimes = Float64Array.from(order, (q) => times[q]);
    const sortedOwner = Int32Array.from(order, (q) => owner[q]);
    const passed = new Int32Array(BUCKET_MAX_AGE.length);
    let at = NaN;
    const full = (now: number): void => {
      out.fill(0);
      for (const [i] of entries) out[i] = this.score(i, now);
      for (let b = 0; b < BUCKET_MAX_AGE.length; b++) {
        let q = 0;
        while (q < nVisits && now - sortedTimes[q] > BUCKET_MAX_AGE[b]) q++;
        passed[b] = q;
      }
    };
    return (now) => {
      if (now === at) return out;
      if (!(finite && now > at)) full(now);
      else {
        for (let b = 0; b < BUCKET_MAX_AGE.length; b++) {
          let q = passed[b];
          for (; q < nVisits && now - sortedTimes[q] > BUCKET_MAX_AGE[b]; q++) out[sortedOwner[q]] = this.score(sortedOwner[q], now);
          passed[b] = q;
        }
      }
      at = now;
      return out;
    };
  }

  /** Scores for items 0..nItems-1 (score() of each): only items with visits are visited, the others stay 0. */
  scores(nItems: number, now: number): Float64Array {
    const out = new Float64Array(nItems);
    for (const [i, v] of this.visits) {
      if (!(i >= 0 && i < nItems)) continue;
      const latest = v.latest;
      let sum = 0;
      for (let t = 0; t < latest.length; t++) sum += frecencyBucketWeight(now - latest[t]);
      out[i] = v.count * (sum / latest.length);
    }
    return out;
  }
}
