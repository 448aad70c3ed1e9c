// The replay protocol of DESIGN.md section 5: sessions in time order, the last 20% are test sessions. Before each
// test session every method has every session before it, and nothing else: the counting baselines are updated
// after every session, the fitted models are refitted on a cadence (the product by new events, as the extension's
// latent.retrainAfterEvents; EASE by test sessions, as the reference implementation) and in between only what
// moves live moves (the fold-in of the context). Leave-one-out inside each test session as in section 4;
// candidates are the items seen before the test session, minus the context.
import { indexOfKeys } from './idMap';
import { CooccurrenceIndex } from './baselines';
import { LatentInputError } from './errors';
import { candidateScores, groupSessions, MetricTotals, TRAIN_FRACTION, type EvalMethod, type MethodResult, type Ranker, type Session } from './evalProtocol';
import { FrecencyTracker } from './frecency';
import { nowMs } from './host';
import type { Interaction } from './interaction';

/** A method as the replay drives it: scores over the global item list, told about each session once it is past. */
export interface ReplayMethod {
  name: string;
  /** all sessions before the first test session */
  begin(history: readonly Interaction[], sessions: readonly Session[]): void;
  /** a session that is now in the past (its interactions and its grouping) */
  observe(interactions: readonly Interaction[], session: Session): void;
  /** scores aligned with the global item list; entries of items not yet seen are ignored */
  score(context: readonly number[], now: number): ArrayLike<number>;
  retrains(): number;
  retrainSeconds(): number;
  details?(): Record<string, number | string | boolean>;
}

export interface ReplayOptions {
  trainFraction?: number;
  /** refit the product-side models (mf, latent, ials) once this many new events arrived: the extension's default 50 */
  retrainEvery?: number;
  /** refit EASE every this many test sessions (the reference implementation: 50) */
  easeEvery?: number;
  /** items never recommended (latent.neverRecommend): not targets, not candidates, still context */
  neverRecommend?: (item: string) => boolean;
}

export interface ReplayMethodResult extends MethodResult {
  retrains: number;
  retrainSeconds: number;
}

export interface ReplayReport {
  dataset: { protocol: 'replay'; sessions: number; testSessions: number; testSessionsUsed: number; testCases: number; items: number; retrainEvery: number; easeEvery: number; neverRecommendItems: number };
  methods: ReplayMethodResult[];
}



/** Global item list: every item, in order of first appearance over time-ordered sessions. */
function itemUniverse(sessions: readonly Session[]): { items: string[]; index: Map<string, number> } {
  const index = new Map<string, number>();
  const items: string[] = [];
  for (const s of sessions) {
    for (const it of s.items) {
      if (!index.has(it)) {
        index.set(it, items.length);
        items.push(it);
      }
    }
  }
  return { items, index };
}

/** The counting baselines, updated after every session. */
export function countingReplayMethods(nItems: number, index: ReadonlyMap<string, number>): ReplayMethod[] {
  const idx = (s: Session): number[] => s.items.map((it) => index.get(it) as number);
  const counts = new Float64Array(nItems);
  const last = new Float64Array(nItems).fill(-Infinity);
  const tracker = new FrecencyTracker();
  const cooc = new CooccurrenceIndex([], nItems);
  const none = { retrains: () => 0, retrainSeconds: () => 0 };
  const popularity: ReplayMethod = {
    name: 'popularity',
    begin: (_h, sessions) => sessions.forEach((s) => popularity.observe([], s)),
    observe: (_x, s) => idx(s).forEach((i) => counts[i]++),
    score: () => counts,
    ...none,
  };
  const mru: ReplayMethod = {
    name: 'mru',
    begin: (h) => mru.observe(h, undefined as unknown as Session),
    observe: (xs) => {
      for (const x of xs) {
        const i = index.get(x.item) as number;
        if (x.time > last[i]) last[i] = x.time;
      }
    },
    score: () => last,
    ...none,
  };
  const frecency: ReplayMethod = {
    name: 'frecency',
    begin: (_h, sessions) => sessions.forEach((s) => frecency.observe([], s)),
    observe: (_x, s) => idx(s).forEach((i) => tracker.add(i, s.time)),
    score: (_c, now) => tracker.scores(nItems, now),
    ...none,
  };
  const cooccurrence: ReplayMethod = {
    name: 'cooccurrence',
    begin: (_h, sessions) => sessions.forEach((s) => cooccurrence.observe([], s)),
    observe: (_x, s) => cooc.addSession(idx(s)),
    score: (context) => {
      const out = new Float64Array(nItems);
      cooc.accumulate(context, out);
      return out;
    },
    ...none,
  };
  return [popularity, mru, frecency, cooccurrence];
}

/**
 * A fitted EvalMethod refitted on all history so far when `due` says so; between fits its ranker stays as it was
 * (its own fold-in still sees the live context). Items unknown at the last fit score below every known item.
 */
