// Messages between the extension host and the training worker.
// Everything crossing the thread boundary is validated on receipt: a malformed message is a bug (or a foreign
// script) and must surface as a typed error, never as a half-trained model.
import { DEFAULT_RECOMMENDER_CONFIG, type Interaction, type RecommenderConfig, type RecommenderModel } from '../core/recommender';
import type { InteractionColumns } from '../core/interaction';
import type { ModelLineage, PriorBasis, TrainingRow } from '../core/recommenderModel';
import { arr, count, fail, isRecord, num, obj, optional, positive, ProtocolError, str, typed, type Check } from '../core/check';
import { allFinite } from '../core/validate';
import { adoptSharedKernelMemory, sharedKernelMemory, sharedKernelMemoryBytes, type KernelMemory } from '../core/sgdKernel';
import { priorBasisProblem } from '../core/livePrior';
import type { FileMove } from '../feedback/fileChanges';
import { SIGNAL_KINDS, type FeedbackEvent } from '../feedback/signal';
import { type EventColumns, kindIndexOf } from '../feedback/storedEvents';
import type { SessionColumns } from '../feedback/sessions';

/** Thrown when a message crossing the worker boundary does not have the expected shape. */
export class TrainingMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingMessageError';
  }
}

/**
 * Interactions in columnar form. Structured-cloning 100k small objects costs tens of milliseconds on the
 * sending thread; typed arrays are transferred for free and the string tables hold each key once.
 */
export interface EncodedInteractions {
  sessions: string[];
  items: string[];
  sessionIndex: Int32Array;
  itemIndex: Int32Array;
  time: Float64Array;
  weight: Float64Array;
}

/** Config overrides sent to the worker; numbers, strings and booleans only so they clone exactly. */
export type ConfigOverrides = Partial<RecommenderConfig>;

export interface TrainRequest {
  type: 'train';
  id: number;
  data: EncodedInteractions;
  config: ConfigOverrides;
  /** Int32Array view over it: index 0 set to 1 asks the worker to stop at the next epoch boundary. */
  cancelFlag?: SharedArrayBuffer;
}

/**
 * Raw feedback events in columnar form. Sessionizing 100k events took 356 ms on a loaded machine (one synchronous
 * slice), so the extension host only packs them (in chunks) and the worker cuts them into sessions.
 */
export interface EncodedEvents {
  items: string[];
  windows: string[];
  itemIndex: Int32Array;
  /** -1: the event has no window id */
  windowIndex: Int32Array;
  /** index into SIGNAL_KINDS */
  kindIndex: Uint8Array;
  t: Float64Array;
  amount: Float64Array;
}

/**
 * A train-events request's columns, handed to the job: the request keeps empty ones from then on, so that once the
 * job has cut them into sessions nothing holds them through the fit (25 MB at a million events).
 */
export function takeEvents(req: TrainEventsRequest): EncodedEvents {
  const events = req.events;
  req.events = { items: [], windows: [], itemIndex: new Int32Array(0), windowIndex: new Int32Array(0), kindIndex: new Uint8Array(0), t: new Float64Array(0), amount: new Float64Array(0) };
  return events;
}

/** EASE's P for the model it was made with (RetrainMemory in core/recommenderUpdate.ts), as it crosses threads. */
export interface EncodedEaseMemory {
  /** modelKey() of the model it belongs to */
  key: string;
  lambda: number;
  /** model item index of each row of P */
  kept: Int32Array;
  /** kept.length squared, row-major */
  P: Float64Array;
  /** what a session added later counts in X^T X (EaseInverse.sessionWeight) */
  sessionWeight: number;
  /**
   * The shared WebAssembly memory P is a view of, from its start (sharedPMemory), where the worker's kernel updates P
   * in place (checkEaseMemory drops it where P is not that view).
   */
  memory?: KernelMemory['memory'];
}

