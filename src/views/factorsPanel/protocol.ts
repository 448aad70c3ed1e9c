// Typed messages between the extension host and the "Inside the model" webview, with validators used on BOTH
// sides: the webview checks what the host sends, the host checks what the webview sends (a compromised or stale
// webview must not be able to make the host open arbitrary paths). No vscode or node imports: bundled into the
// webview too.

import type { SgdStepView } from '../../core/explainView';

/** Thrown when a message does not have the expected shape; `path` names the offending field. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'ProtocolError';
  }
}

// ------------------------------------------------------------------------------------------------ the state

export interface SettingsView {
  k: number;
  alpha: number;
  epsilon: number;
  lambda: number;
  learningRate: number;
  epochs: number;
  negatives: number;
}

/** One replayed SGD step (the core's step view) with the names of its row and column (session/item or user/movie). */
export interface StepView extends SgdStepView {
  row: string;
  col: string;
  /** Raw signal r of the cell (implicit) or the rating (explicit); null for a sampled unobserved cell. */
  raw: number | null;
}

export interface WorkedUpdateView {
  title: string;
  note: string;
  learningRate: number;
  lambda: number;
  updateBias: boolean;
  /** Names of the k dimensions (e.g. Bollywood, Sci-Fi, Drama for the toy; f1..fk for the model). */
  dims: string[];
  steps: StepView[];
}

export interface ToyView {
  users: string[];
  movies: string[];
  ratings: (number | null)[][];
  update: WorkedUpdateView;
}

export interface ItemValue {
  item: string;
  value: number;
}

export interface FactorView {
  factor: number;
  label: string;
  high: { label: string; items: ItemValue[] };
  low: { label: string; items: ItemValue[] };
}

export interface HeatmapView {
  items: string[];
  /** items x k */
  values: number[][];
}

export interface MapPoint {
  item: string;
  x: number;
  y: number;
  inSession: boolean;
}

export interface MapView {
  points: MapPoint[];
  session: { x: number; y: number } | null;
  explained: number[];
}

export interface TrainingView {
  algorithm: string;
  interactions: number;
  sessions: number;
  items: number;
  elapsedMs: number;
  trainedAt: number;
  /** every epoch of the final fit (one entry for a model saved before losses were recorded) */
  losses: { epoch: number; loss: number }[];
  /** held-out HR@k; value null when no validation ran, and `note` says why (never a made-up figure) */
  hitRate: HitRateView;
}

export interface HitRateView {
  k: number;
  value: number | null;
  cases: number;
  /** how it was measured, or why it is not available */
  note: string;
}

export interface WhyView {
  item: string;
  total: number;
  mu: number;
  bias: number;
  perFactor: number[];
  coUsed: { item: string; similarity: number }[];
  /** Set when the explanation could not be computed (item unknown to the model, no session vector, ...). */
  problem: string | null;
}

export interface ModelView {
  kind: string;
  settings: SettingsView;
  factorNames: string[];
  worked: WorkedUpdateView | null;
  heatmap: HeatmapView;
  factors: FactorView[];
  map: MapView;
  training: TrainingView | null;
  why: WhyView | null;
}

export interface PanelState {
  v: 1;
  /** null until a model has been trained; `message` then says why and the toy example still teaches. */
  model: ModelView | null;
  message: string;
  toy: ToyView;
}

// --------------------------------------------------------------------------------------------- the messages

export type HostToWebview = { type: 'state'; state: PanelState };

export type WebviewToHost = { type: 'ready' } | { type: 'open'; item: string } | { type: 'why'; item: string };

// ------------------------------------------------------------------------------------------------ validators

type Check<T> = (v: unknown, path: string) => T;

/** Largest string / array accepted: bounds what a malformed message can make either side allocate or render. */
export const MAX_STRING = 4096;
export const MAX_ARRAY = 20000;

const fail = (path: string, what: string, v: unknown): never => {
  const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  throw new ProtocolError(`expected ${what}, got ${got}`, path);
};

const num: Check<number> = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'a finite number', v));
const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'a boolean', v));
const str: Check<string> = (v, p) => {
  if (typeof v !== 'string') return fail(p, 'a string', v);
  if (v.length > MAX_STRING) throw new ProtocolError(`string longer than ${MAX_STRING}`, p);
  return v;
};
const nonEmptyStr: Check<string> = (v, p) => {
  const s = str(v, p);
  if (s.length === 0) throw new ProtocolError('empty string', p);
  return s;
};

