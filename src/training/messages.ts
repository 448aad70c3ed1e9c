// Messages between the extension host and the training worker.
// Everything crossing the thread boundary is validated on receipt: a malformed message is a bug (or a foreign
// script) and must surface as a typed error, never as a half-trained model.
import type { Interaction, RecommenderConfig, RecommenderModel } from '../core/recommender';
import { SIGNAL_KINDS, type FeedbackEvent } from '../feedback/signal';

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

export interface TrainEventsRequest {
  type: 'train-events';
  id: number;
  events: EncodedEvents;
  /** session inactivity gap (ms) for sessionize() */
  gapMs: number;
  config: ConfigOverrides;
  cancelFlag?: SharedArrayBuffer;
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
  elapsedMs: number;
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
export type FromWorker = ProgressMessage | DoneMessage | CancelledMessage | FailedMessage;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TrainingMessageError(`${where}: '${key}' must be a finite number, got ${describe(v)}`);
  }
  return v;
}

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new TrainingMessageError(`${where}: '${key}' must be a string, got ${describe(v)}`);
  return v;
}

function strArray(o: Obj, key: string, where: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new TrainingMessageError(`${where}: '${key}' must be an array of strings`);
  }
  return v as string[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return String(v);
  return typeof v;
}

function id(o: Obj, where: string): number {
  const v = num(o, 'id', where);
  if (!Number.isInteger(v) || v < 0) throw new TrainingMessageError(`${where}: 'id' must be a non-negative integer`);
  return v;
}

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

export function decodeInteractions(e: EncodedInteractions): Interaction[] {
  const out: Interaction[] = new Array(e.sessionIndex.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = { session: e.sessions[e.sessionIndex[i]], item: e.items[e.itemIndex[i]], time: e.time[i], weight: e.weight[i] };
  }
  return out;
}

/** Buffers to hand to postMessage's transfer list. */
export function transferables(req: ToWorker): ArrayBuffer[] {
  if (req.type === 'train') {
    const e = req.data;
    return [e.sessionIndex.buffer, e.itemIndex.buffer, e.time.buffer, e.weight.buffer] as ArrayBuffer[];
  }
  const e = req.events;
  return [e.itemIndex.buffer, e.windowIndex.buffer, e.kindIndex.buffer, e.t.buffer, e.amount.buffer] as ArrayBuffer[];
}

const KIND_INDEX = new Map<string, number>(SIGNAL_KINDS.map((k, i) => [k, i]));

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
      const kind = KIND_INDEX.get(e.kind);
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

export function decodeEvents(e: EncodedEvents): FeedbackEvent[] {
  const out: FeedbackEvent[] = new Array(e.t.length);
  for (let i = 0; i < out.length; i++) {
    const ev: FeedbackEvent = { t: e.t[i], item: e.items[e.itemIndex[i]], kind: SIGNAL_KINDS[e.kindIndex[i]], amount: e.amount[i] };
    if (e.windowIndex[i] >= 0) ev.w = e.windows[e.windowIndex[i]];
    out[i] = ev;
  }
  return out;
}

function validateEvents(v: unknown, where: string): EncodedEvents {
  if (!isObj(v)) throw new TrainingMessageError(`${where}: 'events' must be an object`);
  const items = strArray(v, 'items', where);
  const windows = strArray(v, 'windows', where);
  const { itemIndex, windowIndex, kindIndex, t, amount } = v;
  if (!(itemIndex instanceof Int32Array) || !(windowIndex instanceof Int32Array) || !(kindIndex instanceof Uint8Array)) {
    throw new TrainingMessageError(`${where}: event index columns have the wrong types`);
  }
  if (!(t instanceof Float64Array) || !(amount instanceof Float64Array)) {
    throw new TrainingMessageError(`${where}: 't' and 'amount' must be Float64Arrays`);
  }
  const n = t.length;
  if (itemIndex.length !== n || windowIndex.length !== n || kindIndex.length !== n || amount.length !== n) {
    throw new TrainingMessageError(`${where}: event columns have different lengths`);
  }
  for (let i = 0; i < n; i++) {
    if (itemIndex[i] < 0 || itemIndex[i] >= items.length || windowIndex[i] < -1 || windowIndex[i] >= windows.length) {
      throw new TrainingMessageError(`${where}: event ${i} refers to an item or window outside the tables`);
    }
    if (kindIndex[i] >= SIGNAL_KINDS.length) throw new TrainingMessageError(`${where}: event ${i} has an unknown kind`);
  }
  return { items, windows, itemIndex, windowIndex, kindIndex, t, amount };
}

