// Snippet catalog (user, workspace, extension snippet files) and detection of insertions made outside Latent.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import { itemKey } from '../core/itemKey';

export interface SnippetDef {
  /** `snippet:<source>/<name>` */
  item: string;
  /** `user`, `workspace` or the contributing extension's id */
  source: string;
  name: string;
  prefix: string[];
  /** body as VS Code snippet syntax (lines joined with \n), ready for `new SnippetString(body)` */
  body: string;
  description?: string;
  /** language ids it applies to; undefined = all */
  languages?: string[];
}

export interface SnippetFile {
  path: string;
  source: string;
  /** for `<language>.json` files (user and extension snippets): the language they are for */
  language?: string;
}

/** Shortest first-line text worth matching: shorter ones would match ordinary typing. */
export const MIN_MATCH_CHARS = 4;

export function snippetItem(source: string, name: string): string {
  return itemKey('snippet', `${source}/${name}`);
}

/** Parses a snippet file (JSON with comments and trailing commas); entries without a body are not snippets. */
export function parseSnippetFile(text: string, source: string, language?: string): SnippetDef[] {
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const why = errors.length > 0 ? `${printParseErrorCode(errors[0].error)} at offset ${errors[0].offset}` : 'not an object';
    throw new SnippetFileError(`snippet file from ${source} is not valid: ${why}`);
  }
  const out: SnippetDef[] = [];
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) continue;
    const o = v as Record<string, unknown>;
    const body = Array.isArray(o.body) ? o.body.filter((l): l is string => typeof l === 'string').join('\n') : o.body;
    if (typeof body !== 'string') continue;
    const prefix = Array.isArray(o.prefix) ? o.prefix.filter((p): p is string => typeof p === 'string') : typeof o.prefix === 'string' ? [o.prefix] : [];
    const scope = typeof o.scope === 'string' ? o.scope.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    const def: SnippetDef = { item: snippetItem(source, name), source, name, prefix, body };
    if (typeof o.description === 'string') def.description = o.description;
    const languages = language ? [language] : scope;
    if (languages && languages.length > 0) def.languages = languages;
    out.push(def);
  }
  return out;
}

export class SnippetFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnippetFileError';
  }
}

/** Largest snippet file Latent reads (VS Code's own snippet files are a few KB; the biggest shipped ones ~200 KB). */
export const MAX_SNIPPET_FILE_BYTES = 1024 * 1024;

export interface LoadSnippetsOptions {
  /** largest file read, in bytes (default MAX_SNIPPET_FILE_BYTES) */
  maxBytes?: number;
  /**
   * Problems already reported (keyed by path and reason): a file that stays bad is reported once, not on every
   * reload. The caller keeps the set across reloads; without one every problem is reported each time.
   */
  reported?: Set<string>;
}

function describeKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function tooBig(bytes: number, max: number): SnippetFileError {
  return new SnippetFileError(`it is ${describeSize(bytes)}, more than the ${describeSize(max)} Latent reads from one snippet file`);
}

// O_NONBLOCK: opening a FIFO swapped in after the stat must not wait for a writer (the open would hold a libuv
// thread forever). It changes nothing for regular files. Not defined on Windows, which has no FIFOs in the file system.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Reads one snippet file asynchronously: regular files only (a symlink counts as what it points to; a FIFO, device,
 * socket or folder is refused without opening it), at most `maxBytes`. Throws SnippetFileError in plain words.
 */
export async function readSnippetFile(file: string, maxBytes = MAX_SNIPPET_FILE_BYTES): Promise<string> {
  const st = await fs.stat(file); // follows symlinks: /dev/zero behind a link is a device
  if (!st.isFile()) throw new SnippetFileError(`it is ${describeKind(st)}, not a regular file`);
  if (st.size > maxBytes) throw tooBig(st.size, maxBytes);
  const handle = await fs.open(file, OPEN_FLAGS);
  try {
    // The path may have been replaced between stat and open: check what was actually opened.
    const opened = await handle.stat();
    if (!opened.isFile()) throw new SnippetFileError(`it is ${describeKind(opened)}, not a regular file`);
    if (opened.size > maxBytes) throw tooBig(opened.size, maxBytes);
    // Read until the end but never past maxBytes + 1: a file that grows while being read (or reports a size of 0,
    // like /proc files) is refused once it passes the cap, never read without bound.
    const chunks: Buffer[] = [];
    let len = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - len));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, len);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
      len += bytesRead;
      if (len > maxBytes) throw tooBig(len, maxBytes);
    }
    return Buffer.concat(chunks, len).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Reads the given files; an unreadable, invalid, oversized or non-regular file is skipped and reported (its snippets
 * are not items). Reads are asynchronous and one file at a time, so the extension host is never blocked by a read.
 */
export async function loadSnippets(files: readonly SnippetFile[], onProblem?: (message: string) => void, options: LoadSnippetsOptions = {}): Promise<SnippetDef[]> {
  const maxBytes = options.maxBytes ?? MAX_SNIPPET_FILE_BYTES;
  const out: SnippetDef[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    let defs: SnippetDef[];
    try {
      defs = parseSnippetFile(await readSnippetFile(f.path, maxBytes), f.source, f.language);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const key = `${f.path}\0${why}`;
      if (!options.reported?.has(key)) {
        options.reported?.add(key);
        onProblem?.(`Latent skipped the snippet file ${f.path}: ${why}`);
      }
      continue;
    }
    for (const d of defs) {
      if (seen.has(d.item)) continue; // same name in two files of one source: first wins, like one catalog entry
      seen.add(d.item);
      out.push(d);
    }
  }
  return out;
}

