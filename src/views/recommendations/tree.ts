// "Recommended for you": Files / Snippets / Extensions, fed by the LiveRanker. Items carry their explanation in the
// tooltip; clicking runs latent.openRecommendation (open file, insert snippet, show extension page).
import * as vscode from 'vscode';
import { COMMANDS } from '../../commands';
import type { Recommendation } from '../../core/recommender';
import { ITEM_KINDS, itemKind, parseItemKey, type ItemKind } from '../../core/itemKey';
import type { LiveRanker } from '../../ranking/liveRanking';
import { fileUriOfItem } from '../workspaceFile';
import { GROUP_LABEL, accessibleLabel, groupAccessibleLabel, itemText, whyLine } from './presentation';
import { RefreshGate, type TreeSnapshot } from './refreshGate';
import { factorLabelsOf, whyMarkdown } from './whyText';

/** The longest a change of numbers alone (scores in tooltips and screen-reader labels) waits to be shown. */
export const QUIET_REFRESH_MS = 5000;

export type TreeNode = { type: 'group'; kind: ItemKind } | { type: 'item'; rec: Recommendation };

/** An installed extension's display name (not a %placeholder% left unlocalized), if it has one. */
export function extensionDisplayName(id: string): string | undefined {
  const pj: unknown = vscode.extensions.getExtension(id)?.packageJSON;
  const shown = typeof pj === 'object' && pj !== null ? (pj as { displayName?: unknown }).displayName : undefined;
  return typeof shown === 'string' && !shown.startsWith('%') ? shown : undefined;
}

export class RecommendationsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: { dispose(): void };
  private readonly gate: RefreshGate;

  /**
   * `hidden`: items latent.exclude covers now, which a why line never names (its factor labels leave them out, as
   * the panel does).
   */
  constructor(
    private readonly ranker: LiveRanker,
    quietMs = QUIET_REFRESH_MS,
    private readonly hidden?: (item: string) => boolean,
  ) {
    this.gate = new RefreshGate(() => this.changed.fire(undefined), quietMs);
    // The ranker recomputes on every signal; re-rendering each time would drop the commands of the rows on screen
    // under the user's click (refreshGate.ts).
    this.sub = ranker.onDidChange(() => this.gate.update(() => this.snapshot()));
    this.refresh();
  }

  /** Re-renders now, whatever changed. */
  refresh(): void {
    this.gate.force(this.snapshot());
  }

  /** What the tree shows for the current ranking: its rows, and the numbers in their tooltips and labels. */
  private snapshot(): TreeSnapshot {
    const rows: string[] = [];
    const detail: string[] = [];
    for (const kind of ITEM_KINDS) {
      for (const rec of this.ranker.byKind(kind)) {
        const item = this.itemFor(rec);
        rows.push(`${rec.item}\t${String(item.label)}\t${String(item.description ?? '')}`);
        const tip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
        detail.push(`${item.accessibilityInformation?.label ?? ''}\t${tip}`);
      }
    }
    return { rows: rows.join('\n'), detail: detail.join('\n') };
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      return ITEM_KINDS.filter((k) => this.ranker.byKind(k).length > 0).map((kind) => ({ type: 'group', kind }));
    }
    if (node.type === 'group') return this.ranker.byKind(node.kind).map((rec) => ({ type: 'item', rec }));
    return [];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.type === 'group') {
      const item = new vscode.TreeItem(GROUP_LABEL[node.kind], vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.kind}`;
      item.contextValue = 'latent.group';
      item.accessibilityInformation = { label: groupAccessibleLabel(node.kind, this.ranker.byKind(node.kind).length), role: 'treeitem' };
      return item;
    }
    return this.itemFor(node.rec);
  }

  private itemFor(rec: Recommendation): vscode.TreeItem {
    const kind = itemKind(rec.item);
    const { name } = parseItemKey(rec.item);
    const text = itemText(rec, kind === 'extension' ? extensionDisplayName(name) : undefined);
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    item.id = rec.item;
    item.description = text.description;
    item.contextValue = `latent.recommendation.${kind ?? 'other'}`;
    item.command = { command: COMMANDS.openRecommendation, title: 'Open', arguments: [rec.item] };
    const labels = factorLabelsOf(this.ranker.getModel(), this.hidden);
    item.tooltip = new vscode.MarkdownString(whyMarkdown(rec, labels));
    // Read instead of the label and description: the name, where it is, and the one-line reason (the tooltip is
    // hover-only).
    item.accessibilityInformation = { label: accessibleLabel(rec, text, whyLine(rec, labels)), role: 'treeitem' };
    if (kind === 'file') {
      // resourceUri gives the workspace's file icon theme; in the folder the name starts with when several are
      // open. A name that resolves to no folder gets no file icon (clicking it does nothing either), but is still
      // shown.
      const uri = fileUriOfItem(name);
      if (uri) item.resourceUri = uri;
    } else if (kind === 'snippet') {
      item.iconPath = new vscode.ThemeIcon('symbol-snippet');
    } else if (kind === 'extension') {
      item.iconPath = new vscode.ThemeIcon('extensions');
    }
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.gate.dispose();
    this.changed.dispose();
  }
}
