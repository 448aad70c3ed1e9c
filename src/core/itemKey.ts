// The item key format, in one place: `file:<workspace-relative path>`, `snippet:<source>/<name>`,
// `extension:<publisher.name>` (DESIGN.md section 3). Everything that builds, checks or reads a key uses this.

export type ItemKind = 'file' | 'snippet' | 'extension';
export const ITEM_KINDS: readonly ItemKind[] = ['file', 'snippet', 'extension'];

export function itemKey(kind: ItemKind, name: string): string {
  return `${kind}:${name}`;
}

/** The kind of a key, or undefined for a string that is not an item key. */
export function itemKind(key: string): ItemKind | undefined {
  const colon = key.indexOf(':');
  const prefix = colon > 0 ? key.slice(0, colon) : '';
  return prefix === 'file' || prefix === 'snippet' || prefix === 'extension' ? prefix : undefined;
}

/** Splits a key into kind and name; a string that is not an item key is kind 'other' and its whole self the name. */
export function parseItemKey(key: string): { kind: ItemKind | 'other'; name: string } {
  const kind = itemKind(key);
  return kind ? { kind, name: key.slice(kind.length + 1) } : { kind: 'other', name: key };
}

/** Kind, folder and extension of a key's name ('' where absent): what priors for items with no history go by. */
export function itemPlace(key: string): { kind: string; folder: string; ext: string } {
  const colon = key.indexOf(':');
  const kind = colon >= 0 ? key.slice(0, colon) : '';
  const path = colon >= 0 ? key.slice(colon + 1) : key;
  const slash = path.lastIndexOf('/');
  const folder = slash >= 0 ? path.slice(0, slash) : '';
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const dot = base.lastIndexOf('.');
  return { kind, folder, ext: dot > 0 ? base.slice(dot + 1) : '' };
}

/**
 * True for a workspace-relative path that stays inside its folder: '/'-separated, not absolute, no empty, '.' or '..'
 * segment, no backslash or NUL. File keys must name such a path: `file:../../etc/passwd` is refused when recorded,
 * when read back, and before anything is opened.
 */
export function isConfinedPath(name: string): boolean {
  if (name === '' || name.startsWith('/') || /[\\\0]/.test(name) || /^[a-zA-Z]:/.test(name)) return false;
  return name.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}

/** A well-formed key: one of the three kinds, a name, and for files a confined path. */
export function isItemKey(key: string): boolean {
  const k = parseItemKey(key);
  if (k.kind === 'other' || k.name === '') return false;
  return k.kind !== 'file' || isConfinedPath(k.name);
}

/** How an item is named in one word: a file's or snippet's last path part, anything else whole. */
export function displayName(item: string): string {
  const { kind, name } = parseItemKey(item);
  if (kind === 'file') return name.slice(name.lastIndexOf('/') + 1);
  if (kind === 'snippet') return name.slice(name.lastIndexOf('/') + 1);
  return name;
}
