// What the tree's items do: open a file (or open it to the side), insert a snippet (recorded exactly), show an
// extension's page, "Not interested" (recorded as a dismiss event and excluded at once; Undo and the Restore command
// take it back), "Why this?" (the factors webview).
import * as vscode from 'vscode';
import { COMMANDS } from '../../commands';
import { displayName, itemKind, itemPlace, parseItemKey } from '../../core/itemKey';
import type { FeedbackEvent } from '../../feedback/signal';
import { fileUriOfItem, fileUriOfKey } from '../workspaceFile';
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

/** A click (or Enter in the quick pick) on a recommendation; `toSide`: a file opens beside the active editor. */
export async function openRecommendation(deps: ActionDeps, arg: unknown, toSide = false): Promise<void> {
  const item = itemOf(arg);
  if (!item) return;
  const { kind, name } = parseItemKey(item);
  if (kind === 'file') {
    // Keys are checked when recorded and read back; checked again here (fileUriOfItem refuses a path that is not
    // confined to its folder), as nothing outside the workspace is opened. Several folders: the first part of the
    // name is the folder, so web/src/app.ts opens in the folder named web, not under the first folder.
    const uri = fileUriOfItem(name);
    if (!uri) return;
    await vscode.commands.executeCommand('vscode.open', uri, toSide ? { viewColumn: vscode.ViewColumn.Beside } : undefined);
  } else if (kind === 'snippet') {
    await insertSnippet(deps, item);
  } else if (kind === 'extension') {
    await showExtension(name);
  }
}

/**
 * A recommended file's "Reveal in Explorer View", "Copy Path" and "Copy Relative Path", as the Explorer's own menu
 * has them: VS Code's commands, given the file (they honour its settings, such as the relative path's separator).
 */
export async function onRecommendedFile(arg: unknown, action: 'revealInExplorer' | 'copyFilePath' | 'copyRelativeFilePath'): Promise<void> {
  const item = itemOf(arg);
  const uri = item === undefined ? undefined : fileUriOfKey(item);
  if (uri) await vscode.commands.executeCommand(action, uri);
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

/**
 * "Not interested": hidden from now on, with a way back (Undo on the message, or the Restore command later): a
 * misplaced click must not cost a file its place until Reset wipes everything.
 */
export function notInterested(deps: ActionDeps, arg: unknown): string | undefined {
  const item = itemOf(arg);
  if (!item) return undefined;
  deps.record({ t: Date.now(), item, kind: 'dismiss', amount: 1 });
  void vscode.window
    .showInformationMessage(`Latent: ${parseItemKey(item).name} will not be recommended again.`, UNDO)
    .then((picked) => picked === UNDO && restoreDismissed(deps, item));
  return item;
}

const UNDO = 'Undo';

/** "Not interested" taken back: a dismiss event with amount 0 (signal.ts, dismissedItems). */
export function restoreDismissed(deps: ActionDeps, item: string): void {
  deps.record({ t: Date.now(), item, kind: 'dismiss', amount: 0 });
}

/**
 * "Latent: Restore Dismissed Recommendations...": the items "Not interested" hides, to pick the ones to bring back;
 * an item key as the argument restores that one without asking. Resolves with what was restored.
 */
export async function pickDismissedToRestore(deps: ActionDeps, dismissed: readonly string[], arg: unknown): Promise<string[]> {
  const given = itemOf(arg);
  if (given !== undefined) {
    if (!dismissed.includes(given)) return [];
    restoreDismissed(deps, given);
    return [given];
  }
  if (dismissed.length === 0) {
    void vscode.window.showInformationMessage('Latent: nothing is dismissed. "Not Interested" on a recommendation hides it; this command brings it back.');
    return [];
  }
  const entries = [...dismissed]
    .sort((a, b) => a.localeCompare(b))
    .map((item) => {
      // As the tree shows them: the name, then its folder (a snippet's source), or that it is an extension.
      return { label: displayName(item), description: itemKind(item) === 'extension' ? 'extension' : itemPlace(item).folder, item };
    });
  const picked = await vscode.window.showQuickPick(entries, {
    title: 'Latent: Restore Dismissed Recommendations',
    placeHolder: 'Pick the items to recommend again',
    canPickMany: true,
    matchOnDescription: true,
  });
  for (const p of picked ?? []) restoreDismissed(deps, p.item);
  return (picked ?? []).map((p) => p.item);
}

export async function whyThis(arg: unknown): Promise<void> {
  const item = itemOf(arg);
  if (item) await vscode.commands.executeCommand(COMMANDS.showFactors, item);
}
