// Where a burst of training runs shows its progress. A run someone asked for (Retrain, a git import) shows it in a
// notification with Cancel. A run due to activity alone is background work: every few minutes of work a toast would
// interrupt, so it shows in the status bar, where VS Code offers no Cancel; one that is still running after
// `notifyAfterMs` (the in-process fallback on a large history, a machine under load) moves to the notification, so
// that it can be cancelled. No vscode here, so it is tested in plain Node.
export type ProgressPlace = 'status bar' | 'notification';

export interface ProgressPlacementOptions {
  /** shows the progress indicator there (none is open when this is called) */
  open(place: ProgressPlace): void;
  /** closes the open one */
  close(): void;
  notifyAfterMs: number;
}

export class ProgressPlacement {
  private place: ProgressPlace | undefined;
  private requested = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: ProgressPlacementOptions) {}

  /** Where the open indicator is, if one is. */
  get current(): ProgressPlace | undefined {
    return this.place;
  }

  /** The scheduler's onBusyChange: a burst of runs starts or ends. */
  busy(busy: boolean): void {
    this.shut();
    if (!busy) {
      this.requested = false;
      return;
    }
    this.show(this.requested ? 'notification' : 'status bar');
    if (!this.requested) this.timer = setTimeout(() => this.toNotification(), this.opts.notifyAfterMs);
  }

  /** The scheduler's onRequest: someone asked for a run (before it starts, or while a background run trains). */
  request(): void {
    this.requested = true;
    this.toNotification();
  }

  dispose(): void {
    this.shut();
  }

  private toNotification(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.place !== 'status bar') return;
    this.opts.close();
    this.show('notification');
  }

  private show(place: ProgressPlace): void {
    this.place = place;
    this.opts.open(place);
  }

  private shut(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.place) this.opts.close();
    this.place = undefined;
  }
}
