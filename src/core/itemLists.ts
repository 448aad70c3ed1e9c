// Per session, the indices of its distinct items, as one CSR pattern: two typed arrays instead of an array per
// session (170,000 of them at a heavy year, each an object the garbage collector copies and promotes).

export interface ItemLists {
  /** list s is items[ptr[s] .. ptr[s + 1]); ptr.length = lists + 1 */
  readonly ptr: Int32Array;
  readonly items: Int32Array;
}

export function itemListsOf(lists: ReadonlyArray<readonly number[]>): ItemLists {
  const ptr = new Int32Array(lists.length + 1);
  for (let s = 0; s < lists.length; s++) ptr[s + 1] = ptr[s] + lists[s].length;
  const items = new Int32Array(ptr[lists.length]);
  for (let s = 0; s < lists.length; s++) items.set(lists[s], ptr[s]);
  return { ptr, items };
}

export function listCount(l: ItemLists): number {
  return l.ptr.length - 1;
}

/** How many lists hold at least `min` items (the model's multi-item sessions: min 2). */
export function listsOfAtLeast(l: ItemLists, min: number): number {
  let n = 0;
  for (let s = 0; s + 1 < l.ptr.length; s++) if (l.ptr[s + 1] - l.ptr[s] >= min) n++;
  return n;
}

/** List s as a plain array (a copy). */
export function listAt(l: ItemLists, s: number): number[] {
  return Array.from(l.items.subarray(l.ptr[s], l.ptr[s + 1]));
}

/** Every list as a plain array: for the few readers that need them so (EASE's Gramian). */
export function listsAsArrays(l: ItemLists): number[][] {
  return Array.from({ length: listCount(l) }, (_, s) => listAt(l, s));
}

/** Per item, the sum over the lists holding it of their weight (default 1). */
export function weightedCounts(l: ItemLists, nItems: number, weights?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(nItems);
  const { ptr, items } = l;
  for (let s = 0; s + 1 < ptr.length; s++) {
    const w = weights ? weights[s] : 1;
    for (let t = ptr[s]; t < ptr[s + 1]; t++) out[items[t]] += w;
  }
  return out;
}
