// When the open "Go to Recommended..." pick takes a new ranking. While the highlight moves (arrow keys, the mouse), a
// new ranking waits until it has rested: rows that reorder under the keys are hard to follow, and the highlight the
// extension host knows lags the one on screen by a message, so keeping it across a refresh right then could put it
// back on the row before, and Enter would open that one (a CI run of the e2e suite pressed Enter on theme.ts and
// theme.ts did not open; a ranking arriving right then is the likely cause). Pure: no vscode, tested in plain Node.

export class RestGate {
  private movedAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `show` applies the newest ranking; `quietMs` is how long the highlight must rest first. */
  constructor(
    private readonly show: () => void,
    private readonly quietMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The highlight moved. */
  moved(): void {
    this.movedAt = this.now();
  }

  /** A new ranking: shown at once when the highlight rests, else once, when it has rested quietMs. */
  request(): void {
    const wait = this.movedAt + this.quietMs - this.now();
    if (wait <= 0) {
      this.show();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.request();
    }, wait);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
