// "Recommended for you": Files / Snippets / Extensions, fed by the LiveRanker. Items carry their explanation in the
// tooltip; clicking runs latent.openRecommendation (open file, insert snippet, show extension page).
import * as vscode from 'vscode';
import { COMMANDS } from '../../commands';
import type { Recommendation } from '../../core/recommender';
import { ITEM_KINDS, itemKind, parseItemKey, type ItemKind } from '../../core/itemKey';
import type { LiveRanker } from '../../ranking/liveRanking';
import { fileUriOfItem } from '../workspaceFile';
import { FactorLabels, displayName, whyMarkdown } from './whyText';

export type TreeNode = { type: 'group'; kind: ItemKind } | { type: 'item'; rec: Recommendation };

const GROUP_LABEL: Record<ItemKind, string> = { file: 'Files', snippet: 'Snippets', extension: 'Extensions' };

export class RecommendationsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private labels: FactorLabels | undefined;
  private labelsFor: unknown;
  private readonly sub: { dispose(): void };

  constructor(private readonly ranker: LiveRanker) {
    this.sub = ranker.onDidChange(() => this.refresh());
    this.refresh();
  }

  refresh(): void {
    this.changed.fire(undefined);
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
      return item;
    }
    return this.itemFor(node.rec);
  }

  private itemFor(rec: Recommendation): vscode.TreeItem {
    const kind = itemKind(rec.item);
    const { name } = parseItemKey(rec.item);
    const item = new vscode.TreeItem(displayName(rec.item), vscode.TreeItemCollapsibleState.None);
    item.id = rec.item;
    item.contextValue = `latent.recommendation.${kind ?? 'other'}`;
    item.command = { command: COMMANDS.openRecommendation, title: 'Open', arguments: [rec.item] };
    item.tooltip = new vscode.MarkdownString(whyMarkdown(rec, this.factorLabels()));
    if (kind === 'file') {
      // resourceUri gives the workspace's file icon theme and the folder as description; in the folder the name
      // starts with when several are open. A name that resolves to no folder gets no file icon (clicking it does
      // nothing either), but is still shown.
      const uri = fileUriOfItem(name);
      if (uri) item.resourceUri = uri;
      const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
      // A file the model has not learned yet, ranked by its neighbours: say so, it is a guess.
      item.description = rec.source === 'new' ? (dir ? `${dir} · new file` : 'new file') : dir;
    } else if (kind === 'snippet') {
      item.iconPath = new vscode.ThemeIcon('symbol-snippet');
      item.description = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
    } else if (kind === 'extension') {
      item.iconPath = new vscode.ThemeIcon('extensions');
      const ext = vscode.extensions.getExtension(name);
      const pj: unknown = ext?.packageJSON;
      const shown = typeof pj === 'object' && pj !== null ? (pj as { displayName?: unknown }).displayName : undefined;
      if (typeof shown === 'string' && !shown.startsWith('%')) {
        item.label = shown;
        item.description = name;
      }
    }
    return item;
  }

  private factorLabels(): FactorLabels | undefined {
    const model = this.ranker.getModel();
    if (!model) return undefined;
    if (this.labelsFor !== model) {
      this.labels = new FactorLabels(model);
      this.labelsFor = model;
    }
    return this.labels;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