export interface TrainEventsRequest {
  type: 'train-events';
  id: number;
  events: EncodedEvents;
  /** session inactivity gap (ms) for sessionize() */
  gapMs: number;
  config: ConfigOverrides;
  cancelFlag?: SharedArrayBuffer;
  /**
   * The model in use as saved (serializeRecommender's text), to update instead of fitting from scratch when nothing
   * calls for a full fit. Text because one string crosses threads in a memcpy, where the structured model at 30,000
   * items took tens of ms of the host's time to clone; the worker parses and checks it.
   */
  previous?: string;
  /** its EASE memory, from the run that made it (lost on reload: the update then solves EASE once) */
  ease?: EncodedEaseMemory;
  /** fit from scratch whatever the plan says (the Retrain command) */
  full?: boolean;
  /**
   * Renames recorded in the store (oldest first). The history arrives under current names; those after the model's
   * newest interaction are applied to it too, so a renamed file keeps its vector instead of forcing a full fit.
   */
  moves?: FileMove[];
}

export type ToWorker = TrainRequest | TrainEventsRequest;

export interface ProgressMessage {
  type: 'progress';
  id: number;
  epoch: number;
  epochs: number;
  loss: number;
  elapsedMs: number;
}
export interface DoneMessage {
  type: 'done';
  id: number;
  /** serializeRecommender() output: saved as-is by the caller. */
  model: string;
  /**
   * The same model as a structured clone (typed arrays copied by memcpy). Parsing the JSON on the extension host
   * took 9-28 ms at 10k interactions, over the 10 ms stall budget; checking this shape takes well under 1 ms.
   */
  structured: RecommenderModel;
  /** Y^T Y of the model's item factors (k x k), made in the worker so the first ranking on the host need not. */
  gram?: Float64Array;
  /** how it was made: a full fit or an update, and why (planRetrain) */
  retrain?: { kind: 'full' | 'update'; reason: string };
  /** the new model's EASE memory, for the next request */
  ease?: EncodedEaseMemory;
  elapsedMs: number;
}

/**
 * Sent while a phase without epochs runs long (the item model's solve, the validation on a large workspace), so the
 * watchdog, which stops a run that says nothing, can tell slow work from a hung worker.
 */
export interface AliveMessage {
  type: 'alive';
  id: number;
}
export interface CancelledMessage {
  type: 'cancelled';
  id: number;
}
export interface FailedMessage {
  type: 'failed';
  id: number;
  errorName: string;
  message: string;
}
export type FromWorker = ProgressMessage | DoneMessage | AliveMessage | CancelledMessage | FailedMessage;

/** Packs interactions column-wise. Throws on a non-finite time/weight so bad data fails here, not mid-training. */
export function encodeInteractions(data: readonly Interaction[]): EncodedInteractions {
  const enc = new Encoder(data.length);
  for (let i = 0; i < data.length; i++) enc.add(data[i], i);
  return enc.finish();
}

/**
 * Same as encodeInteractions but yields to the event loop every `chunk` rows, so packing 100k interactions on the
 * extension host never stalls it for more than a few milliseconds.
 */