/** Snippet files in a folder: `*.code-snippets` (all languages) and, when `perLanguage`, `<language>.json`. */
export async function snippetFilesIn(dir: string, source: string, perLanguage: boolean): Promise<SnippetFile[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const out: SnippetFile[] = [];
  for (const n of names.sort()) {
    if (n.endsWith('.code-snippets')) out.push({ path: path.join(dir, n), source });
    else if (perLanguage && n.endsWith('.json')) out.push({ path: path.join(dir, n), source, language: n.slice(0, -5) });
  }
  return out;
}

/**
 * The workspace's own snippet files (`<folder>/.vscode/*.code-snippets`), or none in an untrusted workspace: they
 * come with whatever was cloned, so Latent reads them only once the user trusts the workspace.
 */
export async function workspaceSnippetFiles(folders: readonly string[], trusted: boolean): Promise<SnippetFile[]> {
  if (!trusted) return [];
  const out: SnippetFile[] = [];
  for (const folder of folders) out.push(...(await snippetFilesIn(path.join(folder, '.vscode'), 'workspace', false)));
  return out;
}

/**
 * The text a snippet body inserts for sure, up to the first part that depends on context (a variable such as
 * $TM_FILENAME, or a transform). Tabstops insert nothing (or mirror
 * their placeholder), placeholders their default, choices their first option.
 */
export function certainPrefix(body: string): string {
  // Two passes: a bare $1 mirrors tabstop 1's placeholder text, which may be defined later in the body.
  const defaults = new Map<string, string>();
  expandBody(body, defaults);
  return expandBody(body, defaults);
}

function expandBody(body: string, defaults: Map<string, string>): string {
  let out = '';
  let i = 0;
  let stopped = false;

  // Appends the text of body[i..] until an unmatched '}' (when nested) or the end; sets `stopped` on a variable.
  const walk = (nested: boolean): void => {
    while (i < body.length && !stopped) {
      const c = body[i];
      if (c === '\\' && i + 1 < body.length && '$}\\,|'.includes(body[i + 1])) {
        out += body[i + 1];
        i += 2;
      } else if (c === '}' && nested) {
        i++;
        return;
      } else if (c === '$') {
        const m = /^\$(?:(\d+)|\{(\d+)(\}|:|\||\/)?|([A-Za-z_]\w*)|\{([A-Za-z_]\w*))/.exec(body.slice(i, i + 40));
        if (!m) {
          out += c;
          i++;
        } else if (m[1] !== undefined) {
          i += m[0].length; // $1: a tabstop, or a mirror of a placeholder
          out += defaults.get(m[1]) ?? '';
        } else if (m[2] !== undefined) {
          i += m[0].length;
          if (m[3] === '}') {
            out += defaults.get(m[2]) ?? '';
            continue;
          }
          if (m[3] === ':') {
            const start = out.length;
            walk(true);
            if (!stopped && !defaults.has(m[2])) defaults.set(m[2], out.slice(start));
          } else if (m[3] === '|') {
            const end = body.indexOf('|}', i);
            if (end < 0) {
              stopped = true;
              return;
            }
            const first = body.slice(i, end).split(/(?<!\\),/)[0].replace(/\\(.)/g, '$1');
            if (!defaults.has(m[2])) defaults.set(m[2], first);
            out += first;
            i = end + 2;
          } else stopped = true; // transform or malformed
        } else {
          stopped = true; // variable: its value depends on the editor's state
        }
      } else {
        out += c;
        i++;
      }
    }
  };
  walk(false);
  return out;
}

interface Entry {
  def: SnippetDef;
  /** first line of the certain prefix, leading whitespace removed */
  key: string;
  multiline: boolean;
}

/**
 * Finds which snippet a document change inserted. Indexed by the first MIN_MATCH_CHARS characters of each body's
 * first line, so a change costs one short slice and one Map lookup plus a few startsWith on collisions.
 */
export class SnippetIndex {
  private readonly byHead = new Map<string, Entry[]>();
  private readonly byItem = new Map<string, SnippetDef>();

  constructor(defs: readonly SnippetDef[]) {
    for (const def of defs) {
      this.byItem.set(def.item, def);
      const expanded = certainPrefix(def.body);
      const nl = expanded.indexOf('\n');
      const key = (nl < 0 ? expanded : expanded.slice(0, nl)).trimStart().trimEnd();
      if (key.length < MIN_MATCH_CHARS) continue;
      const head = key.slice(0, MIN_MATCH_CHARS);
      const entry: Entry = { def, key, multiline: def.body.includes('\n') };
      const list = this.byHead.get(head);
      if (list) list.push(entry);
      else this.byHead.set(head, [entry]);
    }
  }

  get size(): number {
    return this.byItem.size;
  }

  all(): SnippetDef[] {
    return [...this.byItem.values()];
  }

  get(item: string): SnippetDef | undefined {
    return this.byItem.get(item);
  }

  /** The snippet whose body begins the inserted text (longest match), if any; language-scoped snippets must fit. */
  match(inserted: string, languageId?: string): SnippetDef | undefined {
    if (inserted.length < MIN_MATCH_CHARS) return undefined;
    let s = 0;
    while (s < inserted.length && (inserted.charCodeAt(s) === 32 || inserted.charCodeAt(s) === 9)) s++;
    const list = this.byHead.get(inserted.slice(s, s + MIN_MATCH_CHARS));
    if (!list) return undefined;
    let best: Entry | undefined;
    for (const e of list) {
      if (!inserted.startsWith(e.key, s)) continue;
      if (e.multiline && !inserted.includes('\n', s + e.key.length)) continue;
      if (languageId && e.def.languages && !e.def.languages.includes(languageId)) continue;
      if (!best || e.key.length > best.key.length) best = e;
    }
    return best?.def;
  }
}
