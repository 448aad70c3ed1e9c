// Decides when to retrain: on demand, and automatically once `threshold` new events have arrived and feedback
// has been quiet for `debounceMs` (so a burst of typing does not start a run per keystroke).
// Never two runs at once: a request during a run is served by at most one follow-up run after it. An explicit
// request (`supersede`: the Retrain command, a git import that just added data) also stops the running run, whose
// data is stale, so the fresh one starts as soon as the old one has unwound. Runs back to back form one "burst"
// (onBusyChange), so the UI can show one progress indicator for all of them; onRequest tells it that someone asked
// (a run due to activity alone is background work, which the UI may show more quietly).

/** Why a run's signal was aborted. */
export type AbortReason = 'superseded' | 'cancelled';

export interface RetrainRun {
  /** Aborted (reason: signal.reason, an AbortReason) when a newer request supersedes this run or it is cancelled. */
  signal: AbortSignal;
  /** 1 for the first run of a burst, 2, 3... for follow-ups that ran right after another run. */
  attempt: number;
}

export interface RetrainSchedulerOptions {
  /** New events needed before an automatic run; read on every event so a settings change applies at once. 0 = off. */
  threshold(): number;
  debounceMs: number;
  /** Upper bound on how long a steady stream of events can postpone a due run. */
  maxWaitMs?: number;
  retrain(run: RetrainRun): Promise<void>;
  onError?(err: unknown): void;
  /** true when a run starts with none before it, false once no run is running nor queued. */
  onBusyChange?(busy: boolean): void;
  /** A run was asked for (runNow), not just due to activity: called before the run starts or is queued. */
  onRequest?(): void;
}

export interface RunNowOptions {
  /** Stop a running run (its data is stale) instead of letting it finish before the follow-up. */
  supersede?: boolean;
}

export class RetrainScheduler {
  private pendingEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private dueSince: number | undefined;
  private running: { done: Promise<void>; abort: AbortController } | undefined;
  private next: Promise<void> | undefined;
  private attempt = 0;
  /** Cancel was pressed while a follow-up was queued: it is dropped unless a newer request comes in. */
  private cancelledFollowUp = false;
  private disposed = false;

  constructor(private readonly opts: RetrainSchedulerOptions) {}

  /** Events recorded since the last run started. */
  get eventsSinceTraining(): number {
    return this.pendingEvents;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** A follow-up run is queued behind the running one. */
  get hasFollowUp(): boolean {
    return this.next !== undefined;
  }

  noteEvent(count = 1): void {
    if (this.disposed) return;
    this.pendingEvents += count;
    const threshold = this.opts.threshold();
    if (threshold <= 0 || this.pendingEvents < threshold) return;
    const now = Date.now();
    this.dueSince ??= now;
    const maxWait = this.opts.maxWaitMs ?? this.opts.debounceMs * 10;
    const wait = Math.max(0, Math.min(this.opts.debounceMs, this.dueSince + maxWait - now));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runDue().catch((e: unknown) => this.opts.onError?.(e)), wait);
  }

  /**
   * Runs now (the Retrain command). While a run is in progress, resolves when the one follow-up run after it ends;
   * with `supersede` the running run is told to stop first.
   */
  runNow(opts: RunNowOptions = {}): Promise<void> {
    if (!this.disposed) this.opts.onRequest?.();
    return this.request(opts);
  }

  /** Runs now as if enough activity had made a run due (an automatic run: onRequest is not called). */
  runDue(): Promise<void> {
    return this.request({});
  }

  /** A run now (asked for, or due to activity), or the one follow-up after the running run. */
  private request(opts: RunNowOptions): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueSince = undefined;
    if (this.disposed) return Promise.resolve();
    if (this.running) {
      const current = this.running;
      this.cancelledFollowUp = false; // a request made after Cancel is served
      if (opts.supersede && !current.abort.signal.aborted) current.abort.abort('superseded' satisfies AbortReason);
      // Every request made during a run is served by one shared follow-up run, started once the run has settled.
      this.next ??= current.done
        .catch(() => undefined)
        .then(() => {
          this.next = undefined;
          if (this.disposed || this.cancelledFollowUp) {
            this.cancelledFollowUp = false;
            this.endBurst();
            return;
          }
          return this.start();
        });
      return this.next;
    }
    return this.start();
  }

  /** Stops the running run and drops a queued follow-up (the user pressed Cancel, or Reset). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueSince = undefined;
    if (this.next) this.cancelledFollowUp = true;
    if (this.running && !this.running.abort.signal.aborted) this.running.abort.abort('cancelled' satisfies AbortReason);
  }

  private start(): Promise<void> {
    this.pendingEvents = 0;
    const abort = new AbortController();
    this.attempt++;
    if (this.attempt === 1) this.opts.onBusyChange?.(true);
    let done: Promise<void>;
    try {
      done = this.opts.retrain({ signal: abort.signal, attempt: this.attempt });
    } catch (err) {
      done = Promise.reject(err);
    }
    const run = done.finally(() => {
      this.running = undefined;
      // A queued follow-up continues the burst; it ends the burst itself when it is dropped.
      if (!this.next) this.endBurst();
    });
    this.running = { done: run, abort };
    return run;
  }

  private endBurst(): void {
    if (this.attempt === 0) return;
    this.attempt = 0;
    this.opts.onBusyChange?.(false);
  }

  /** Forget counted events (after Reset). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueSince = undefined;
    this.pendingEvents = 0;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
    this.clear();
  }
}