export async function encodeInteractionsAsync(data: readonly Interaction[], chunk = 1024): Promise<EncodedInteractions> {
  const enc = new Encoder(data.length);
  for (let start = 0; start < data.length; start += chunk) {
    const end = Math.min(data.length, start + chunk);
    for (let i = start; i < end; i++) enc.add(data[i], i);
    if (end < data.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return enc.finish();
}

class Encoder {
  private readonly sessions = new Map<string, number>();
  private readonly items = new Map<string, number>();
  private readonly out: EncodedInteractions;

  constructor(n: number) {
    this.out = {
      sessions: [],
      items: [],
      sessionIndex: new Int32Array(n),
      itemIndex: new Int32Array(n),
      time: new Float64Array(n),
      weight: new Float64Array(n),
    };
  }

  add(x: Interaction, row: number): void {
    if (!Number.isFinite(x.time) || !Number.isFinite(x.weight)) {
      throw new TrainingMessageError(`interaction ${row} (${x.item}): time and weight must be finite numbers`);
    }
    this.out.sessionIndex[row] = intern(this.sessions, this.out.sessions, x.session);
    this.out.itemIndex[row] = intern(this.items, this.out.items, x.item);
    this.out.time[row] = x.time;
    this.out.weight[row] = x.weight;
  }

  finish(): EncodedInteractions {
    return this.out;
  }
}

function intern(map: Map<string, number>, table: string[], key: string): number {
  let i = map.get(key);
  if (i === undefined) {
    i = table.length;
    map.set(key, i);
    table.push(key);
  }
  return i;
}

/** The interactions as the columns the trainer reads (no copy: the tables are interned, each name once). */
export function interactionColumnsOf(e: EncodedInteractions): InteractionColumns {
  return { sessions: e.sessions, items: e.items, session: e.sessionIndex, item: e.itemIndex, time: e.time, weight: e.weight };
}

/** Buffers to hand to postMessage's transfer list. */
export function transferables(req: ToWorker): ArrayBuffer[] {
  if (req.type === 'train') {
    const e = req.data;
    return [e.sessionIndex.buffer, e.itemIndex.buffer, e.time.buffer, e.weight.buffer] as ArrayBuffer[];
  }
  const e = req.events;
  // P goes over and comes back with the result (DoneMessage.ease), never copied: shared (sharedEase) or transferred.
  // The rows (kept) are transferred either way, so the memory is not sent twice (runner.ts).
  const ease = req.ease ? [req.ease.P.buffer, req.ease.kept.buffer].filter((b) => !(b instanceof SharedArrayBuffer)) : [];
  return [e.itemIndex.buffer, e.windowIndex.buffer, e.kindIndex.buffer, e.t.buffer, e.amount.buffer, ...ease] as ArrayBuffer[];
}

/**
 * The EASE memory with P in shared memory, as the worker sends it to the host (copied once; an update's P already is,
 * changed in place: the controller lets go of the memory it sends). Transferred instead, P (32 MB at 2,000 kept items)
 * arrived on the host as external memory, whose growth V8 answers with collections in the very turn that receives
 * the model: two scavenges and a full collection at every retrain, 'external memory pressure' in --trace-gc.
 */
export function sharedEase(e: EncodedEaseMemory): EncodedEaseMemory {
  if (e.P.buffer instanceof SharedArrayBuffer) return e;
  const P = sharedFloat64(e.P.length);
  P.set(e.P);
  return { ...e, P };
}

/** A zeroed array in shared memory. */
function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

/** The most a full fit's SGD may take of a home for P (sharedPHome), in P's room: the host keeps all of it with P. */
export const HOME_SGD_ROOM = 2;

/**
 * Where a job's full fit works when no P of the model it replaces can take the new one (RetrainMemory.home): a new
 * shared memory, a home for P, that its SGD and then its EASE work in, so that P is made where it is kept and the host
 * receives it without a copy. None when the SGD needs more than HOME_SGD_ROOM times P's room (it works in a memory of
 * its own then, and P is copied out as before): at a heavy year the copy was 32 MB of new pages at the fit's end, its
 * last high point (docs/performance-notes.md, thirty-fourth session).
 */
export function sharedPHome(maxItems: number): (bytes: number) => KernelMemory | undefined {
  return (bytes) => (bytes <= HOME_SGD_ROOM * sharedKernelMemoryBytes(maxItems) ? sharedKernelMemory(maxItems, bytes) : undefined);
}

/**
 * Where a job keeps a new P (RetrainMemory.newP): in shared memory, so that sharedEase has nothing to copy (a copy at
 * the end of a full fit at 1,000,000 interactions raised its peak by a second P), and in the buffer of the P it
 * replaces (`previous`, the one the host handed back) whenever that is large enough: the P it returns starts that
 * buffer and holds the old P until the caller writes it (a fit copies its new P over it, easeAddItems grows P in place).
 * A new buffer is sized for `maxItems` kept items: pages never written take no memory, and no larger P can come.
 * Why one buffer: a shared buffer the host drops is freed only at its next full collection, which V8 does not hurry
 * for memory it does not count; a new buffer at every retrain piled up (30 of 32 MB received in a row: 966 MB
 * resident, against 112-174 MB for transferred ones).
 */
export function sharedPMemory(previous: Float64Array | undefined, maxItems: number): (length: number) => Float64Array {
  let buffer = previous?.buffer instanceof SharedArrayBuffer && previous.byteOffset === 0 ? previous.buffer : undefined;
  return (length) => {
    const bytes = length * Float64Array.BYTES_PER_ELEMENT;
    if (!buffer || buffer.byteLength < bytes) {
      // A shared WebAssembly memory where the host has one (EASE's update works on P in place there), else plain.
      const home = sharedKernelMemory(Math.max(maxItems, Math.ceil(Math.sqrt(length))));
      buffer = home ? (home.memory.buffer as unknown as SharedArrayBuffer) : new SharedArrayBuffer(Math.max(bytes, maxItems * maxItems * Float64Array.BYTES_PER_ELEMENT));
    }
    return new Float64Array(buffer, 0, length);
  };
}

/**
 * Checks an EASE memory against the model it claims: rows index its items, P is m x m, and (`values`) finite. The
 * host checks only the shape of what the worker sends: reading 4,000,000 entries would stall it; the worker that
 * receives it next checks the values.
 */
function checkEaseMemory(v: unknown, nItems: number, p: string, values = true): EncodedEaseMemory {
  if (!isRecord(v)) return fail(p, 'an object', v);
  const key = str()(v.key, `${p}.key`);
  const lambda = positive(v.lambda, `${p}.lambda`);
  const kept = typed(Int32Array)(v.kept, `${p}.kept`);
  if (kept.some((i) => i < 0 || i >= nItems)) throw new ProtocolError('refers to an item outside the model', `${p}.kept`);
  const P = typed(Float64Array, kept.length * kept.length)(v.P, `${p}.P`);
  if (values && !allFinite(P)) throw new ProtocolError('must be finite', `${p}.P`);
  // Its shared memory is kept with P only where P is that memory's start (one message keeps the two one buffer): the
  // update's kernel then works on P in place. Any other P is taken as it came, a copy worked on in the kernel's own.
  const home = v.memory !== undefined && P.byteOffset === 0 ? adoptSharedKernelMemory(v.memory) : undefined;
  const inHome = home !== undefined && (P.buffer as ArrayBufferLike) === home;
  return { key, lambda, kept, P, sessionWeight: positive(v.sessionWeight, `${p}.sessionWeight`), ...(inHome ? { memory: v.memory as KernelMemory['memory'] } : {}) };
}


/** Packs feedback events column-wise, yielding to the event loop every `chunk` events. */
export async function encodeEventsAsync(events: readonly FeedbackEvent[], chunk = 2048): Promise<EncodedEvents> {
  const n = events.length;
  const out: EncodedEvents = {
    items: [],
    windows: [],
    itemIndex: new Int32Array(n),
    windowIndex: new Int32Array(n),
    kindIndex: new Uint8Array(n),
    t: new Float64Array(n),
    amount: new Float64Array(n),
  };
  const items = new Map<string, number>();
  const windows = new Map<string, number>();
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    for (let i = start; i < end; i++) {
      const e = events[i];
      const kind = kindIndexOf(e.kind);
      if (kind === undefined || !Number.isFinite(e.t) || !Number.isFinite(e.amount)) {
        throw new TrainingMessageError(`event ${i} (${e.item}): unknown kind or non-finite time/amount`);
      }
      out.itemIndex[i] = intern(items, out.items, e.item);
      out.windowIndex[i] = e.w === undefined ? -1 : intern(windows, out.windows, e.w);
      out.kindIndex[i] = kind;
      out.t[i] = e.t;
      out.amount[i] = e.amount;
    }
    if (end < n) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}

/**
 * The store's columns as the worker takes them: each column copied (the copies are transferred, the store's read stays
 * whole for a fallback that packs again), one column per turn of the event loop: no pass over the rows on this thread.
 */
export async function encodeStoredAsync(s: EventColumns): Promise<EncodedEvents> {
  const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
  const itemIndex = s.item.slice();
  await turn();
  const windowIndex = s.window.slice();
  await turn();
  const kindIndex = s.kind.slice();
  await turn();
  const t = s.t.slice();
  await turn();
  const amount = s.amount.slice();
  return { items: [...s.items], windows: [...s.windows], itemIndex, windowIndex, kindIndex, t, amount };
}

/** The events as the columns sessionizeColumns reads (no copy). */
export function eventColumnsOf(e: EncodedEvents): SessionColumns {
  return { items: e.items, windows: e.windows, t: e.t, amount: e.amount, item: e.itemIndex, window: e.windowIndex, kind: e.kindIndex };
}

// ------------------------------------------------------------------------------------------- checks on receipt
// The shapes are checked with core/check's combinators; a wrong one surfaces as a TrainingMessageError that says
// which message and which field.

const strings = arr(str());
const id: Check<number> = count;

/** Runs a check and reports a wrong shape as a TrainingMessageError from `where`. */
function checked<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProtocolError) throw new TrainingMessageError(`${where}: ${e.message}`);
    throw e;
  }
}

