// A history (as columns) indexed by session: what an update and a full fit read instead of an object per session.
import { indexOfKeys } from './idMap';
import type { Session } from './evalProtocol';
import type { InteractionColumns } from './interaction';
import { listAt, type ItemLists } from './itemLists';
import { bucketOrder } from './sparse';

/**
 * A history's sessions numbered in groupSessions' order (by start, ties in order of first appearance), as columns: at
 * a heavy year (170,000 sessions) an object and four arrays per session were about a third of an update's time in
 * garbage collection.
 */
export interface HistoryIndex {
  /** the model's items first (their indices, vectors and neighbour rows stay), then new ones by first appearance */
  items: string[];
  /** per entry of the history's item table, its index in `items` (-1: no row uses it) */
  colOf: Int32Array;
  /** the newest time */
  trainedAt: number;
  /** per session: its entry in the history's session table, its earliest and its newest time */
  table: Int32Array;
  start: Float64Array;
  newest: Float64Array;
  /** session s's rows of the history, in the history's order: rows[rowPtr[s] .. rowPtr[s + 1]) */
  rowPtr: Int32Array;
  rows: Int32Array;
  /** session s's distinct items (indices in `items`), in order of first appearance */
  lists: ItemLists;
}

/**
 * One pass over the history's columns (each item name looked up once, when a row first uses it), its sessions grouped
 * (sessionGroups), then a counting sort of the rows by session (bucketOrder). A plain function: the same loops inside
 * the generator ran several times slower.
 */
export function indexHistory(modelItems: readonly string[], data: InteractionColumns): HistoryIndex {
  const itemIndex = indexOfKeys(modelItems);
  const items = modelItems.slice();
  const n = data.time.length;
  const colOf = new Int32Array(data.items.length).fill(-1);
  let trainedAt = -Infinity;
  for (let r = 0; r < n; r++) {
    const it = data.item[r];
    if (colOf[it] < 0) {
      const name = data.items[it];
      let known = itemIndex.get(name);
      if (known === undefined) {
        known = items.length;
        itemIndex.set(name, known);
        items.push(name);
      }
      colOf[it] = known;
    }
    if (data.time[r] > trainedAt) trainedAt = data.time[r];
  }
  const { table, start, newest, sessionOf: sessionOfEntry } = sessionGroups(data);
  const groups = table.length;
  const sessionOfRow = new Int32Array(n);
  for (let r = 0; r < n; r++) sessionOfRow[r] = sessionOfEntry[data.session[r]];
  const { ptr: rowPtr, order: rows } = bucketOrder(sessionOfRow, groups);
  // Distinct items per session in order of first appearance (a stamp per item: sessions are read one at a time).
  const stamp = new Int32Array(items.length).fill(-1);
  const ptr = new Int32Array(groups + 1);
  const listItems = new Int32Array(n);
  let m = 0;
  for (let s = 0; s < groups; s++) {
    for (let q = rowPtr[s]; q < rowPtr[s + 1]; q++) {
      const c = colOf[data.item[rows[q]]];
      if (stamp[c] === s) continue;
      stamp[c] = s;
      listItems[m++] = c;
    }
    ptr[s + 1] = m;
  }
  return { items, colOf, trainedAt, table, start, newest, rowPtr, rows, lists: { ptr, items: listItems.slice(0, m) } };
}

/** A history's sessions in groupSessions' order (HistoryIndex's table, start and newest), and each entry's session. */
export interface SessionGroups {
  table: Int32Array;
  start: Float64Array;
  newest: Float64Array;
  /** per entry of the history's session table, its session (-1: no row uses it) */
  sessionOf: Int32Array;
}

/** One pass over the history's sessions and times: by start, ties in order of first appearance (a stable sort). */
export function sessionGroups(data: InteractionColumns): SessionGroups {
  const n = data.time.length;
  // Sessions first numbered in order of first appearance (g), at most one per entry of the session table.
  const groupOf = new Int32Array(data.sessions.length).fill(-1);
  const gTable = new Int32Array(data.sessions.length);
  const gStart = new Float64Array(data.sessions.length);
  const gNewest = new Float64Array(data.sessions.length);
  let groups = 0;
  for (let r = 0; r < n; r++) {
    const time = data.time[r];
    const s = data.session[r];
    let g = groupOf[s];
    if (g < 0) {
      g = groupOf[s] = groups++;
      gTable[g] = s;
      gStart[g] = time;
      gNewest[g] = time;
    } else {
      if (time < gStart[g]) gStart[g] = time;
      if (time > gNewest[g]) gNewest[g] = time;
    }
  }
  // A history in time order is sorted already.
  const order = new Int32Array(groups);
  let sorted = true;
  for (let g = 0; g < groups; g++) {
    order[g] = g;
    if (g > 0 && gStart[g] < gStart[g - 1]) sorted = false;
  }
  if (!sorted) order.sort((a, b) => gStart[a] - gStart[b] || a - b);
  const table = new Int32Array(groups);
  const start = new Float64Array(groups);
  const newest = new Float64Array(groups);
  const sessionOf = new Int32Array(data.sessions.length).fill(-1);
  for (let s = 0; s < groups; s++) {
    const g = order[s];
    table[s] = gTable[g];
    start[s] = gStart[g];
    newest[s] = gNewest[g];
    sessionOf[gTable[g]] = s;
  }
  return { table, start, newest, sessionOf };
}

/** Session s of the index as groupSessions gives it (id, earliest time, its items' names). */
export function sessionOf(h: HistoryIndex, data: InteractionColumns, s: number): Session {
  return { id: data.sessions[h.table[s]], time: h.start[s], items: listAt(h.lists, s).map((c) => h.items[c]) };
}
