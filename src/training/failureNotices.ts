// Which training failures are shown to the user and which are only logged. A run whose progress was in a notification
// (asked for, as Retrain or a git import, or a background run that took long: progressPlacement.ts) always says why it
// failed. A background run in the status bar that fails the way the last one did is logged only: a lasting problem (a
// history the watchdog's time cannot cover, a worker that cannot start) would otherwise bring the same warning back
// every few minutes of work. No vscode here, so it is tested in plain Node.
export class FailureNotices {
  private last: string | undefined;

  /** Whether to show this failure (remembered either way); false for a status-bar run's repeat of the last one. */
  shouldShow(message: string, inNotification: boolean): boolean {
    const show = inNotification || message !== this.last;
    this.last = message;
    return show;
  }

  /** A run succeeded: the next failure is news again. */
  succeeded(): void {
    this.last = undefined;
  }
}
