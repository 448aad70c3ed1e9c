// "Latent: Go to Recommended...": the current recommendations in a quick pick, for people who never open the
// sidebar. Rows come from presentation.ts (a separator per kind, the "why" as detail); they follow the live ranking
// while the pick is open. Enter runs the tree's click (actions.ts: open the file, insert the snippet, show the
// extension) and the item button runs the tree's "Not interested"; the composition root passes both in.
import * as vscode from 'vscode';
import type { Recommendation, RecommenderModel } from '../../core/recommender';
import { quickPickEntries } from './presentation';
import { RestGate } from './restGate';
import { extensionDisplayName } from './tree';
import { factorLabelsOf } from './whyText';

export interface RecommendationPickItem extends vscode.QuickPickItem {
  /** the item key; absent on separators */
  readonly item?: string;
}

export interface QuickPickDeps {
  /** the live ranking (LiveRanker) */
  ranker: {
    recommendations(): Recommendation[];
    getModel(): RecommenderModel | undefined;
    onDidChange(listener: () => void): { dispose(): void };
  };
  /** the tree's click: open a file, insert a snippet, show an extension's page */
  open(item: string): Promise<void>;
  /** a file's Open to the Side (the tree's context menu) */
  openToSide(item: string): Promise<void>;
  /** the tree's "Not interested" */
  notInterested(item: string): void;
  /** items latent.exclude covers now: never named in a reason (as in the tree) */
  hidden?(item: string): boolean;
}

export const QUICK_PICK_TITLE = 'Latent: Recommended for you';
const PLACEHOLDER = 'Go to a recommended file, snippet or extension (type to filter)';
const EMPTY_PLACEHOLDER = 'Nothing to recommend yet: keep working, or run "Latent: Learn from Git History"';
const ICONS: Record<string, string> = { file: 'file', snippet: 'symbol-snippet', extension: 'extensions' };

/** How long the highlight must rest before the open pick takes a new ranking (restGate.ts says why). */
export const NAVIGATION_QUIET_MS = 600;

/**
 * One open quick pick. The command returns it: callers in the extension host (the integration tests) get the real
 * QuickPick; when the palette or a keybinding runs the command, VS Code serializes the result through toJSON.
 */
export class RecommendationsQuickPick implements vscode.Disposable {
  readonly quickPick: vscode.QuickPick<RecommendationPickItem>;
  readonly notInterestedButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('close'), tooltip: 'Not Interested' };
  /** on a file's row, as Quick Open has it */
  readonly openToSideButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('split-horizontal'), tooltip: 'Open to the Side' };
  /** Settles once the pick is closed: with the key that was opened, or undefined when closed without a choice. */
  readonly done: Promise<string | undefined>;
  private readonly subs: vscode.Disposable[] = [];
  private finish: (item: string | undefined) => void = () => undefined;
  private disposed = false;
  private accepted = false;
  private readonly gate = new RestGate(() => this.refresh(), NAVIGATION_QUIET_MS);
  /** The rows last put in the pick, as text: a ranking that changes none of them leaves the pick as it is. */
  private shown: string | undefined;

  constructor(private readonly deps: QuickPickDeps) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    const qp = vscode.window.createQuickPick<RecommendationPickItem>();
    this.quickPick = qp;
    qp.title = QUICK_PICK_TITLE;
    qp.matchOnDescription = true;
    // Rows are replaced when the ranking moves: keep the list where the user scrolled it.
    qp.keepScrollPosition = true;
    this.refresh();
    this.subs.push(
      deps.ranker.onDidChange(() => this.gate.request()),
      qp.onDidChangeActive(() => this.gate.moved()),
      qp.onDidTriggerItemButton((e) => this.onItemButton(e)),
      qp.onDidAccept(() => void this.accept()),
      qp.onDidHide(() => this.dispose()),
    );
    qp.show();
  }

  /** The rows as they are now (separators included). */
  get items(): readonly RecommendationPickItem[] {
    return this.quickPick.items;
  }

  /** An item button was pressed (VS Code fires this from the UI): "Not interested" dismisses the item, "Open to the Side" opens it beside. */
  onItemButton(e: vscode.QuickPickItemButtonEvent<RecommendationPickItem>): void {
    if (e.button === this.notInterestedButton && e.item.item) this.deps.notInterested(e.item.item);
    else if (e.button === this.openToSideButton && e.item.item) void this.accept(e.item.item, true);
  }

  /**
   * Rebuilds the rows from the live ranking, keeping the highlighted item when it is still there; the same rows again
   * (a ranking recomputed for a signal that moved nothing) are not put back. Putting rows back puts the highlight where
   * this host last heard it was, a message behind the screen: a row the user had just arrowed to could jump back (an
   * e2e run pressed the down arrow after a dismissal and waited 5 s for the highlight to move).
   */
  refresh(): void {
    if (this.disposed) return;
    const qp = this.quickPick;
    const entries = quickPickEntries(this.deps.ranker.recommendations(), {
      labels: factorLabelsOf(this.deps.ranker.getModel(), this.deps.hidden),
      extensionName: extensionDisplayName,
    });
    const shown = JSON.stringify(entries);
    if (shown === this.shown) return;
    this.shown = shown;
    const active = qp.activeItems[0]?.item;
    qp.items = entries.map((e): RecommendationPickItem => {
      if (e.type === 'separator') return { label: e.label, kind: vscode.QuickPickItemKind.Separator };
      return {
        item: e.item,
        label: e.label,
        description: e.description,
        detail: e.detail,
        iconPath: new vscode.ThemeIcon(ICONS[e.kind] ?? 'circle-outline'),
        buttons: e.kind === 'file' ? [this.openToSideButton, this.notInterestedButton] : [this.notInterestedButton],
      };
    });
    const again = active === undefined ? undefined : qp.items.find((i) => i.item === active);
    if (again) qp.activeItems = [again];
    qp.placeholder = entries.length > 0 ? PLACEHOLDER : EMPTY_PLACEHOLDER;
  }

  /** Enter on a row (the highlighted one), or a file row's Open to the Side (`item`, `toSide`). */
  private async accept(item = (this.quickPick.selectedItems[0] ?? this.quickPick.activeItems[0])?.item, toSide = false): Promise<void> {
    if (!item || this.accepted) return;
    this.accepted = true;
    // Closed first: a snippet goes into the editor that had focus, and a file opens as from Quick Open.
    this.quickPick.hide();
    try {
      await (toSide ? this.deps.openToSide(item) : this.deps.open(item));
    } finally {
      this.finish(item);
    }
  }

  /** What leaves the extension host when the palette or a keybinding ran the command: the title and the item keys. */
  toJSON(): { title: string; items: string[] } {
    return { title: QUICK_PICK_TITLE, items: this.quickPick.items.flatMap((i) => (i.item ? [i.item] : [])) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.gate.dispose();
    for (const s of this.subs) s.dispose();
    this.quickPick.dispose();
    // Closed without a choice (Escape, focus elsewhere): nothing opened. accept() settles it after opening.
    if (!this.accepted) this.finish(undefined);
  }
}