function arr<T>(item: Check<T>): Check<T[]> {
  return (v, p) => {
    if (!Array.isArray(v)) return fail(p, 'an array', v);
    if (v.length > MAX_ARRAY) throw new ProtocolError(`array longer than ${MAX_ARRAY}`, p);
    return v.map((x, i) => item(x, `${p}[${i}]`));
  };
}

function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, p) => (v === null ? null : c(v, p));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object with exactly these fields (extra fields are rejected: they would be a protocol mismatch). */
function obj<T>(shape: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  return (v, p) => {
    if (!isRecord(v)) return fail(p, 'an object', v);
    for (const key of Object.keys(v)) if (!(key in shape)) throw new ProtocolError(`unexpected field '${key}'`, p);
    const out: Partial<T> = {};
    for (const key of Object.keys(shape) as (keyof T & string)[]) out[key] = shape[key](v[key], `${p}.${key}`);
    return out as T;
  };
}

function literal<T extends string | number>(value: T): Check<T> {
  return (v, p) => (v === value ? value : fail(p, JSON.stringify(value), v));
}

const settings = obj<SettingsView>({ k: num, alpha: num, epsilon: num, lambda: num, learningRate: num, epochs: num, negatives: num });

const step = obj<StepView>({
  row: str,
  col: str,
  raw: nullable(num),
  target: num,
  confidence: num,
  mu: num,
  dot: num,
  prediction: num,
  error: num,
  lossBefore: num,
  lossAfter: num,
  biasBefore: num,
  biasAfter: num,
  xBefore: arr(num),
  xAfter: arr(num),
  yBefore: arr(num),
  yAfter: arr(num),
});

const worked = obj<WorkedUpdateView>({
  title: str,
  note: str,
  learningRate: num,
  lambda: num,
  updateBias: bool,
  dims: arr(str),
  steps: arr(step),
});

const itemValue = obj<ItemValue>({ item: str, value: num });
const factorEnd = obj<FactorView['high']>({ label: str, items: arr(itemValue) });

const modelView = obj<ModelView>({
  kind: str,
  settings,
  factorNames: arr(str),
  worked: nullable(worked),
  heatmap: obj<HeatmapView>({ items: arr(str), values: arr(arr(num)) }),
  factors: arr(obj<FactorView>({ factor: num, label: str, high: factorEnd, low: factorEnd })),
  map: obj<MapView>({
    points: arr(obj<MapPoint>({ item: str, x: num, y: num, inSession: bool })),
    session: nullable(obj<{ x: number; y: number }>({ x: num, y: num })),
    explained: arr(num),
  }),
  training: nullable(
    obj<TrainingView>({
      algorithm: str,
      interactions: num,
      sessions: num,
      items: num,
      elapsedMs: num,
      trainedAt: num,
      losses: arr(obj<{ epoch: number; loss: number }>({ epoch: num, loss: num })),
      hitRate: obj<HitRateView>({ k: num, value: nullable(num), cases: num, note: str }),
    }),
  ),
  why: nullable(
    obj<WhyView>({
      item: str,
      total: num,
      mu: num,
      bias: num,
      perFactor: arr(num),
      coUsed: arr(obj<{ item: string; similarity: number }>({ item: str, similarity: num })),
      problem: nullable(str),
    }),
  ),
});

const toy = obj<ToyView>({
  users: arr(str),
  movies: arr(str),
  ratings: arr(arr(nullable(num))),
  update: worked,
});

export const checkPanelState: Check<PanelState> = obj<PanelState>({ v: literal(1), model: nullable(modelView), message: str, toy });

/** Validates a message received by the webview. Throws ProtocolError. */
export function parseHostMessage(v: unknown): HostToWebview {
  if (!isRecord(v)) return fail('message', 'an object', v);
  if (v.type === 'state') return obj<HostToWebview>({ type: literal('state'), state: checkPanelState })(v, 'message');
  throw new ProtocolError(`unknown message type ${JSON.stringify(String(v.type)).slice(0, 60)}`, 'message.type');
}

/** Validates a message received by the host. Throws ProtocolError. */
export function parseWebviewMessage(v: unknown): WebviewToHost {
  if (!isRecord(v)) return fail('message', 'an object', v);
  switch (v.type) {
    case 'ready':
      return obj<{ type: 'ready' }>({ type: literal('ready') })(v, 'message');
    case 'open':
      return obj<{ type: 'open'; item: string }>({ type: literal('open'), item: nonEmptyStr })(v, 'message');
    case 'why':
      return obj<{ type: 'why'; item: string }>({ type: literal('why'), item: nonEmptyStr })(v, 'message');
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(String(v.type)).slice(0, 60)}`, 'message.type');
  }
}
