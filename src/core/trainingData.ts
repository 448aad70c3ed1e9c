// Training preprocessing, in one place: interactions -> the decayed session x item signal matrix the factor model
// learns from (DESIGN.md section 3: older sessions decay with a half-life; confidence c = 1 + alpha log(1 + r / eps)
// is applied by the trainers), and the decayed frecency prior. Pure: used by fitting, and by the panel that shows
// what training saw.
import { indexOfKeys } from './idMap';
import { LatentInputError } from './errors';
import { isColumns, withUsedNames, type History, type Interaction, type InteractionColumns } from './interaction';
import { listCount, weightedCounts, type ItemLists } from './itemLists';
import { CsrMatrix } from './sparse';

export { confidence } from './confidence';

export const DAY_SECONDS = 86400;

/** Weight of a signal `ageSeconds` old under a half-life in days: 0.5^(age / (halfLifeDays * DAY_SECONDS)). */
export function decayFactor(ageSeconds: number, halfLifeDays: number): number {
  return Math.pow(0.5, ageSeconds / (halfLifeDays * DAY_SECONDS));
}

/** Throws LatentInputError naming interaction i when it has no session/item, a non-finite time or a weight <= 0. */
export function validateInteraction(x: Interaction, i: number): void {
  if (typeof x.session !== 'string' || x.session === '') throw new LatentInputError(`interaction ${i}: empty session`);
  if (typeof x.item !== 'string' || x.item === '') throw new LatentInputError(`interaction ${i}: empty item`);
  if (!Number.isFinite(x.time)) throw new LatentInputError(`interaction ${i}: time must be finite, got ${x.time}`);
  if (!Number.isFinite(x.weight) || x.weight <= 0) {
    throw new LatentInputError(`interaction ${i}: weight must be a finite number > 0, got ${x.weight}`);
  }
}

/** validateInteraction for every row of columns, with its messages; each name of the tables is checked once. */
export function validateColumns(c: InteractionColumns): void {
  const named = (name: unknown): boolean => typeof name === 'string' && name !== '';
  const sessionOk = c.sessions.map(named);
  const itemOk = c.items.map(named);
  for (let i = 0; i < c.time.length; i++) {
    const w = c.weight[i];
    if (!sessionOk[c.session[i]] || !itemOk[c.item[i]] || !Number.isFinite(c.time[i]) || !(Number.isFinite(w) && w > 0)) {
      validateInteraction({ session: c.sessions[c.session[i]], item: c.items[c.item[i]], time: c.time[i], weight: w }, i);
    }
  }
}

export interface TrainingMatrix {
  /** sessions x items, raw signal per cell (repeated cells summed), each interaction decayed by its age */
  matrix: CsrMatrix;
  /** item key -> column, in order of first appearance */
  itemIndex: Map<string, number>;
  items: string[];
  /** unix seconds of the newest interaction: ages are measured from it */
  trainedAt: number;
  /**
   * The session of the newest interaction (the last one seen at that time) and its row; no map from every session's
   * name to its row (170,000 entries, about 5 MB of heap through a retrain at a million interactions): rows are
   * numbered in order of first appearance, and a fit names one row only.
   */
  newest?: { session: string; row: number };
}

/**
 * Rows are sessions, columns items (both in order of first appearance); a cell sums weight * 0.5^(age / half-life)
 * over its interactions, age measured from the newest interaction. Does not validate: see validateInteraction.
 */
export function buildTrainingMatrix(data: History, halfLifeDays: number): TrainingMatrix {
  if (isColumns(data)) return buildTrainingMatrixOfColumns(data, halfLifeDays);
  const sessionIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const items: string[] = [];
  let trainedAt = -Infinity;
  let newestSession: string | undefined;
  for (const x of data) {
    if (!sessionIndex.has(x.session)) sessionIndex.set(x.session, sessionIndex.size);
    if (!itemIndex.has(x.item)) {
      itemIndex.set(x.item, items.length);
      items.push(x.item);
    }
    if (x.time >= trainedAt) {
      trainedAt = x.time;
      newestSession = x.session;
    }
  }

  // Raw signal per cell, decayed by age; CsrMatrix sums repeated cells.
  const rows = new Int32Array(data.length);
  const cols = new Int32Array(data.length);
  const vals = new Float64Array(data.length);
  data.forEach((x, t) => {
    rows[t] = sessionIndex.get(x.session) as number;
    cols[t] = itemIndex.get(x.item) as number;
    vals[t] = x.weight * decayFactor(trainedAt - x.time, halfLifeDays);
  });
  const matrix = CsrMatrix.fromTriples(sessionIndex.size, items.length, rows, cols, vals);
  const newest = newestSession === undefined ? {} : { newest: { session: newestSession, row: sessionIndex.get(newestSession) as number } };
  return { matrix, itemIndex, items, trainedAt, ...newest };
}

/**
 * buildTrainingMatrix of columns: the same matrix, rows and columns numbered through the tables (each name is there
 * once, so a table entry's first row is its name's first appearance) instead of a lookup by name per interaction.
 */
function buildTrainingMatrixOfColumns(c: InteractionColumns, halfLifeDays: number): TrainingMatrix {
  const n = c.time.length;
  // Rows and columns numbered by first appearance: the names the rows use, in order.
  const { sessions, items, session: rows, item: cols } = withUsedNames(c);
  let trainedAt = -Infinity;
  let newest = -1;
  for (let t = 0; t < n; t++) {
    if (c.time[t] >= trainedAt) {
      trainedAt = c.time[t];
      newest = rows[t];
    }
  }
  const vals = new Float64Array(n);
  for (let t = 0; t < n; t++) vals[t] = c.weight[t] * decayFactor(trainedAt - c.time[t], halfLifeDays);
  const matrix = CsrMatrix.fromTriples(sessions.length, items.length, rows, cols, vals);
  return { matrix, itemIndex: indexOfKeys(items), items, trainedAt, ...(newest < 0 ? {} : { newest: { session: sessions[newest], row: newest } }) };
}

/**
 * Exponentially decayed visit count: sum over sessions that used the item of 0.5^(age / halfLife). Unlike the
 * bucketed frecency its order does not depend on "now" (every score scales by the same factor), so a snapshot
 * taken at training time ranks exactly as a fresh one would.
 */
export function decayedFrecency(lists: ItemLists, times: ArrayLike<number>, nItems: number, at: number, halfLife: number): Float32Array {
  const weights = new Float64Array(listCount(lists));
  for (let s = 0; s < weights.length; s++) weights[s] = Math.pow(0.5, (at - times[s]) / halfLife);
  return Float32Array.from(weightedCounts(lists, nItems, weights));
}
