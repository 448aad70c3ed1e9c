// Runs a training job off the extension host's event loop (no vscode here, so it is tested in plain Node).
// A cancelled, hung or crashed job is ended by terminating its thread, and nothing leaks into the next run; a thread
// that finished its job is kept a while for the next one (IDLE_WORKER_MS), its code already compiled.
import { Worker } from 'node:worker_threads';
import type { Interaction, RecommenderModel } from '../core/recommender';
import { primeGram } from '../core/scoring';
import type { FileMove } from '../feedback/fileChanges';
import type { FeedbackEvent } from '../feedback/signal';
import { StoredEvents } from '../feedback/storedEvents';
import {
  encodeEventsAsync,
  encodeStoredAsync,
  encodeInteractionsAsync,
  parseFromWorker,
  transferables,
  type ConfigOverrides,
  type EncodedEaseMemory,
  type FromWorker,
  type ProgressMessage,
  type ToWorker,
} from './messages';
import { runTrainJobAsync } from './job';

/** The subset of vscode.CancellationToken this module needs (structurally compatible with it). */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export type TrainingProgress = Omit<ProgressMessage, 'type' | 'id'>;

/** A CancelToken that fires when `signal` aborts (the scheduler stops a superseded or cancelled run this way). */
export function tokenFromSignal(signal: AbortSignal): CancelToken {
  return {
    get isCancellationRequested() {
      return signal.aborted;
    },
    onCancellationRequested(listener: () => void) {
      const l = (): void => listener();
      signal.addEventListener('abort', l, { once: true });
      return { dispose: () => signal.removeEventListener('abort', l) };
    },
  };
}

export interface RunOptions {
  onProgress?(p: TrainingProgress): void;
  token?: CancelToken;
  /** Terminate the worker when it reports nothing for this long. */
  watchdogMs?: number;
}

export interface TrainingResult {
  model: RecommenderModel;
  /** The serialized model exactly as the trainer produced it, ready for FeedbackStore.saveModel. */
  json: string;
  mode: 'worker' | 'in-process';
  elapsedMs: number;
  /** a full fit or an update of the model it was given, and why */
  retrain?: { kind: 'full' | 'update'; reason: string };
  /** what the next run needs to update this model's item x item part without solving it again */
  ease?: EncodedEaseMemory;
}

/** The model in use, for a run that may update it instead of fitting from scratch (core/recommenderUpdate.ts). */
export interface WarmStart {
  /** its saved text (TrainingResult.json, or the file read at startup) */
  previous?: string;
  ease?: EncodedEaseMemory;
  /** fit from scratch whatever the plan says */
  full?: boolean;
  /** the store's renames, applied to the model where they are newer than it (TrainEventsRequest.moves) */
  moves?: FileMove[];
}

export class TrainingCancelledError extends Error {
  constructor() {
    super('Training was cancelled. Recommendations keep using the previous model.');
    this.name = 'TrainingCancelledError';
  }
}

/** The worker stopped reporting progress and was terminated. */
export class TrainingHungError extends Error {
  constructor(seconds: number) {
    super(
      `Training was stopped: the background worker reported no progress for ${seconds} s. ` +
        'Recommendations keep using the previous model.',
    );
    this.name = 'TrainingHungError';
  }
}

/** The trainer threw, or the worker thread died before finishing. */
export class TrainingFailedError extends Error {
  constructor(
    message: string,
    readonly errorName?: string,
  ) {
    super(message);
    this.name = 'TrainingFailedError';
  }
}

export interface RunnerOptions {
  /** Absolute path of the worker script (dist/worker.js when bundled, out/src/training/worker.js under tsc). */
  workerPath: string;
  /** Default watchdog when RunOptions does not give one. */
  watchdogMs?: number;
  /** Test seam: how a Worker is made; throwing here triggers the in-process fallback. */
  createWorker?: (path: string) => Worker;
  /** How long a cancel request may take to be honoured at an epoch boundary before the thread is terminated. */
  cancelGraceMs?: number;
  /** Told (once per runner) why training falls back to running in-process. */
  onFallback?(reason: string): void;
  /** In-process fallback: longest stretch of training between turns of the event loop; default 4 ms. */
  sliceMs?: number;
  /** How long a worker that finished its job waits for the next one; default IDLE_WORKER_MS, 0 ends it at once. */
  idleMs?: number;
}

