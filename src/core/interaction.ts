// The unit of implicit feedback shared by the feedback store, the trainer and the evaluation.
// Re-exported by recommender.ts (the contract's home for it); kept here so pure helpers can use it without a cycle.

export interface Interaction {
  session: string;
  item: string;
  /** unix seconds */
  time: number;
  /** raw signal, > 0 */
  weight: number;
}

/**
 * Interactions as columns over a session table and an item table, each name at most once (the tables may hold names
 * no row uses): what the worker trains from. A million interactions are four typed arrays here, where as objects
 * they were 92 MB, and a pass over them compares indices instead of looking strings up.
 */
export interface InteractionColumns {
  readonly sessions: readonly string[];
  readonly items: readonly string[];
  readonly session: Int32Array;
  readonly item: Int32Array;
  /** unix seconds */
  readonly time: Float64Array;
  readonly weight: Float64Array;
}

/** A history as objects (evaluation, tests) or as columns (the worker). */
export type History = readonly Interaction[] | InteractionColumns;

export function historyLength(h: History): number {
  return isColumns(h) ? h.time.length : h.length;
}

export function isColumns(h: History): h is InteractionColumns {
  return !Array.isArray(h);
}

/** The history as columns (tables in order of first appearance); columns are returned as they are. */
export function asColumns(h: History): InteractionColumns {
  if (isColumns(h)) return h;
  const n = h.length;
  const sessions: string[] = [];
  const items: string[] = [];
  const sessionOf = new Map<string, number>();
  const itemOf = new Map<string, number>();
  const c = { sessions, items, session: new Int32Array(n), item: new Int32Array(n), time: new Float64Array(n), weight: new Float64Array(n) };
  let last = '';
  let lastIndex = -1;
  for (let i = 0; i < n; i++) {
    const x = h[i];
    // A session's interactions usually come together: the map only when it changes.
    if (lastIndex < 0 || x.session !== last) {
      let s = sessionOf.get(x.session);
      if (s === undefined) sessionOf.set(x.session, (s = sessions.push(x.session) - 1));
      last = x.session;
      lastIndex = s;
    }
    let it = itemOf.get(x.item);
    if (it === undefined) itemOf.set(x.item, (it = items.push(x.item) - 1));
    c.session[i] = lastIndex;
    c.item[i] = it;
    c.time[i] = x.time;
    c.weight[i] = x.weight;
  }
  return c;
}

/** The history as objects (the tables' strings shared); an array is returned as it is. */
export function asInteractions(h: History): readonly Interaction[] {
  if (!isColumns(h)) return h;
  const out: Interaction[] = new Array(h.time.length);
  for (let i = 0; i < out.length; i++) out[i] = { session: h.sessions[h.session[i]], item: h.items[h.item[i]], time: h.time[i], weight: h.weight[i] };
  return out;
}

/** The interactions of the sessions `keep` accepts, in order; columns keep their tables (`keep` runs once a name). */
export function keepSessions<H extends History>(h: H, keep: (session: string) => boolean): H {
  if (!isColumns(h)) return (h as readonly Interaction[]).filter((x) => keep(x.session)) as unknown as H;
  return keepRows(h, Uint8Array.from(h.sessions, (id) => (keep(id) ? 1 : 0))) as H;
}

/** The rows of the sessions marked in `keep` (per entry of the session table), in order, with the same tables. */
export function keepRows(c: InteractionColumns, keep: Uint8Array): InteractionColumns {
  let n = 0;
  for (let i = 0; i < c.session.length; i++) if (keep[c.session[i]]) n++;
  const out = { sessions: c.sessions, items: c.items, session: new Int32Array(n), item: new Int32Array(n), time: new Float64Array(n), weight: new Float64Array(n) };
  for (let i = 0, o = 0; i < c.session.length; i++) {
    if (!keep[c.session[i]]) continue;
    out.session[o] = c.session[i];
    out.item[o] = c.item[i];
    out.time[o] = c.time[i];
    out.weight[o] = c.weight[i];
    o++;
  }
  return out;
}

/** The same rows with both tables cut to the names they use, numbered in order of first use. */
export function withUsedNames(c: InteractionColumns): InteractionColumns & { sessions: string[]; items: string[] } {
  const sessionAt = new Int32Array(c.sessions.length).fill(-1);
  const itemAt = new Int32Array(c.items.length).fill(-1);
  const sessions: string[] = [];
  const items: string[] = [];
  const session = new Int32Array(c.session.length);
  const item = new Int32Array(c.item.length);
  for (let r = 0; r < session.length; r++) {
    const s = c.session[r];
    const it = c.item[r];
    if (sessionAt[s] < 0) sessionAt[s] = sessions.push(c.sessions[s]) - 1;
    if (itemAt[it] < 0) itemAt[it] = items.push(c.items[it]) - 1;
    session[r] = sessionAt[s];
    item[r] = itemAt[it];
  }
  return { sessions, items, session, item, time: c.time, weight: c.weight };
}