export function refittedReplayMethod(
  method: EvalMethod,
  globalItems: readonly string[],
  due: (eventsSinceFit: number, sessionsSinceFit: number) => boolean,
): ReplayMethod {
  const history: Interaction[] = [];
  let ranker: Ranker | undefined;
  let fitItems: string[] = [];
  let toFit = new Int32Array(0);
  let events = 0;
  let sessions = 0;
  let retrains = 0;
  let seconds = 0;
  const seen = new Set<string>();
  const refit = (): void => {
    const t0 = nowMs();
    fitItems = [...seen];
    ranker = method.fit(history, fitItems);
    const pos = indexOfKeys(fitItems);
    toFit = Int32Array.from(globalItems, (it) => pos.get(it) ?? -1);
    seconds += (nowMs() - t0) / 1000;
    retrains++;
    events = 0;
    sessions = 0;
  };
  return {
    name: method.name,
    begin(h) {
      for (const x of h) {
        history.push(x);
        seen.add(x.item);
      }
      refit();
    },
    observe(xs) {
      for (const x of xs) {
        history.push(x);
        seen.add(x.item);
      }
      events += xs.length;
      sessions++;
      if (due(events, sessions)) refit();
      else ranker?.observe?.(xs);
    },
    score(context, now) {
      const ctx = context.filter((i) => toFit[i] >= 0).map((i) => globalItems[i]);
      const s = (ranker as Ranker).score(ctx, now);
      return candidateScores(s, s.length, toFit, new Float64Array(globalItems.length));
    },
    retrains: () => retrains,
    retrainSeconds: () => seconds,
    details: () => ({ ...((ranker as Ranker | undefined)?.details ?? {}) }),
  };
}

/**
 * Runs the replay. `makeMethods` gets the global item list and index and returns the methods in report order.
 * A method only ever sees sessions strictly before the test session it is scored on.
 */
export function runReplay(
  data: readonly Interaction[],
  makeMethods: (items: readonly string[], index: ReadonlyMap<string, number>) => ReplayMethod[],
  opts: ReplayOptions = {},
): ReplayReport {
  const trainFraction = opts.trainFraction ?? TRAIN_FRACTION;
  const sessions = groupSessions(data);
  const nTrain = Math.floor(sessions.length * trainFraction);
  if (nTrain === 0 || nTrain === sessions.length) throw new LatentInputError(`need sessions on both sides of the split, got ${sessions.length} session(s)`);
  const { items, index } = itemUniverse(sessions);
  const bySession = new Map<string, Interaction[]>();
  for (const x of data) {
    let a = bySession.get(x.session);
    if (!a) bySession.set(x.session, (a = []));
    a.push(x);
  }
  const methods = makeMethods(items, index);
  const history: Interaction[] = [];
  for (const s of sessions.slice(0, nTrain)) history.push(...(bySession.get(s.id) as Interaction[]));
  const fitSeconds = new Float64Array(methods.length);
  methods.forEach((m, t) => {
    const t0 = nowMs();
    m.begin(history, sessions.slice(0, nTrain));
    fitSeconds[t] = (nowMs() - t0) / 1000;
  });
  const seen = new Uint8Array(items.length);
  for (const s of sessions.slice(0, nTrain)) for (const it of s.items) seen[index.get(it) as number] = 1;
  // latent.neverRecommend: never a target nor a candidate; still context (see withoutNeverRecommended).
  const never = new Uint8Array(items.length);
  if (opts.neverRecommend) items.forEach((it, i) => (never[i] = opts.neverRecommend?.(it) ? 1 : 0));
  const totals = methods.map(() => new MetricTotals());
  const evalSeconds = new Float64Array(methods.length);
  const observeSeconds = new Float64Array(methods.length);
  let used = 0;
  for (let si = nTrain; si < sessions.length; si++) {
    const s = sessions[si];
    const known = s.items.map((it) => index.get(it) as number).filter((i) => seen[i]);
    if (known.length >= 2) {
      used++;
      methods.forEach((m, t) => {
        const t0 = nowMs();
        for (const target of known) {
          if (never[target]) continue;
          const context = known.filter((i) => i !== target);
          const scores = m.score(context, s.time);
          const st = scores[target];
          if (!Number.isFinite(st)) throw new LatentInputError(`${m.name}: score of the target is not finite (${st})`);
          const inContext = new Set(context);
          let above = 0;
          let ties = 0;
          for (let j = 0; j < items.length; j++) {
            if (!seen[j] || never[j] || j === target || inContext.has(j)) continue;
            if (scores[j] > st) above++;
            else if (scores[j] === st) ties++;
          }
          totals[t].add(above, ties);
        }
        evalSeconds[t] += (nowMs() - t0) / 1000;
      });
    }
    // The session is now in the past: every method may learn from it.
    const xs = bySession.get(s.id) as Interaction[];
    methods.forEach((m, t) => {
      const t0 = nowMs();
      m.observe(xs, s);
      observeSeconds[t] += (nowMs() - t0) / 1000;
    });
    for (const it of s.items) seen[index.get(it) as number] = 1;
  }
  const nCases = totals[0]?.n ?? 0;
  if (nCases === 0) throw new LatentInputError('no test cases: no test session has 2 or more items seen before it');
  return {
    dataset: {
      protocol: 'replay',
      sessions: sessions.length,
      testSessions: sessions.length - nTrain,
      testSessionsUsed: used,
      testCases: nCases,
      items: items.length,
      retrainEvery: opts.retrainEvery ?? REPLAY_RETRAIN_EVERY,
      easeEvery: opts.easeEvery ?? REPLAY_EASE_EVERY,
      neverRecommendItems: never.reduce((a, b) => a + b, 0),
    },
    methods: methods.map((m, t) => ({
      method: m.name,
      ...totals[t].mean(),
      // the first fit plus every refit and live update during the replay
      fitSeconds: fitSeconds[t] + observeSeconds[t],
      evalSeconds: evalSeconds[t],
      retrains: m.retrains(),
      retrainSeconds: m.retrainSeconds(),
      ...(m.details ? { details: m.details() } : {}),
    })),
  };
}

/** The extension's latent.retrainAfterEvents default. */
export const REPLAY_RETRAIN_EVERY = 50;
export const REPLAY_EASE_EVERY = 50;