function validateEncoded(v: unknown, where: string): EncodedInteractions {
  if (!isObj(v)) throw new TrainingMessageError(`${where}: 'data' must be an object`);
  const sessions = strArray(v, 'sessions', where);
  const items = strArray(v, 'items', where);
  const { sessionIndex, itemIndex, time, weight } = v;
  if (!(sessionIndex instanceof Int32Array) || !(itemIndex instanceof Int32Array)) {
    throw new TrainingMessageError(`${where}: 'sessionIndex' and 'itemIndex' must be Int32Arrays`);
  }
  if (!(time instanceof Float64Array) || !(weight instanceof Float64Array)) {
    throw new TrainingMessageError(`${where}: 'time' and 'weight' must be Float64Arrays`);
  }
  const n = sessionIndex.length;
  if (itemIndex.length !== n || time.length !== n || weight.length !== n) {
    throw new TrainingMessageError(`${where}: interaction columns have different lengths`);
  }
  for (let i = 0; i < n; i++) {
    if (sessionIndex[i] < 0 || sessionIndex[i] >= sessions.length || itemIndex[i] < 0 || itemIndex[i] >= items.length) {
      throw new TrainingMessageError(`${where}: row ${i} refers to a session or item outside the tables`);
    }
  }
  return { sessions, items, sessionIndex, itemIndex, time, weight };
}