const DEFAULT_WATCHDOG_MS = 60_000;

/**
 * A worker that finished its job is kept this long for the next: a new thread loads its script and runs its first job
 * with nothing compiled yet. Automatic updates from the extension's path (stored events packed here, sessionized and
 * updated in the worker; the same 5 updates in a new thread each or in one, a `/tmp` script): 20,000 events 233-245 ms
 * and 366 ms of CPU an update against 79-145 ms and 139 ms; 100,000 events 295-337 against 175-319 ms; 200,000
 * 435-453 against 261-437 ms. Retrains come every 50 events while someone works: focused time alone counts one every
 * 5 s (DWELL_SECONDS_PER_EVENT), so about every 4 minutes; in two developers' real Visual Studio command logs
 * (../shared/data/sessions/vs-commands-*.csv) 50 commands took a median 4.0 and 4.5 minutes, and 77-78% of them
 * under 10. A worker idle longer than this is ended, giving its memory back (about 10 MB once V8 shrank its heap).
 */
export const IDLE_WORKER_MS = 10 * 60_000;

/**
 * The worker's young generation (V8's nursery), in MB: smaller than V8's default, because a retrain's objects mostly
 * live long (the history's interactions, its sessions) and the worker shares the editor's process, whose memory the
 * user sees. A full retrain on 1,000,000 interactions (`measureTrain1M`, 6 alternating pairs against V8's default):
 * peak extra memory 452-495 MB against 604-611 MB; time 11.2-16.7 s against 12.1-15.3 s, paired ratio 0.84-1.11
 * (median 1.0). 16 MB saved about half as much.
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

export class TrainingRunner {
  private nextId = 1;
  private current: Worker | undefined;
  /** a worker that finished its job, kept for the next one (IDLE_WORKER_MS) */
  private idle: { worker: Worker; timer: NodeJS.Timeout; release(): void } | undefined;
  private workersUnavailable = false;
  private disposed = false;

  constructor(private readonly opts: RunnerOptions) {}

  /** True while a worker thread is training. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** True while a worker that finished its job waits for the next one. */
  get hasIdleWorker(): boolean {
    return this.idle !== undefined;
  }

  /** Ends the running worker as if it crashed (used by tests and by dispose). */
  async terminateCurrent(): Promise<void> {
    await this.current?.terminate();
  }

  /** Ends the idle worker, if any (Reset: nothing of the last job stays in a thread's memory); the next job starts one. */
  async endIdle(): Promise<void> {
    await this.takeIdle()?.terminate();
  }

  /** Ends the running worker and the idle one; later jobs still run, each in a thread of its own. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([this.endIdle(), this.terminateCurrent()]);
  }

  /** The idle worker, no longer idle (its timer and watchers gone). */
  private takeIdle(): Worker | undefined {
    const idle = this.idle;
    if (!idle) return undefined;
    this.idle = undefined;
    clearTimeout(idle.timer);
    idle.release();
    return idle.worker;
  }

  /**
   * Keeps a worker whose job is done for the next one. Idle, it keeps no process alive (the CLI, tests), and one that
   * dies while idle (it should not: it runs nothing) is forgotten rather than handed a job.
   */
  private park(worker: Worker): void {
    const idleMs = this.opts.idleMs ?? IDLE_WORKER_MS;
    void this.takeIdle()?.terminate();
    if (this.disposed || idleMs <= 0) {
      void worker.terminate();
      return;
    }
    const drop = (): void => {
      if (this.idle?.worker === worker) this.takeIdle();
    };
    worker.on('error', drop);
    worker.on('exit', drop);
    worker.unref();
    const timer = setTimeout(() => void this.takeIdle()?.terminate(), idleMs);
    timer.unref();
    this.idle = {
      worker,
      timer,
      release: () => {
        worker.off('error', drop);
        worker.off('exit', drop);
        worker.ref();
      },
    };
  }

  /** Trains on session x item interactions (the contract's entry point). */
  run(data: readonly Interaction[], config: ConfigOverrides, run: RunOptions = {}): Promise<TrainingResult> {
    return this.start(async () => ({ type: 'train', id: this.nextId++, data: await encodeInteractionsAsync(data), config }), run);
  }

  /** Trains on raw feedback events; the worker cuts them into sessions (gapMs), keeping that work off this thread. */
  runEvents(events: readonly FeedbackEvent[] | StoredEvents, gapMs: number, config: ConfigOverrides, run: RunOptions = {}, warm: WarmStart = {}): Promise<TrainingResult> {
    return this.start(
      async () => ({
        type: 'train-events',
        id: this.nextId++,
        events: events instanceof StoredEvents ? await encodeStoredAsync(events) : await encodeEventsAsync(events),
        gapMs,
        config,
        ...(warm.previous !== undefined ? { previous: warm.previous } : {}),
        // A fallback after a worker that failed to load packs again: what it was handed is gone (the columns and the
        // EASE memory's rows transferred; its P, shared (sharedEase), not trusted after a worker had it).
        ...(warm.previous && warm.ease && warm.ease.kept.length > 0 && warm.ease.P.length === warm.ease.kept.length ** 2 ? { ease: warm.ease } : {}),
        ...(warm.full ? { full: true } : {}),
        ...(warm.moves && warm.moves.length > 0 ? { moves: warm.moves } : {}),
      }),
      run,
    );
  }

  private async start(build: () => Promise<ToWorker>, run: RunOptions): Promise<TrainingResult> {
    if (run.token?.isCancellationRequested) throw new TrainingCancelledError();
    const req: ToWorker = { ...(await build()), cancelFlag: new SharedArrayBuffer(4) };
    if (!this.workersUnavailable) {
      let worker = this.takeIdle();
      const reused = worker !== undefined;
      if (!worker) {
        try {
          worker = (this.opts.createWorker ?? ((p) => new Worker(p, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } })))(this.opts.workerPath);
        } catch (err) {
          // worker_threads missing or forbidden in this host: remember it and train in-process from now on.
          this.workersUnavailable = true;
          this.opts.onFallback?.(`worker threads are unavailable (${err instanceof Error ? err.message : String(err)})`);
        }
      }
      if (worker) {
        // A worker whose script cannot even load fails before it comes online: fall back rather than fail.
        const fallback = async (): Promise<TrainingResult> => {
          this.workersUnavailable = true;
          // The first request's buffers went to the dead worker (transferred): pack the input again.
          return this.runInProcess({ ...(await build()), cancelFlag: req.cancelFlag }, run);
        };
        // A kept thread that died before it took the job (it runs nothing while idle, but its end may be on its way):
        // the job goes to a new one, as if none had been kept. Packed again, for the same reason as above.
        const afresh = reused ? (): Promise<TrainingResult> => this.start(build, run) : undefined;
        return this.runInWorker(worker, req, run, fallback, afresh);
      }
    }
    return this.runInProcess(req, run);
  }

  private runInWorker(
    worker: Worker,
    req: ToWorker,
    run: RunOptions,
    fallback: () => Promise<TrainingResult>,
    afresh?: () => Promise<TrainingResult>,
  ): Promise<TrainingResult> {
    const reused = afresh !== undefined;
    this.current = worker;
    const watchdogMs = run.watchdogMs ?? this.opts.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    const flag = new Int32Array(req.cancelFlag as SharedArrayBuffer);
    return new Promise<TrainingResult>((resolve, reject) => {
      let settled = false;
      // A kept worker loaded and answered before: whatever goes wrong now is not a failure to load.
      let online = reused;
      let heard = reused;
      /** a message of this job came back (a kept thread that dies before any did never took it) */
      let answered = false;
      let watchdog: NodeJS.Timeout | undefined;
      let cancelTimer: NodeJS.Timeout | undefined;
      const cancelSub = run.token?.onCancellationRequested(() => {
        Atomics.store(flag, 0, 1);
        // Honoured at the next epoch boundary; a long epoch is cut short by terminating the thread.
        cancelTimer = setTimeout(() => finish(() => reject(new TrainingCancelledError())), this.opts.cancelGraceMs ?? 2000);
      });
      /** `keep`: the job is done and the thread may take the next (park); any other outcome ends the thread. */
      const finish = (settle: () => void, keep = false): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        clearTimeout(cancelTimer);
        cancelSub?.dispose();
        if (this.current === worker) this.current = undefined;
        settle();
        if (keep) {
          worker.off('message', onMessage);
          worker.off('online', onOnline);
          worker.off('error', onError);
          worker.off('exit', onExit);
          this.park(worker);
          return;
        }
        // Stopping the thread blocks this one for a few ms (it joins it): in a turn of its own, not in the one that
        // received the result.
        setImmediate(() => void worker.terminate());
      };
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => finish(() => reject(new TrainingHungError(Math.round(watchdogMs / 1000)))),
          watchdogMs,
        );
      };
      const onMessage = (raw: unknown): void => {
        let msg: FromWorker;
        try {
          msg = parseFromWorker(raw);
        } catch (err) {
          finish(() => reject(new TrainingFailedError(`The training worker sent a malformed message: ${String(err)}`)));
          return;
        }
        heard = true;
        if (msg.id !== req.id) return;
        answered = true;
        arm();
        this.handle(msg, run, 'worker', (r) => finish(() => resolve(r), true), (e) => finish(() => reject(e)));
      };
      const onOnline = (): void => {
        online = true;
      };
      const onError = (err: Error): void => {
        // The script failed to load (never came online, or died resolving its modules before saying anything).
        const code = (err as { code?: unknown }).code;
        const loadFailure = !online || (!heard && (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND'));
        if (loadFailure) {
          this.opts.onFallback?.(`worker script could not be loaded (${err.message})`);
          finish(() => fallback().then(resolve, reject));
          return;
        }
        finish(() => reject(new TrainingFailedError(`The training worker crashed: ${err.message}`, err.name)));
      };
      const onExit = (code: number): void => {
        if (afresh && !answered && !run.token?.isCancellationRequested) {
          finish(() => afresh().then(resolve, reject));
          return;
        }
        finish(() =>
          reject(
            new TrainingFailedError(
              `The training worker stopped unexpectedly (exit code ${code}) before finishing. ` +
                'Recommendations keep using the previous model.',
            ),
          ),
        );
      };
      worker.on('message', onMessage);
      worker.on('online', onOnline);
      worker.on('error', onError);
      worker.on('exit', onExit);
      arm();
      worker.postMessage(req, transferables(req));
    });
  }

  /**
   * Fallback when no worker thread can be created: the same job on this thread, in slices of a few ms with a turn
   * for the event loop between them (so the host stays responsive and Cancel is honoured at the next slice). It
   * takes longer than in a worker, which is why it is only a fallback.
   */
  private async runInProcess(req: ToWorker, run: RunOptions): Promise<TrainingResult> {
    const flag = new Int32Array(req.cancelFlag as SharedArrayBuffer);
    const sub = run.token?.onCancellationRequested(() => Atomics.store(flag, 0, 1));
    let outcome: FromWorker | undefined;
    try {
      await runTrainJobAsync(
        req,
        (m) => {
          if (m.type === 'progress') run.onProgress?.({ epoch: m.epoch, epochs: m.epochs, loss: m.loss, elapsedMs: m.elapsedMs });
          else outcome = m;
        },
        Date.now,
        this.opts.sliceMs,
      );
    } finally {
      sub?.dispose();
    }
    if (!outcome) throw new TrainingFailedError('In-process training ended without a result.');
    const result = outcome;
    return new Promise<TrainingResult>((resolve, reject) => this.handle(result, run, 'in-process', resolve, reject));
  }

  private handle(
    msg: FromWorker,
    run: RunOptions,
    mode: TrainingResult['mode'],
    resolve: (r: TrainingResult) => void,
    reject: (e: Error) => void,
  ): void {
    switch (msg.type) {
      case 'progress':
        run.onProgress?.({ epoch: msg.epoch, epochs: msg.epochs, loss: msg.loss, elapsedMs: msg.elapsedMs });
        return;
      case 'done':
        if (msg.gram) primeGram(msg.structured.mf, msg.gram);
        resolve({
          model: msg.structured,
          json: msg.model,
          mode,
          elapsedMs: msg.elapsedMs,
          ...(msg.retrain ? { retrain: msg.retrain } : {}),
          ...(msg.ease ? { ease: msg.ease } : {}),
        });
        return;
      case 'alive':
        return; // the watchdog was re-armed on receipt: nothing else to do
      case 'cancelled':
        reject(new TrainingCancelledError());
        return;
      case 'failed':
        reject(new TrainingFailedError(`Training failed: ${msg.message}`, msg.errorName));
        return;
    }
  }
}
