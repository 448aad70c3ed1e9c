// Where a `file:` item lives, in one place: the name a file is recorded under and the folder + path it opens from.
// One folder open: the name is the path inside it (`src/app.ts`). Several folders: the name starts with the folder's
// name (`web/src/app.ts`, WorkspaceFolder.name), the rest is the path inside that folder. The tracker and the git
// import build names with fileItemName/fileItemPrefix; the tree, the item actions and the factors panel resolve them
// with locateFileItem (through views/workspaceFile.ts). Pure: the vscode part passes the folders in.
import { isConfinedPath } from './itemKey';

/** What of a workspace folder the names go by (vscode.WorkspaceFolder has it). */
export interface NamedFolder {
  readonly name: string;
}

/** What goes before a folder-relative path in a file item's name: `<folder name>/` with several folders, else ''. */
export function fileItemPrefix(folderName: string, folderCount: number): string {
  return folderCount > 1 ? `${folderName}/` : '';
}

/** The name a file at `rel` (folder-relative, '/'-separated) in `folder` is recorded under. */
export function fileItemName(rel: string, folder: NamedFolder, folderCount: number): string {
  return `${fileItemPrefix(folder.name, folderCount)}${rel}`;
}

/**
 * The folder and the folder-relative path a file item's name (the key without `file:`) names, or undefined: no
 * folder, a name that is not a confined path (core/itemKey), or with several folders a first part that names none.
 * A folder's name may contain '/' (a `.code-workspace` can name folders freely): the longest folder name that
 * prefixes the item's name wins; between folders of the same name, the first in the workspace.
 */
export function locateFileItem<F extends NamedFolder>(
  name: string,
  folders: readonly F[],
): { folder: F; path: string } | undefined {
  if (folders.length === 0 || !isConfinedPath(name)) return undefined;
  if (folders.length === 1) return { folder: folders[0], path: name };
  let best: F | undefined;
  for (const f of folders) {
    if (f.name !== '' && name.startsWith(`${f.name}/`) && (!best || f.name.length > best.name.length)) best = f;
  }
  if (!best) return undefined;
  const path = name.slice(best.name.length + 1);
  return isConfinedPath(path) ? { folder: best, path } : undefined;
}