function checkEvents(v: unknown, p: string): EncodedEvents {
  if (!isRecord(v)) return fail(p, 'an object', v);
  const items = strings(v.items, `${p}.items`);
  const windows = strings(v.windows, `${p}.windows`);
  const t = typed(Float64Array)(v.t, `${p}.t`);
  const n = t.length;
  const itemIndex = typed(Int32Array, n)(v.itemIndex, `${p}.itemIndex`);
  const windowIndex = typed(Int32Array, n)(v.windowIndex, `${p}.windowIndex`);
  const kindIndex = typed(Uint8Array, n)(v.kindIndex, `${p}.kindIndex`);
  const amount = typed(Float64Array, n)(v.amount, `${p}.amount`);
  for (let i = 0; i < n; i++) {
    if (itemIndex[i] < 0 || itemIndex[i] >= items.length || windowIndex[i] < -1 || windowIndex[i] >= windows.length) {
      throw new ProtocolError(`event ${i} refers to an item or window outside the tables`, p);
    }
    if (kindIndex[i] >= SIGNAL_KINDS.length) throw new ProtocolError(`event ${i} has an unknown kind`, p);
  }
  return { items, windows, itemIndex, windowIndex, kindIndex, t, amount };
}

function checkInteractions(v: unknown, p: string): EncodedInteractions {
  if (!isRecord(v)) return fail(p, 'an object', v);
  const sessions = strings(v.sessions, `${p}.sessions`);
  const items = strings(v.items, `${p}.items`);
  const sessionIndex = typed(Int32Array)(v.sessionIndex, `${p}.sessionIndex`);
  const n = sessionIndex.length;
  const itemIndex = typed(Int32Array, n)(v.itemIndex, `${p}.itemIndex`);
  const time = typed(Float64Array, n)(v.time, `${p}.time`);
  const weight = typed(Float64Array, n)(v.weight, `${p}.weight`);
  for (let i = 0; i < n; i++) {
    if (sessionIndex[i] < 0 || sessionIndex[i] >= sessions.length || itemIndex[i] < 0 || itemIndex[i] >= items.length) {
      throw new ProtocolError(`row ${i} refers to a session or item outside the tables`, p);
    }
  }
  return { sessions, items, sessionIndex, itemIndex, time, weight };
}

