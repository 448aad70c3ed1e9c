// The training worker's second thread. A full fit chooses EASE's ridge and the blend on held-out validation
// (recommenderFit.ts), a phase independent of the factor model's training until EASE and the prior need its answers:
// on a large history it runs here, beside the fit, so a retrain takes about the longer of the two instead of their
// sum. The fit is synchronous in the worker, so the worker waits for the answers with Atomics.wait on a counter the
// thread bumps after each message, and reads them with receiveMessageOnPort.
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { count, fail, isRecord, num, obj, optional, positive, ProtocolError, str } from '../core/check';
import { asColumns, historyLength, type History, type InteractionColumns } from '../core/interaction';
import type { RecommenderConfig } from '../core/recommenderConfig';
import { validateFitSteps, type BlendHeldOut, type ChosenSettings, type ValidationElsewhere, type ValidationOutcome } from '../core/recommenderFit';
import { ALIVE_EVERY_MS } from './job';
import type { ValidationReport } from './messages';

/** Below this many interactions the validation stays in the fit's thread: a second thread would save little. */
export const VALIDATION_THREAD_MIN_INTERACTIONS = 100_000;
/** Silence from the thread for this long (it says it is alive every ALIVE_EVERY_MS): taken for hung, and the fit validates itself. */
export const VALIDATION_THREAD_SILENT_MS = 4 * ALIVE_EVERY_MS;
/**
 * The thread's young generation (V8's nursery), in MB: smaller than the training worker's 8 (runner.ts), because
 * what it allocates on its heap (the split's sessions and cases) lives until the ridge is chosen, and a nursery sized
 * for garbage only holds memory at the retrain's peak. `node dist/cli.js bench --only train1M --json`, 3 runs each
 * alternating: peak extra memory 315 / 319 / 312 MB against 334 / 337 / 344 MB at 8 MB, time the same (3.5-3.8 s
 * both). 2 MB in the training worker as well saved about 8 MB more but slowed an update at 1,000,000 events (its
 * worker time 509 / 530 ms against 447 / 456 ms), so the worker keeps 8.
 */
export const VALIDATION_YOUNG_GENERATION_MB = 2;

/** What the worker hands its second thread (workerData). */
interface ValidationThreadData {
  role: 'validation';
  port: MessagePort;
  /** Int32Array view: bumped after every message, so the waiting worker wakes */
  signal: SharedArrayBuffer;
  /** taken out (and let go) once the validation split is made */
  data?: InteractionColumns;
  config: RecommenderConfig;
  cancelFlag?: SharedArrayBuffer;
}

type FromValidation =
  | { type: 'lambda'; lambda: number }
  | { type: 'outcome'; outcome: ValidationOutcome }
  | { type: 'alive' }
  | { type: 'failed'; message: string };

export interface ValidationThreadOptions {
  /** the worker script to run (this bundle: dist/worker.js, or out/src/training/worker.js) */
  script: string;
  minInteractions?: number;
  cancelFlag?: SharedArrayBuffer;
  /** called while the fit waits, about once a second (the worker says it is alive) */
  onWait?: () => void;
  /** for tests: the thread's silence taken for a hang, default VALIDATION_THREAD_SILENT_MS */
  silentMs?: number;
}

/** ValidationElsewhere on a second worker thread, started by the fit, stopped once it has the outcome (or gave up). */
export class ValidationThread implements ValidationElsewhere {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private signal: Int32Array | undefined;
  private chosenLambda: number | undefined;
  private result: ValidationOutcome | undefined;
  private over = false;
  /** why the fit validated itself, when it did (a failed or silent thread) */
  failure: string | undefined;
  private started = false;

  constructor(private readonly opts: ValidationThreadOptions) {}

