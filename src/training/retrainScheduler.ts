// Decides when to retrain: on demand, and automatically once `threshold` new events have arrived and feedback
// has been quiet for `debounceMs` (so a burst of typing does not start a run per keystroke). One run at a time;
// a request during a run is remembered and served once the run ends.

export interface RetrainSchedulerOptions {
  /** New events needed before an automatic run; read on every event so a settings change applies at once. 0 = off. */
  threshold(): number;
  debounceMs: number;
  /** Upper bound on how long a steady stream of events can postpone a due run. */
  maxWaitMs?: number;
  retrain(): Promise<void>;
  onError?(err: unknown): void;
}

export class RetrainScheduler {
  private pendingEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private dueSince: number | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly opts: RetrainSchedulerOptions) {}

  /** Events recorded since the last run started. */
  get eventsSinceTraining(): number {
    return this.pendingEvents;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
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
    this.timer = setTimeout(() => void this.runNow().catch((e: unknown) => this.opts.onError?.(e)), wait);
  }

  /** Runs now (the Retrain command). While a run is in progress, resolves when a fresh run after it ends. */
  runNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueSince = undefined;
    if (this.running) {
      // Every request made during a run is served by one shared follow-up run.
      this.next ??= this.running
        .catch(() => undefined)
        .then(() => {
          this.next = undefined;
          return this.runNow();
        });
      return this.next;
    }
    this.pendingEvents = 0;
    const run = this.opts.retrain().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
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
    this.clear();
  }
}