function checkConfig(v: unknown, p: string): ConfigOverrides {
  if (v === undefined) return {};
  if (!isRecord(v)) return fail(p, 'an object', v);
  for (const [k, x] of Object.entries(v)) {
    // Only the config's own fields: a '__proto__' or 'toString' key is not a setting.
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_RECOMMENDER_CONFIG, k)) throw new ProtocolError('is not a setting of the recommender', `${p}.${k}`);
    const ok = (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string' || typeof x === 'boolean';
    if (!ok) throw new ProtocolError('must be a finite number, string or boolean', `${p}.${k}`);
  }
  // Field-level ranges are checked by fitRecommender itself (LatentInputError), which reports them as 'failed'.
  return v as ConfigOverrides;
}

function checkCancelFlag(v: unknown, p: string): SharedArrayBuffer | undefined {
  if (v === undefined) return undefined;
  return v instanceof SharedArrayBuffer && v.byteLength >= 4 ? v : fail(p, 'a SharedArrayBuffer of at least 4 bytes', v);
}

const fileMoves = arr(obj<FileMove>({ t: num, from: str(), to: str() }));

export function parseToWorker(v: unknown): ToWorker {
  return checked('message to training worker', () => {
    const p = 'message';
    if (!isRecord(v)) return fail(p, 'an object', v);
    const cancelFlag = checkCancelFlag(v.cancelFlag, `${p}.cancelFlag`);
    const flag = cancelFlag !== undefined ? { cancelFlag } : {};
    if (v.type === 'train-events') {
      const gapMs = positive(v.gapMs, `${p}.gapMs`);
      const events = checkEvents(v.events, `${p}.events`);
      const previous = v.previous === undefined ? undefined : str()(v.previous, `${p}.previous`);
      // Its rows are checked against the model's items once the worker parsed it (job.ts).
      const ease = v.ease === undefined || previous === undefined ? undefined : checkEaseMemory(v.ease, 2 ** 31 - 1, `${p}.ease`);
      if (v.full !== undefined && typeof v.full !== 'boolean') return fail(`${p}.full`, 'a boolean', v.full);
      const moves = v.moves === undefined ? undefined : fileMoves(v.moves, `${p}.moves`);
      return {
        type: 'train-events',
        id: id(v.id, `${p}.id`),
        events,
        gapMs,
        config: checkConfig(v.config, `${p}.config`),
        ...flag,
        ...(previous !== undefined ? { previous } : {}),
        ...(ease ? { ease } : {}),
        ...(v.full === true ? { full: true } : {}),
        ...(moves && moves.length > 0 ? { moves } : {}),
      };
    }
    if (v.type === 'train') {
      const data = checkInteractions(v.data, `${p}.data`);
      return { type: 'train', id: id(v.id, `${p}.id`), data, config: checkConfig(v.config, `${p}.config`), ...flag };
    }
    throw new ProtocolError(`unknown type ${JSON.stringify(v.type)}`, `${p}.type`);
  });
}

