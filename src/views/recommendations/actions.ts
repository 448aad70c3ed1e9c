// What the tree's items do: open a file, insert a snippet (recorded exactly), show an extension's page,
// "Not interested" (recorded as a dismiss event and excluded at once), "Why this?" (the factors webview).
import * as vscode from 'vscode';
import { COMMANDS } from '../../commands';
import { parseItemKey } from '../../core/itemKey';
import type { FeedbackEvent } from '../../feedback/signal';
import { fileUriOfItem } from '../workspaceFile';
import type { TreeNode } from './tree';

export interface ActionDeps {
  /** Records an event (store.append) and lets the pipeline react (dismissals, retrain counter). */
  record(e: FeedbackEvent): void;
  /** Body of a snippet item in VS Code snippet syntax, when the snippet is known. */
  snippetBody(item: string): string | undefined;
}

/**
 * Command arguments arrive as a tree node (context menu), an item key (click, tests, other commands) or an object
 * with an `item` key (a recommendation).
 */
export function itemOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null) {
    const node = arg as Partial<TreeNode>;
    if (node.type === 'item' && 'rec' in node && typeof node.rec?.item === 'string') return node.rec.item;
    const holder = arg as { item?: unknown };
    if (typeof holder.item === 'string') return holder.item;
  }
  return undefined;
}

export async function openRecommendation(deps: ActionDeps, arg: unknown): Promise<void> {
  const item = itemOf(arg);
  if (!item) return;
  const { kind, name } = parseItemKey(item);
  if (kind === 'file') {
    // Keys are checked when recorded and read back; checked again here (fileUriOfItem refuses a path that is not
    // confined to its folder), as nothing outside the workspace is opened. Several folders: the first part of the
    // name is the folder, so web/src/app.ts opens in the folder named web, not under the first folder.
    const uri = fileUriOfItem(name);
    if (!uri) return;
    await vscode.commands.executeCommand('vscode.open', uri);
  } else if (kind === 'snippet') {
    await insertSnippet(deps, item);
  } else if (kind === 'extension') {
    await showExtension(name);
  }
}

async function insertSnippet(deps: ActionDeps, item: string): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const body = deps.snippetBody(item);
  if (!editor || body === undefined) {
    void vscode.window.showInformationMessage(
      body === undefined
        ? `Latent: the snippet ${parseItemKey(item).name} is no longer available.`
        : 'Latent: open an editor to insert the snippet into.',
    );
    return;
  }
  const ok = await editor.insertSnippet(new vscode.SnippetString(body));
  // Recorded here exactly, as one snippet use: the document-change detector sees a known insertion.
  if (ok) deps.record({ t: Date.now(), item, kind: 'snippet', amount: 1 });
}

async function showExtension(id: string): Promise<void> {
  try {
    await vscode.commands.executeCommand('extension.open', id);
  } catch {
    // Older hosts: the Extensions view filtered to this id.
    await vscode.commands.executeCommand('workbench.extensions.action.showExtensionsWithIds', [id]);
  }
}

export function notInterested(deps: ActionDeps, arg: unknown): string | undefined {
  const item = itemOf(arg);
  if (!item) return undefined;
  deps.record({ t: Date.now(), item, kind: 'dismiss', amount: 1 });
  return item;
}

export async function whyThis(arg: unknown): Promise<void> {
  const item = itemOf(arg);
  if (item) await vscode.commands.executeCommand(COMMANDS.showFactors, item);
}
