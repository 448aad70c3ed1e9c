// What every trainer shares: progress hooks, the learning-rate schedule, the convergence check and the
// divergence guard.
import { LatentInputError, TrainingDivergedError } from './errors';
import { nowMs, yieldToEventLoop } from './host';
import { cloneModel, type MfModel } from './model';

export interface EpochInfo {
  /** 1-based epoch number. */
  epoch: number;
  /** The trainer's objective after (batch GD, ALS) or during (SGD, running mean) this epoch. */
  loss: number;
  /** Milliseconds since training started. */
  elapsedMs: number;
  /** Learning rate used in this epoch (gradient trainers only). */
  learningRate?: number;
}

export interface TrainHooks {
  onEpoch?(e: EpochInfo): void;
  /** Polled between epochs (and every few thousand updates in SGD); true stops early with the current model. */
  shouldStop?(): boolean;
}

/** lr_t for epoch t (0-based). 'inverse': lr0 / (1 + decay t); 'exponential': lr0 * gamma^t. */
export type LearningRateSchedule =
  | { kind: 'constant' }
  | { kind: 'inverse'; decay: number }
  | { kind: 'exponential'; gamma: number };

export function learningRateAt(lr0: number, epoch: number, schedule?: LearningRateSchedule): number {
  if (!schedule || schedule.kind === 'constant') return lr0;
  if (schedule.kind === 'inverse') return lr0 / (1 + schedule.decay * epoch);
  return lr0 * Math.pow(schedule.gamma, epoch);
}

export function validateSchedule(schedule: LearningRateSchedule | undefined): void {
  if (!schedule || schedule.kind === 'constant') return;
  if (schedule.kind === 'inverse') {
    if (!Number.isFinite(schedule.decay) || schedule.decay < 0) {
      throw new LatentInputError(`schedule decay must be a finite number >= 0, got ${schedule.decay}`);
    }
    return;
  }
  if (schedule.kind === 'exponential') {
    if (!Number.isFinite(schedule.gamma) || schedule.gamma <= 0 || schedule.gamma > 1) {
      throw new LatentInputError(`schedule gamma must be in (0, 1], got ${schedule.gamma}`);
    }
    return;
  }
  throw new LatentInputError(`unknown learning-rate schedule ${JSON.stringify(schedule)}`);
}

/** Stop rule: relative loss change below `tol`, or ||W H - W' H'||_F / sqrt(nUsers nItems) below `factorTol`. */
export interface ConvergenceParams {
  tol?: number;
  factorTol?: number;
}

export function lossConverged(prev: number, cur: number, tol: number | undefined): boolean {
  if (tol === undefined || !Number.isFinite(prev)) return false;
  return Math.abs(prev - cur) <= tol * Math.max(Math.abs(prev), 1e-12);
}

/**
 * One training run's stopping rule, shared by every trainer: stop when the loss changes by less than `tol`
 * (relative), or when ||W H - W' H'||_F between epochs drops below `factorTol` (DESIGN.md's ALS criterion, here per
 * cell so the tolerance does not depend on the matrix size).
 */
export class Convergence {
  private prevLoss: number;
  private prevModel: MfModel | undefined;

  constructor(
    private readonly params: ConvergenceParams,
    model: MfModel,
    initialLoss = Infinity,
  ) {
    this.prevLoss = initialLoss;
    this.prevModel = params.factorTol !== undefined ? cloneModel(model) : undefined;
  }

  /** Call once after each epoch's update; true means stop. */
  reached(loss: number, model: MfModel): boolean {
    if (lossConverged(this.prevLoss, loss, this.params.tol)) return true;
    this.prevLoss = loss;
    if (this.prevModel && this.params.factorTol !== undefined) {
      const d = factorProductDistance(this.prevModel, model) / Math.sqrt(model.nUsers * model.nItems);
      if (d < this.params.factorTol) return true;
      this.prevModel = cloneModel(model);
    }
    return false;
  }
}

/**
 * ||P Q^T - P' Q'^T||_F without forming the N x M products, via Gram matrices:
 * <A B^T, C D^T> = sum_ab (A^T C)_ab (B^T D)_ab, so the cost is O((N + M) k^2).
 */
