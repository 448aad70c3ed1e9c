// Where a workspace's feedback store lives (names only, no I/O). VS Code's per-workspace storage is keyed by the
// folder's path, so a moved or re-cloned folder would start from nothing; a folder inside a git repository is keyed
// instead by what stays the same: the repository's root commit and the folder's path inside the repository.
import { createHash } from 'node:crypto';
import * as path from 'node:path';

/** What identifies a folder of a git repository wherever it is on disk. */
export interface RepositoryIdentity {
  /** the smallest root commit hash (a history with several roots has more than one; the smallest is stable) */
  rootCommit: string;
  /** the folder's path inside the repository as `git rev-parse --show-prefix` prints it ('' at the top, else 'a/b/') */
  prefix: string;
}

/** The store's own folder name, under VS Code's storage or under an identity folder. */
export const STORE_FOLDER = 'feedback';
/** Under globalStorage: one folder per repository identity. */
export const WORKSPACES_FOLDER = 'workspaces';
/** 20 hex digits (80 bits): no collision between the repositories of one machine, short enough for a path. */
const KEY_LENGTH = 20;

/** The identity's folder name: the first hex digits of sha256("rootCommit\0prefix"). */
export function identityKey(id: RepositoryIdentity): string {
  return createHash('sha256').update(`${id.rootCommit}\0${id.prefix}`).digest('hex').slice(0, KEY_LENGTH);
}

/** `<globalStorage>/workspaces/<key>`: the identity's folder (its store and nothing else of the workspace). */
export function identityFolder(globalStorage: string, id: RepositoryIdentity): string {
  return path.join(globalStorage, WORKSPACES_FOLDER, identityKey(id));
}

/** `<globalStorage>/workspaces/<key>/feedback`: the store of a folder inside a git repository. */
export function identityStoreDir(globalStorage: string, id: RepositoryIdentity): string {
  return path.join(identityFolder(globalStorage, id), STORE_FOLDER);
}

/** `<storage>/feedback`: the store keyed by the folder's path (VS Code's storageUri), the fallback. */
export function folderStoreDir(storage: string): string {
  return path.join(storage, STORE_FOLDER);
}
