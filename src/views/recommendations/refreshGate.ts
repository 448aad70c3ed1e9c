// When the tree re-renders. The live ranker recomputes on every signal (a dwell tick is 0.75 s while the user reads),
// and a full re-render makes VS Code drop the commands of the rows on screen: a click that lands meanwhile fails
// with "Actual command not found, wanted to execute latent.openRecommendation/..." (microsoft/vscode#173233: "this
// can occur when the tree is updating at the time that the item was clicked"). So the tree re-renders at once only
// when its rows change (which items, in which order, their names), and when only the numbers in a row's tooltip
// and screen-reader label moved, at most once per quiet period. Pure: no vscode, tested in plain Node.

export interface TreeSnapshot {
  /** what the rows show: the items in order with their label and description */
  rows: string;
  /** what they say besides: tooltips and screen-reader labels (scores move with every signal) */
  detail: string;
}

export class RefreshGate {
  private shown: TreeSnapshot = { rows: '', detail: '' };
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `render` re-renders the tree; `quietMs` is the longest a numbers-only change waits. */
  constructor(
    private readonly render: () => void,
    private readonly quietMs: number,
  ) {}

  /** The ranking changed: `snapshot` is what the tree would show now (read again when a deferred render runs). */
  update(snapshot: () => TreeSnapshot): void {
    const next = snapshot();
    if (next.rows !== this.shown.rows) {
      this.renderNow(next);
    } else if (next.detail !== this.shown.detail && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.renderNow(snapshot());
      }, this.quietMs);
    }
  }

  /** Re-render now, whatever changed (the "Refresh" of callers that know better). */
  force(snapshot: TreeSnapshot): void {
    this.renderNow(snapshot);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private renderNow(snapshot: TreeSnapshot): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.shown = snapshot;
    this.render();
  }
}