export function factorProductDistance(a: MfModel, b: MfModel): number {
  const k = a.k;
  if (b.k !== k || b.nUsers !== a.nUsers || b.nItems !== a.nItems) {
    throw new LatentInputError('factorProductDistance: models have different shapes');
  }
  const inner = (P: Float32Array, Q: Float32Array, R: Float32Array, S: Float32Array): number => {
    const G1 = crossGram(P, R, k);
    const G2 = crossGram(Q, S, k);
    let s = 0;
    for (let t = 0; t < k * k; t++) s += G1[t] * G2[t];
    return s;
  };
  const aa = inner(a.userFactors, a.itemFactors, a.userFactors, a.itemFactors);
  const bb = inner(b.userFactors, b.itemFactors, b.userFactors, b.itemFactors);
  const ab = inner(a.userFactors, a.itemFactors, b.userFactors, b.itemFactors);
  return Math.sqrt(Math.max(0, aa - 2 * ab + bb));
}

/**
 * A^T B for two n x k row-major matrices (k x k result, float64). For A^T A (the same array twice) only the upper
 * triangle is summed and then mirrored: half the work, the same values (products commute). Gramians run every epoch.
 * Four rows at a time: G is read and written once per four rows (2.7x faster at n = 100,000, k = 32).
 */
export function crossGram(A: Float32Array, B: Float32Array, k: number): Float64Array {
  const n = A.length / k;
  const G = new Float64Array(k * k);
  const symmetric = A === B;
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const o0 = r * k;
    const o1 = o0 + k;
    const o2 = o1 + k;
    const o3 = o2 + k;
    for (let a = 0; a < k; a++) {
      const x0 = A[o0 + a];
      const x1 = A[o1 + a];
      const x2 = A[o2 + a];
      const x3 = A[o3 + a];
      const g = a * k;
      for (let c = symmetric ? a : 0; c < k; c++) G[g + c] += x0 * B[o0 + c] + x1 * B[o1 + c] + x2 * B[o2 + c] + x3 * B[o3 + c];
    }
  }
  for (; r < n; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const x = A[o + a];
      const g = a * k;
      for (let c = symmetric ? a : 0; c < k; c++) G[g + c] += x * B[o + c];
    }
  }
  if (symmetric) for (let a = 0; a < k; a++) for (let c = a + 1; c < k; c++) G[c * k + a] = G[a * k + c];
  return G;
}

export function checkFiniteLoss(loss: number, epoch: number, where: string, learningRate?: number): void {
  if (!Number.isFinite(loss)) {
    const lr = learningRate === undefined ? '' : ` at learning rate ${learningRate}`;
    throw new TrainingDivergedError(
      `${where} diverged in epoch ${epoch}${lr}: the loss became ${loss}; lower the learning rate or the confidence alpha`,
    );
  }
}

// The clock and the event-loop turn live in ./host (typed without Node or DOM); re-exported for existing importers.
export { nowMs, yieldToEventLoop };

/**
 * Long computations written as generators that `yield` every few thousand units of work, so one body serves both a
 * synchronous caller (worker thread, CLI, tests) and a cooperative one on a shared event loop (the extension host).
 * Where the yields fall does not change the result: only the driver decides whether to pause there.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs the steps to the end without pausing. */
export function finishSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Default slice for cooperative work: well under the 10 ms a shared event loop may be held. A slice ends at the first
 * pause point past it, so the stretch is the budget plus one step: at 4 ms, startup reads of 1,000,000 stored events
 * stalled the host 10.8-12.5 ms (medians of 5, 4 sets), at 2 ms 7.8-9.8 ms, in the same time overall.
 */
export const SLICE_BUDGET_MS = 2;

/** Runs the steps, giving the event loop a turn whenever a slice has run `budgetMs` (at the next yield point). */
export async function finishStepsAsync<T>(steps: Steps<T>, budgetMs = SLICE_BUDGET_MS): Promise<T> {
  let t0 = nowMs();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (nowMs() - t0 >= budgetMs) {
      await yieldToEventLoop();
      t0 = nowMs();
    }
  }
}