  start(data: History, cfg: RecommenderConfig): boolean {
    // One validation per thread object (a job's one full fit); a second fit validates itself.
    if (this.worker || this.over) return false;
    if (historyLength(data) < (this.opts.minInteractions ?? VALIDATION_THREAD_MIN_INTERACTIONS) || availableParallelism() < 2) return false;
    try {
      const { port1, port2 } = new MessageChannel();
      const signal = new SharedArrayBuffer(4);
      const workerData: ValidationThreadData = { role: 'validation', port: port2, signal, data: asColumns(data), config: cfg, ...(this.opts.cancelFlag ? { cancelFlag: this.opts.cancelFlag } : {}) };
      this.worker = new Worker(this.opts.script, { workerData, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: VALIDATION_YOUNG_GENERATION_MB } });
      // Its errors (a script that does not load, a heap out of memory) reach this thread's event loop only after the
      // fit: heard here so they cannot end the worker; the wait above gives up on the silence.
      this.worker.on('error', (err: Error) => (this.failure ??= `the second thread failed: ${err.message}`));
      this.port = port1;
      this.signal = new Int32Array(signal);
      this.started = true;
      return true;
    } catch (err) {
      this.giveUp(`the second thread did not start (${err instanceof Error ? err.message : String(err)})`);
      return false;
    }
  }

  lambda(): number | undefined {
    while (this.chosenLambda === undefined && this.result === undefined && !this.over) this.receive();
    return this.chosenLambda ?? this.result?.chosen.easeLambda;
  }

  outcome(): ValidationOutcome | undefined {
    while (this.result === undefined && !this.over) this.receive();
    this.stop();
    return this.result;
  }

  /** Whether the fit's validation ran here and was used, or why not; undefined when no thread was started. */
  report(): ValidationReport | undefined {
    if (!this.started) return undefined;
    return this.failure === undefined ? { thread: this.result !== undefined } : { thread: false, fallback: this.failure };
  }

  /** Ends the thread (the fit is over, or was stopped); harmless twice. */
  stop(): void {
    this.over = true;
    const worker = this.worker;
    this.worker = undefined;
    this.port?.close();
    this.port = undefined;
    if (worker) void worker.terminate();
  }

  /** Waits for the next message (Atomics.wait, a second at a time) and takes it in. */
  private receive(): void {
    const port = this.port;
    const signal = this.signal;
    if (!port || !signal) return this.giveUp('the second thread is not running');
    const silentMs = this.opts.silentMs ?? VALIDATION_THREAD_SILENT_MS;
    let heard = Date.now();
    for (;;) {
      const seen = Atomics.load(signal, 0);
      const got = receiveMessageOnPort(port);
      if (got) return this.take(got.message);
      if (Date.now() - heard >= silentMs) return this.giveUp(`the second thread said nothing for ${Math.round(silentMs / 1000)} s`);
      // Bumped after every message: a message posted after the load above makes this return at once.
      if (Atomics.wait(signal, 0, seen, Math.min(1000, silentMs)) !== 'timed-out') heard = Date.now();
      this.opts.onWait?.();
    }
  }

  private take(raw: unknown): void {
    let m: FromValidation;
    try {
      m = parseFromValidation(raw);
    } catch (err) {
      return this.giveUp(err instanceof Error ? err.message : String(err));
    }
    if (m.type === 'lambda') this.chosenLambda = m.lambda;
    else if (m.type === 'outcome') this.result = m.outcome;
    else if (m.type === 'failed') this.giveUp(`the second thread failed: ${m.message}`);
  }

  private giveUp(why: string): void {
    this.failure = why;
    this.stop();
  }
}

/** In the second thread: the validation phase of the fit the worker is running, its answers posted as they come. */
export function runValidationThread(raw: unknown): void {
  if (!isValidationThreadData(raw)) return;
  const { port, config, cancelFlag } = raw;
  const signal = new Int32Array(raw.signal);
  const flag = cancelFlag ? new Int32Array(cancelFlag) : undefined;
  let last = Date.now();
  const post = (m: FromValidation): void => {
    last = Date.now();
    port.postMessage(m);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  try {
    const steps = validateFitSteps(takeData(raw), config, { shouldStop: () => flag !== undefined && Atomics.load(flag, 0) === 1 }, (lambda) => post({ type: 'lambda', lambda }));
    for (;;) {
      const r = steps.next();
      if (r.done) {
        post({ type: 'outcome', outcome: r.value });
        break;
      }
      if (Date.now() - last >= ALIVE_EVERY_MS) post({ type: 'alive' });
    }
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
  port.close();
}

/** The history, left in nobody's hands but the caller's: the validation split holds what it needs of it. */
function takeData(raw: ValidationThreadData): InteractionColumns {
  const data = raw.data;
  raw.data = undefined;
  if (!data) throw new Error('no history to validate on');
  return data;
}

/** workerData of the second thread (anything else: this is the worker proper). */
export function isValidationThreadData(v: unknown): v is ValidationThreadData {
  return isRecord(v) && v.role === 'validation';
}

const chosenSettings = obj<ChosenSettings>({ easeLambda: positive });
const blendHeldOut = obj<BlendHeldOut>({ cases: count, ndcg: num, hitRate: num });
const outcome = obj<ValidationOutcome>({ chosen: chosenSettings, blend: optional(blendHeldOut), cases: count, reason: optional(str()) });

/** A message of the second thread, checked; a malformed one is a bug and ends the thread (the fit validates itself). */
export function parseFromValidation(v: unknown): FromValidation {
  const p = 'message from the validation thread';
  if (!isRecord(v)) return fail(p, 'an object', v);
  switch (v.type) {
    case 'lambda':
      return { type: 'lambda', lambda: positive(v.lambda, `${p}.lambda`) };
    case 'outcome': {
      return { type: 'outcome', outcome: outcome(v.outcome, `${p}.outcome`) };
    }
    case 'alive':
      return { type: 'alive' };
    case 'failed':
      return { type: 'failed', message: str()(v.message, `${p}.message`) };
    default:
      throw new ProtocolError(`unknown type ${JSON.stringify(v.type)}`, `${p}.type`);
  }
}
