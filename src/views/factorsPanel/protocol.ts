// Typed messages between the extension host and the "Inside the model" webview, with validators used on BOTH
// sides: the webview checks what the host sends, the host checks what the webview sends (a compromised or stale
// webview must not be able to make the host open arbitrary paths). No vscode or node imports: bundled into the
// webview too.
import { arr, bool, fail, isRecord, literal, nullable, num, obj, ProtocolError, str, type Check } from '../../core/check';
import type { SgdStepView } from '../../core/explainView';
import type { RecommenderConfig } from '../../core/recommenderConfig';

// ------------------------------------------------------------------------------------------------ the state

/** The model's settings as the panel shows them (k is the model's factor count). */
export type SettingsView = Pick<RecommenderConfig, 'alpha' | 'epsilon' | 'lambda' | 'learningRate' | 'epochs' | 'negatives' | 'trainer'> & { k: number };

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
  /** the penalty each step puts on the session (or user) vector */
  lambda: number;
  /** and on the item vector: a share of lambda that differs from the session's on the full implicit loss */
  lambdaItem: number;
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
  /**
   * Per factor, its name as it explains this item: the label of the end the item sits at (x_f y_f > 0 from two
   * negative values is the negative end's doing), "f13: src/core/".
   */
  factorNames: string[];
  /** items used with this one, those of the current session first (`inSession`) */
  coUsed: { item: string; similarity: number; inSession: boolean }[];
  /**
   * The ranking's score and every part of it (they sum to `score.total`): the factor model's score above, scaled
   * (`factors`), one term per context item used with this one (`coUse`), the recency prior, and the scaling offset
   * shared by every item. null with a problem.
   */
  score: { total: number; factors: number; coUse: { item: string; value: number }[]; prior: number; offset: number } | null;
  /** Share of today's top recommendations for this session that each part carries (absolute terms; offset left out). */
  shares: { factors: number; itemItem: number; prior: number; over: number } | null;
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

/** Largest string / array accepted: bounds what a malformed message can make either side allocate or render. */
export const MAX_STRING = 4096;
export const MAX_ARRAY = 20000;

const text = str(MAX_STRING);
const nonEmptyText = str(MAX_STRING, true);
const list = <T>(item: Check<T>): Check<T[]> => arr(item, MAX_ARRAY);

const trainer: Check<SettingsView['trainer']> = (v, p) => (v === 'gramian' || v === 'sampled' ? v : fail(p, '"gramian" or "sampled"', v));
const settings = obj<SettingsView>({ k: num, alpha: num, epsilon: num, lambda: num, learningRate: num, epochs: num, negatives: num, trainer });

const step = obj<StepView>({
  row: text,
  col: text,
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
  xBefore: list(num),
  xAfter: list(num),
  yBefore: list(num),
  yAfter: list(num),
});

const worked = obj<WorkedUpdateView>({
  title: text,
  note: text,
  learningRate: num,
  lambda: num,
  lambdaItem: num,
  updateBias: bool,
  dims: list(text),
  steps: list(step),
});

const itemValue = obj<ItemValue>({ item: text, value: num });
const factorEnd = obj<FactorView['high']>({ label: text, items: list(itemValue) });

const modelView = obj<ModelView>({
  kind: text,
  settings,
  factorNames: list(text),
  worked: nullable(worked),
  heatmap: obj<HeatmapView>({ items: list(text), values: list(list(num)) }),
  factors: list(obj<FactorView>({ factor: num, label: text, high: factorEnd, low: factorEnd })),
  map: obj<MapView>({
    points: list(obj<MapPoint>({ item: text, x: num, y: num, inSession: bool })),
    session: nullable(obj<{ x: number; y: number }>({ x: num, y: num })),
    explained: list(num),
  }),
  training: nullable(
    obj<TrainingView>({
      algorithm: text,
      interactions: num,
      sessions: num,
      items: num,
      elapsedMs: num,
      trainedAt: num,
      losses: list(obj<{ epoch: number; loss: number }>({ epoch: num, loss: num })),
      hitRate: obj<HitRateView>({ k: num, value: nullable(num), cases: num, note: text }),
    }),
  ),
  why: nullable(
    obj<WhyView>({
      item: text,
      total: num,
      mu: num,
      bias: num,
      perFactor: list(num),
      factorNames: list(text),
      coUsed: list(obj<WhyView['coUsed'][number]>({ item: text, similarity: num, inSession: bool })),
      score: nullable(
        obj<NonNullable<WhyView['score']>>({ total: num, factors: num, coUse: list(obj<{ item: string; value: number }>({ item: text, value: num })), prior: num, offset: num }),
      ),
      shares: nullable(obj<NonNullable<WhyView['shares']>>({ factors: num, itemItem: num, prior: num, over: num })),
      problem: nullable(text),
    }),
  ),
});

const toy = obj<ToyView>({
  users: list(text),
  movies: list(text),
  ratings: list(list(nullable(num))),
  update: worked,
});

export const checkPanelState: Check<PanelState> = obj<PanelState>({ v: literal(1), model: nullable(modelView), message: text, toy });

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
      return obj<{ type: 'open'; item: string }>({ type: literal('open'), item: nonEmptyText })(v, 'message');
    case 'why':
      return obj<{ type: 'why'; item: string }>({ type: literal('why'), item: nonEmptyText })(v, 'message');
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(String(v.type)).slice(0, 60)}`, 'message.type');
  }
}