function validateConfig(v: unknown, where: string): ConfigOverrides {
  if (v === undefined) return {};
  if (!isObj(v)) throw new TrainingMessageError(`${where}: 'config' must be an object`);
  for (const [k, x] of Object.entries(v)) {
    const ok = (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string' || typeof x === 'boolean';
    if (!ok) throw new TrainingMessageError(`${where}: config '${k}' must be a finite number, string or boolean`);
  }
  // Field-level ranges are checked by fitRecommender itself (LatentInputError), which reports them as 'failed'.
  return v as ConfigOverrides;
}

export function parseToWorker(v: unknown): ToWorker {
  const where = 'message to training worker';
  if (!isObj(v)) throw new TrainingMessageError(`${where}: expected an object, got ${describe(v)}`);
  if (v.type !== 'train' && v.type !== 'train-events') {
    throw new TrainingMessageError(`${where}: unknown type ${JSON.stringify(v.type)}`);
  }
  const cancelFlag = v.cancelFlag;
  if (cancelFlag !== undefined && !(cancelFlag instanceof SharedArrayBuffer && cancelFlag.byteLength >= 4)) {
    throw new TrainingMessageError(`${where}: 'cancelFlag' must be a SharedArrayBuffer of at least 4 bytes`);
  }
  if (v.type === 'train-events') {
    const gapMs = num(v, 'gapMs', where);
    if (gapMs <= 0) throw new TrainingMessageError(`${where}: 'gapMs' must be > 0`);
    const ev: TrainEventsRequest = {
      type: 'train-events',
      id: id(v, where),
      events: validateEvents(v.events, where),
      gapMs,
      config: validateConfig(v.config, where),
    };
    if (cancelFlag !== undefined) ev.cancelFlag = cancelFlag;
    return ev;
  }
  const msg: TrainRequest = {
    type: 'train',
    id: id(v, where),
    data: validateEncoded(v.data, where),
    config: validateConfig(v.config, where),
  };
  if (cancelFlag !== undefined) msg.cancelFlag = cancelFlag;
  return msg;
}

export function parseFromWorker(v: unknown): FromWorker {
  const where = 'message from training worker';
  if (!isObj(v)) throw new TrainingMessageError(`${where}: expected an object, got ${describe(v)}`);
  switch (v.type) {
    case 'progress': {
      const epoch = num(v, 'epoch', where);
      const epochs = num(v, 'epochs', where);
      const elapsedMs = num(v, 'elapsedMs', where);
      // A non-finite loss is legal to report (the trainer then throws TrainingDivergedError); keep it as NaN.
      const loss = typeof v.loss === 'number' ? v.loss : Number.NaN;
      return { type: 'progress', id: id(v, where), epoch, epochs, loss, elapsedMs };
    }
    case 'done':
      return {
        type: 'done',
        id: id(v, where),
        model: str(v, 'model', where),
        structured: parseModelShape(v.structured, where),
        elapsedMs: num(v, 'elapsedMs', where),
      };
    case 'cancelled':
      return { type: 'cancelled', id: id(v, where) };
    case 'failed':
      return { type: 'failed', id: id(v, where), errorName: str(v, 'errorName', where), message: str(v, 'message', where) };
    default:
      throw new TrainingMessageError(`${where}: unknown type ${JSON.stringify(v.type)}`);
  }
}

function typed<T>(o: Obj, key: string, ctor: new (n: number) => T, length: number | undefined, where: string): T {
  const v = o[key];
  if (!(v instanceof ctor)) throw new TrainingMessageError(`${where}: model '${key}' must be a ${ctor.name}`);
  const n = (v as unknown as { length: number }).length;
  if (length !== undefined && n !== length) {
    throw new TrainingMessageError(`${where}: model '${key}' has ${n} values, expected ${length}`);
  }
  return v;
}

/**
 * Structural check of a model received from the worker: every array has the length its dimensions imply and the
 * neighbour table points inside the item table, so ranking can index it without further checks. Values were
 * checked finite by the trainer (TrainingDivergedError) before the worker sent them.
 */
export function parseModelShape(v: unknown, where = 'model from training worker'): RecommenderModel {
  if (!isObj(v)) throw new TrainingMessageError(`${where}: 'structured' must be a model object`);
  if (v.version !== 2) throw new TrainingMessageError(`${where}: unknown model version ${JSON.stringify(v.version)}`);
  const items = strArray(v, 'items', where);
  if (!isObj(v.mf) || !isObj(v.neighbours) || !isObj(v.config) || !isObj(v.stats)) {
    throw new TrainingMessageError(`${where}: model lacks mf, neighbours, config or stats`);
  }
  const mf = v.mf;
  const k = num(mf, 'k', where);
  const nUsers = num(mf, 'nUsers', where);
  const nItems = num(mf, 'nItems', where);
  num(mf, 'mu', where);
  if (!Number.isInteger(k) || k < 1 || nItems !== items.length || !Number.isInteger(nUsers) || nUsers < 0) {
    throw new TrainingMessageError(`${where}: model dimensions k=${k}, nItems=${nItems} do not match ${items.length} items`);
  }
  typed(mf, 'itemFactors', Float32Array, nItems * k, where);
  typed(mf, 'itemBias', Float32Array, nItems, where);
  typed(mf, 'userFactors', Float32Array, nUsers * k, where);
  typed(mf, 'userBias', Float32Array, nUsers, where);
  typed(v, 'prior', Float32Array, nItems, where);
  const nb = v.neighbours;
  const indptr = typed(nb, 'indptr', Int32Array, nItems + 1, where);
  const nnz = indptr[nItems];
  const indices = typed(nb, 'indices', Int32Array, nnz, where);
  typed(nb, 'values', Float32Array, nnz, where);
  for (let i = 0; i < nnz; i++) {
    if (indices[i] < 0 || indices[i] >= nItems) throw new TrainingMessageError(`${where}: neighbour index out of range`);
  }
  num(v, 'trainedAt', where);
  if (v.mode !== 'mf' && v.mode !== 'frecency') throw new TrainingMessageError(`${where}: unknown model mode`);
  checkTrainingRecord(v.training, num(v.stats, 'epochs', where), where);
  return v as unknown as RecommenderModel;
}

/** The per-epoch losses and the held-out hit rate travel with the model (the panel draws them). */
function checkTrainingRecord(v: unknown, epochs: number, where: string): void {
  if (!isObj(v) || !isObj(v.heldOut)) throw new TrainingMessageError(`${where}: model lacks its training record`);
  const losses = v.losses;
  if (!Array.isArray(losses) || losses.length !== epochs || !losses.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new TrainingMessageError(`${where}: training losses must be ${epochs} finite numbers (one per epoch)`);
  }
  const h = v.heldOut;
  num(h, 'k', where);
  num(h, 'cases', where);
  const ok = h.value === null ? typeof h.reason === 'string' && h.reason !== '' : typeof h.value === 'number' && h.value >= 0 && h.value <= 1;
  if (!ok) throw new TrainingMessageError(`${where}: held-out hit rate must be in [0, 1], or null with a reason`);
}