export function parseFromWorker(v: unknown): FromWorker {
  return checked('message from training worker', () => {
    const p = 'message';
    if (!isRecord(v)) return fail(p, 'an object', v);
    switch (v.type) {
      case 'progress': {
        const epoch = num(v.epoch, `${p}.epoch`);
        const epochs = num(v.epochs, `${p}.epochs`);
        const elapsedMs = num(v.elapsedMs, `${p}.elapsedMs`);
        // A non-finite loss is legal to report (the trainer then throws TrainingDivergedError); keep it as NaN.
        const loss = typeof v.loss === 'number' ? v.loss : Number.NaN;
        return { type: 'progress', id: id(v.id, `${p}.id`), epoch, epochs, loss, elapsedMs };
      }
      case 'done':
        return {
          type: 'done',
          id: id(v.id, `${p}.id`),
          model: str()(v.model, `${p}.model`),
          structured: checkModelShape(v.structured, `${p}.structured`),
          ...(v.gram === undefined ? {} : { gram: typed(Float64Array)(v.gram, `${p}.gram`) }),
          ...(v.retrain === undefined ? {} : { retrain: checkRetrain(v.retrain, `${p}.retrain`) }),
          ...(v.ease === undefined || !isRecord(v.structured) ? {} : { ease: checkEaseMemory(v.ease, strings(v.structured.items, `${p}.structured.items`).length, `${p}.ease`, false) }),
          elapsedMs: num(v.elapsedMs, `${p}.elapsedMs`),
        };
      case 'cancelled':
        return { type: 'cancelled', id: id(v.id, `${p}.id`) };
      case 'alive':
        return { type: 'alive', id: id(v.id, `${p}.id`) };
      case 'failed':
        return { type: 'failed', id: id(v.id, `${p}.id`), errorName: str()(v.errorName, `${p}.errorName`), message: str()(v.message, `${p}.message`) };
      default:
        throw new ProtocolError(`unknown type ${JSON.stringify(v.type)}`, `${p}.type`);
    }
  });
}

function checkRetrain(v: unknown, p: string): { kind: 'full' | 'update'; reason: string } {
  if (!isRecord(v) || (v.kind !== 'full' && v.kind !== 'update')) return fail(p, '{kind: "full" | "update", reason}', v);
  return { kind: v.kind, reason: str()(v.reason, `${p}.reason`) };
}

/**
 * Structural check of a model received from the worker: every array has the length its dimensions imply and the
 * neighbour table points inside the item table, so ranking can index it without further checks. Values were
 * checked finite by the trainer (TrainingDivergedError) before the worker sent them.
 */
export function parseModelShape(v: unknown, where = 'model from training worker'): RecommenderModel {
  return checked(where, () => checkModelShape(v, 'model'));
}

