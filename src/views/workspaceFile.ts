// The file a `file:` item names, as a URI in the right workspace folder: the thin vscode side of
// core/workspaceItem.ts (which holds the path rules and is unit-tested in plain Node). The tree (resourceUri and
// click), the item actions and the factors panel all open files through this.
import * as vscode from 'vscode';
import { parseItemKey } from '../core/itemKey';
import { locateFileItem } from '../core/workspaceItem';

/**
 * The URI of the file an item's name (the key without `file:`) names, or undefined when it names none of the open
 * folders or is not a path confined to its folder. Several folders: the first part of the name is the folder's
 * name; one folder: the whole name is relative to it. Folders default to the window's current ones.
 */
export function fileUriOfItem(
  name: string,
  folders: readonly vscode.WorkspaceFolder[] = vscode.workspace.workspaceFolders ?? [],
): vscode.Uri | undefined {
  const at = locateFileItem(name, folders);
  return at ? vscode.Uri.joinPath(at.folder.uri, ...at.path.split('/')) : undefined;
}

/** fileUriOfItem for a whole item key; undefined for snippets, extensions and anything that is not a file key. */
export function fileUriOfKey(item: string, folders?: readonly vscode.WorkspaceFolder[]): vscode.Uri | undefined {
  const { kind, name } = parseItemKey(item);
  return kind === 'file' ? fileUriOfItem(name, folders) : undefined;
}