function checkModelShape(v: unknown, p: string): RecommenderModel {
  if (!isRecord(v)) return fail(p, 'a model object', v);
  if (v.version !== 3) throw new ProtocolError(`unknown model version ${JSON.stringify(v.version)}`, `${p}.version`);
  const items = strings(v.items, `${p}.items`);
  const { mf, neighbours: nb, config, stats } = v;
  if (!isRecord(mf) || !isRecord(nb) || !isRecord(config) || !isRecord(stats)) {
    throw new ProtocolError('model lacks mf, neighbours, config or stats', p);
  }
  const k = num(mf.k, `${p}.mf.k`);
  const nSessions = num(mf.nSessions, `${p}.mf.nSessions`);
  const nItems = num(mf.nItems, `${p}.mf.nItems`);
  num(mf.mu, `${p}.mf.mu`);
  if (!Number.isInteger(k) || k < 1 || nItems !== items.length || !Number.isInteger(nSessions) || nSessions < 0) {
    throw new ProtocolError(`model dimensions k=${k}, nItems=${nItems} do not match ${items.length} items`, `${p}.mf`);
  }
  typed(Float32Array, nItems * k)(mf.itemFactors, `${p}.mf.itemFactors`);
  typed(Float32Array, nItems)(mf.itemBias, `${p}.mf.itemBias`);
  typed(Float64Array, k * k)(mf.sessionGram, `${p}.mf.sessionGram`);
  typed(Float32Array, nItems)(v.prior, `${p}.prior`);
  if (!(v.generic instanceof Int32Array) || v.generic.some((i) => i < 0 || i >= nItems)) {
    throw new ProtocolError('must be item indices (Int32Array)', `${p}.generic`);
  }
  if (v.priorBasis !== undefined) {
    const basis = obj<PriorBasis>({ scale: num, genericKeep: typed(Float32Array, v.generic.length) })(v.priorBasis, `${p}.priorBasis`);
    const problem = priorBasisProblem(basis);
    if (problem) throw new ProtocolError(problem, `${p}.priorBasis`);
  }
  const indptr = typed(Int32Array, nItems + 1)(nb.indptr, `${p}.neighbours.indptr`);
  const nnz = indptr[nItems];
  const indices = typed(Int32Array, nnz)(nb.indices, `${p}.neighbours.indices`);
  typed(Float32Array, nnz)(nb.values, `${p}.neighbours.values`);
  for (let i = 0; i < nnz; i++) {
    if (indices[i] < 0 || indices[i] >= nItems) throw new ProtocolError('neighbour index out of range', `${p}.neighbours.indices`);
  }
  num(v.trainedAt, `${p}.trainedAt`);
  if (v.mode !== 'mf' && v.mode !== 'frecency') throw new ProtocolError('unknown model mode', `${p}.mode`);
  checkTrainingRecord(v.training, num(stats.epochs, `${p}.stats.epochs`), k, nSessions, nItems, `${p}.training`);
  if (v.lineage !== undefined) {
    obj<ModelLineage>({ fullInteractions: count, fullItems: count, updates: count, freshHits: count, freshCases: count, validatedInteractions: optional(count), keptFits: optional(count) })(v.lineage, `${p}.lineage`);
  }
  return v as unknown as RecommenderModel;
}

/** The per-epoch losses and the held-out hit rate travel with the model (the panel draws them). */
function checkTrainingRecord(v: unknown, epochs: number, k: number, nSessions: number, nItems: number, p: string): void {
  if (!isRecord(v) || !isRecord(v.heldOut)) throw new ProtocolError('model lacks its training record', p);
  const losses = arr(num)(v.losses, `${p}.losses`);
  if (losses.length !== epochs) throw new ProtocolError(`training losses must be ${epochs} finite numbers (one per epoch)`, `${p}.losses`);
  const h = v.heldOut;
  num(h.k, `${p}.heldOut.k`);
  num(h.cases, `${p}.heldOut.cases`);
  const ok = h.value === null ? typeof h.reason === 'string' && h.reason !== '' : typeof h.value === 'number' && h.value >= 0 && h.value <= 1;
  if (!ok) throw new ProtocolError('held-out hit rate must be in [0, 1], or null with a reason', `${p}.heldOut`);
  if (v.lastRow === undefined) return;
  // The panel indexes the factors with it: the row and every cell's item must be inside the model, x has k values.
  const row = obj<TrainingRow>({ session: str(), row: count, x: arr(num), cells: arr(obj<TrainingRow['cells'][number]>({ item: count, raw: num })) })(v.lastRow, `${p}.lastRow`);
  if (row.row >= nSessions || row.cells.some((c) => c.item >= nItems)) throw new ProtocolError('refers to a session or item outside the model', `${p}.lastRow`);
  if (row.x.length !== k) throw new ProtocolError(`the session vector must have k = ${k} values`, `${p}.lastRow.x`);
}
