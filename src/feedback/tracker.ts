// Turns what the developer does in VS Code into FeedbackEvents: opens, focused dwell, coalesced edits, snippet
// insertions and extension use. Handlers run on every keystroke of a host shared with all extensions, so each one is
// O(1): a cached path lookup, a few number updates, and an event object only when something is recorded.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ContextItem } from '../core/recommender';
import { DwellClock, EditCoalescer } from './attention';
import { DEFAULT_EXCLUDE, ExclusionMatcher, FilesExclude } from './exclusion';
import { DEFAULT_SESSION_GAP_MS, openSession } from './sessions';
import { FeedbackEvent, signalWeight } from './signal';
import { MIN_MATCH_CHARS, SnippetDef, SnippetFile, SnippetIndex, loadSnippets, snippetFilesIn } from './snippets';

export interface TrackerConfig {
  enabled: boolean;
  /** focused time stops counting this long after the last activity */
  idleSeconds: number;
  sessionGapMinutes: number;
  exclude: readonly string[];
  filesExclude: FilesExclude;
  /** one edit signal per file per this many seconds of continuous editing */
  editCoalesceSeconds: number;
  /** accrued dwell is recorded this often, so a crash loses only seconds */
  dwellTickSeconds: number;
  /** how often extensions' isActive is checked for activations */
  extensionPollSeconds: number;
}

export interface TrackerOptions {
  /** `<user data>/User/snippets`; the wiring derives it from context.globalStorageUri */
  userSnippetsDir?: string;
  /** start paused (the wiring keeps the pause flag in workspaceState) */
  paused?: boolean;
  /** this extension's id, left out of the extension items */
  selfId?: string;
  /** re-read settings on change (default true) */
  watchConfig?: boolean;
  /** problems the user should hear about (a signal that could not be recorded) */
  onProblem?(message: string): void;
  /** diagnostics for the output channel (a snippet file that could not be parsed) */
  log?(line: string): void;
  now?(): number;
}

/** Where events go; FeedbackStore fits. */
export interface EventSink {
  append(e: FeedbackEvent): void;
}

export interface ExtensionItem {
  item: string;
  id: string;
  displayName: string;
}

const SNIPPET_CONFIRM_MS = 1000;
const ITEM_CACHE_LIMIT = 5000;

function num(v: unknown, fallback: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
}

/** Reads the `latent.*` settings (and `files.exclude`), falling back to defaults on missing or bad values. */
export function readTrackerConfig(scope?: vscode.ConfigurationScope): TrackerConfig {
  const c = vscode.workspace.getConfiguration('latent', scope);
  const exclude = c.get<unknown>('exclude');
  const filesExclude = vscode.workspace.getConfiguration('files', scope).get<unknown>('exclude');
  return {
    enabled: c.get<unknown>('enabled') !== false,
    idleSeconds: num(c.get('idleSeconds'), 60, 5, 3600),
    sessionGapMinutes: num(c.get('sessionGapMinutes'), DEFAULT_SESSION_GAP_MS / 60_000, 1, 1440),
    exclude: Array.isArray(exclude) ? exclude.filter((p): p is string => typeof p === 'string' && p.trim() !== '') : DEFAULT_EXCLUDE,
    filesExclude: typeof filesExclude === 'object' && filesExclude !== null ? (filesExclude as FilesExclude) : {},
    editCoalesceSeconds: num(c.get('editCoalesceSeconds'), 30, 0, 3600),
    dwellTickSeconds: num(c.get('dwellTickSeconds'), 5, 1, 300),
    extensionPollSeconds: num(c.get('extensionPollSeconds'), 30, 1, 3600),
  };
}

/** `<user data>/User/snippets` from `<user data>/User/globalStorage/<extension id>`. */
export function userSnippetsDirFrom(globalStorage: vscode.Uri): string | undefined {
  if (globalStorage.scheme !== 'file') return undefined;
  return path.join(path.dirname(path.dirname(globalStorage.fsPath)), 'snippets');
}

export class FeedbackTracker implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<FeedbackEvent>();
  /** Fires after every recorded event (the live ranking folds it in). */
  readonly onDidRecord: vscode.Event<FeedbackEvent> = this.emitter.event;

  private config: TrackerConfig;
  private readonly now: () => number;
  private readonly disposables: vscode.Disposable[] = [];
  private paused: boolean;
  private exclusion: ExclusionMatcher;
  private readonly itemCache = new Map<string, string | null>();
  private readonly clock: DwellClock;
  private readonly edits: EditCoalescer;
  private activeItem: string | undefined;
  /** extension items serving the active editor's language (credited with its dwell) */
  private activeExtensions: readonly string[] = [];
  private extensionDwellMs = 0;
  private snippetIndex = new SnippetIndex([]);
  private pendingSnippet: { item: string; t: number; timer: NodeJS.Timeout } | undefined;
  private extensions: { ext: vscode.Extension<unknown>; item: string; active: boolean }[] = [];
  private languageExtensions = new Map<string, string[]>();
  private session = new Map<string, number>();
  private sessionLast = -Infinity;
  private dwellTimer: NodeJS.Timeout | undefined;
  private extensionTimer: NodeJS.Timeout | undefined;
  private snippetsLoading: Promise<void> = Promise.resolve();

  constructor(private readonly store: EventSink, config: TrackerConfig, private readonly options: TrackerOptions = {}) {
    this.config = config;
    this.now = options.now ?? Date.now;
    this.paused = options.paused ?? false;
    this.exclusion = new ExclusionMatcher(config.exclude, config.filesExclude);
    const t = this.now();
    this.clock = new DwellClock(config.idleSeconds * 1000, t, vscode.window.state.focused);
    this.edits = new EditCoalescer(config.editCoalesceSeconds * 1000);

    const w = vscode.window;
    this.disposables.push(
      w.onDidChangeActiveTextEditor((e) => this.onActiveEditor(e)),
      w.onDidChangeTextEditorSelection(() => this.onActivity()),
      w.onDidChangeTextEditorVisibleRanges(() => this.onActivity()),
      w.onDidChangeWindowState((s) => this.onWindowState(s.focused)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onDocumentChange(e)),
      vscode.workspace.onDidSaveTextDocument((d) => this.onSave(d)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.itemCache.clear();
        void this.reloadSnippets();
      }),
      vscode.extensions.onDidChange(() => {
        this.refreshExtensions();
        void this.reloadSnippets();
      }),
    );
    if (options.watchConfig !== false) {
      this.disposables.push(
        vscode.workspace.onDidChangeConfiguration((e) => {
          if (e.affectsConfiguration('latent') || e.affectsConfiguration('files.exclude')) this.updateConfig(readTrackerConfig());
        }),
      );
    }
    this.startTimers();
    this.refreshExtensions();
    void this.reloadSnippets();
    // The editor already open at startup is an open like any other.
    this.onActiveEditor(w.activeTextEditor);
  }

  /** True when events are being recorded (enabled and not paused). */
  get recording(): boolean {
    return this.config.enabled && !this.paused;
  }

  setPaused(paused: boolean): void {
    if (paused) this.flushDwell();
    this.paused = paused;
    this.clock.reset(this.now());
  }

  updateConfig(config: TrackerConfig): void {
    const t = this.now();
    if (!config.enabled) this.flushDwell();
    this.config = config;
    this.exclusion = new ExclusionMatcher(config.exclude, config.filesExclude);
    this.itemCache.clear();
    this.clock.setIdleMs(config.idleSeconds * 1000, t);
    this.edits.setWindowMs(config.editCoalesceSeconds * 1000);
    this.startTimers();
    // The active file may just have become excluded (or included).
    this.activeItem = this.itemFor(vscode.window.activeTextEditor?.document);
  }

  /**
   * Records an exact signal from elsewhere (a snippet inserted from the tree, "Not interested"). A dismissal is
   * kept even while paused: it is an instruction, not observation.
   */
  record(e: FeedbackEvent): void {
    if (e.kind === 'snippet' && this.pendingSnippet?.item === e.item) this.cancelPendingSnippet();
    if (!this.recording && e.kind !== 'dismiss') return;
    this.emit(e);
  }

  /** The open session's items with their summed signal (the live ranking's fold-in context). */
  currentSession(): ContextItem[] {
    if (this.now() - this.sessionLast > this.gapMs()) return [];
    const out: ContextItem[] = [];
    for (const [item, weight] of this.session) out.push({ item, weight });
    return out;
  }

  /** After a reload, continue the session that was open (events from the store). */
  seedSession(events: readonly FeedbackEvent[]): void {
    const t = this.now();
    const open = openSession(events, this.gapMs(), t);
    if (open.size === 0) return;
    for (const [item, w] of open) this.session.set(item, (this.session.get(item) ?? 0) + w);
    let last = -Infinity;
    for (const e of events) if (e.t > last) last = e.t;
    this.sessionLast = Math.max(this.sessionLast, last);
  }

  /** After Reset: forget the open session too. */
  clearSession(): void {
    this.session.clear();
    this.sessionLast = -Infinity;
  }

  /** `file:<workspace-relative path>` for a document Latent may record, else undefined. */
  itemForUri(uri: vscode.Uri): string | undefined {
    const key = uri.toString();
    const hit = this.itemCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let item: string | null = null;
    if (uri.scheme === 'file') {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (folder && uri.path.startsWith(folder.uri.path)) {
        const rel = uri.path.slice(folder.uri.path.length).replace(/^\/+/, '');
        if (rel !== '' && !this.exclusion.isExcluded(rel)) {
          const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
          item = `file:${multiRoot ? `${folder.name}/` : ''}${rel}`;
        }
      }
    }
    if (this.itemCache.size >= ITEM_CACHE_LIMIT) this.itemCache.clear();
    this.itemCache.set(key, item);
    return item ?? undefined;
  }

  snippets(): SnippetDef[] {
    return this.snippetIndex.all();
  }

  snippet(item: string): SnippetDef | undefined {
    return this.snippetIndex.get(item);
  }

  /** Resolves once the snippet catalog in flight has loaded (tests, and the view's first fill). */
  snippetsReady(): Promise<void> {
    return this.snippetsLoading;
  }

  extensionItems(): ExtensionItem[] {
    return this.extensions.map(({ ext, item }) => ({
      item,
      id: ext.id,
      displayName: String((ext.packageJSON as { displayName?: unknown }).displayName ?? ext.id),
    }));
  }

  /** Records the dwell accrued so far (also called on a timer and on dispose). */
  flushDwell(): void {
    const t = this.now();
    const s = this.clock.take(t);
    if (s <= 0 || !this.activeItem || !this.recording) return;
    this.emit({ t, item: this.activeItem, kind: 'dwell', amount: s });
    if (this.activeExtensions.length > 0) {
      this.extensionDwellMs += s * 1000;
      if (this.extensionDwellMs >= 60_000) {
        const minutes = Math.floor(this.extensionDwellMs / 60_000);
        this.extensionDwellMs -= minutes * 60_000;
        for (const item of this.activeExtensions) this.emit({ t, item, kind: 'extension', amount: minutes });
      }
    }
  }

  dispose(): void {
    this.flushDwell();
    this.cancelPendingSnippet(true);
    if (this.dwellTimer) clearInterval(this.dwellTimer);
    if (this.extensionTimer) clearInterval(this.extensionTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.emitter.dispose();
  }

  // ---- handlers (hot paths) ----

  private onActivity(): void {
    if (this.recording) this.clock.activity(this.now());
  }

  private onWindowState(focused: boolean): void {
    if (!focused) this.flushDwell();
    this.clock.setFocused(focused, this.now());
  }

  private onActiveEditor(editor: vscode.TextEditor | undefined): void {
    this.flushDwell();
    const t = this.now();
    this.clock.reset(t);
    const doc = editor?.document;
    const item = this.itemFor(doc);
    if (item !== this.activeItem) this.extensionDwellMs = 0;
    this.activeItem = item;
    this.activeExtensions = (doc && this.languageExtensions.get(doc.languageId)) ?? [];
    if (!this.recording) return;
    this.clock.activity(t);
    if (item) this.emit({ t, item, kind: 'open', amount: 1 });
  }

  private onDocumentChange(e: vscode.TextDocumentChangeEvent): void {
    if (!this.recording || e.contentChanges.length === 0) return;
    const item = this.itemFor(e.document);
    if (!item) return;
    const t = this.now();
    // Formatters and other extensions edit background documents; only the active one reflects the user.
    if (e.document === vscode.window.activeTextEditor?.document) this.clock.activity(t);
    if (this.edits.shouldRecord(item, t)) this.emit({ t, item, kind: 'edit', amount: 1 });
    if (e.reason !== undefined || this.snippetIndex.size === 0) return; // undo/redo re-applies old text
    for (const change of e.contentChanges) {
      if (change.text.length < MIN_MATCH_CHARS) continue;
      const def = this.snippetIndex.match(change.text, e.document.languageId);
      if (def) this.detectedSnippet(def.item, t);
    }
  }

  private onSave(doc: vscode.TextDocument): void {
    const dir = this.options.userSnippetsDir;
    if (doc.fileName.endsWith('.code-snippets') || (dir !== undefined && doc.fileName.startsWith(dir))) void this.reloadSnippets();
  }

  // ---- internals ----

  private itemFor(doc: vscode.TextDocument | undefined): string | undefined {
    return doc ? this.itemForUri(doc.uri) : undefined;
  }

  private gapMs(): number {
    return this.config.sessionGapMinutes * 60_000;
  }

  private emit(e: FeedbackEvent): void {
    try {
      this.store.append(e);
    } catch (err) {
      this.options.onProblem?.(`Latent could not record ${e.kind} of ${e.item}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (e.t - this.sessionLast > this.gapMs()) this.session.clear();
    this.sessionLast = e.t;
    const w = signalWeight(e);
    if (w > 0) this.session.set(e.item, (this.session.get(e.item) ?? 0) + w);
    this.emitter.fire(e);
  }

  /**
   * A detected insertion waits a moment: if the tree view reports the same snippet exactly (record()), the exact
   * record wins and the detection is dropped, so one insertion never counts twice.
   */
  private detectedSnippet(item: string, t: number): void {
    this.cancelPendingSnippet(true);
    const timer = setTimeout(() => this.cancelPendingSnippet(true), SNIPPET_CONFIRM_MS);
    this.pendingSnippet = { item, t, timer };
  }

  private cancelPendingSnippet(commit = false): void {
    const p = this.pendingSnippet;
    if (!p) return;
    this.pendingSnippet = undefined;
    clearTimeout(p.timer);
    if (commit && this.recording) this.emit({ t: p.t, item: p.item, kind: 'snippet', amount: 1 });
  }

  private startTimers(): void {
    if (this.dwellTimer) clearInterval(this.dwellTimer);
    if (this.extensionTimer) clearInterval(this.extensionTimer);
    this.dwellTimer = setInterval(() => this.flushDwell(), this.config.dwellTickSeconds * 1000);
    this.extensionTimer = setInterval(() => this.pollExtensions(), this.config.extensionPollSeconds * 1000);
  }

  private refreshExtensions(): void {
    const prev = new Map(this.extensions.map((x) => [x.ext.id, x.active]));
    const list: typeof this.extensions = [];
    const byLanguage = new Map<string, string[]>();
    for (const ext of vscode.extensions.all) {
      const pj = ext.packageJSON as { isBuiltin?: unknown; contributes?: { languages?: unknown; grammars?: unknown }; activationEvents?: unknown };
      if (pj.isBuiltin === true || ext.id.startsWith('vscode.') || ext.id === this.options.selfId) continue;
      const item = `extension:${ext.id}`;
      list.push({ ext, item, active: prev.get(ext.id) ?? ext.isActive });
      const languages = new Set<string>();
      for (const key of ['languages', 'grammars'] as const) {
        const arr = pj.contributes?.[key];
        if (!Array.isArray(arr)) continue;
        for (const l of arr) {
          const id = (l as { id?: unknown; language?: unknown }).id ?? (l as { language?: unknown }).language;
          if (typeof id === 'string') languages.add(id);
        }
      }
      if (Array.isArray(pj.activationEvents)) {
        for (const a of pj.activationEvents) if (typeof a === 'string' && a.startsWith('onLanguage:')) languages.add(a.slice(11));
      }
      for (const l of languages) {
        const arr = byLanguage.get(l);
        if (arr) arr.push(item);
        else byLanguage.set(l, [item]);
      }
    }
    this.extensions = list;
    this.languageExtensions = byLanguage;
  }

  /** An extension that became active since the last look was used (activation follows what the user does). */
  private pollExtensions(): void {
    const t = this.now();
    for (const x of this.extensions) {
      const active = x.ext.isActive;
      if (active && !x.active && this.recording) this.emit({ t, item: x.item, kind: 'extension', amount: 1 });
      x.active = active;
    }
  }

  reloadSnippets(): Promise<void> {
    const load = async (): Promise<void> => {
      const files: SnippetFile[] = [];
      if (this.options.userSnippetsDir) files.push(...(await snippetFilesIn(this.options.userSnippetsDir, 'user', true)));
      for (const f of vscode.workspace.workspaceFolders ?? []) {
        if (f.uri.scheme === 'file') files.push(...(await snippetFilesIn(path.join(f.uri.fsPath, '.vscode'), 'workspace', false)));
      }
      for (const ext of vscode.extensions.all) {
        const contributed = (ext.packageJSON as { contributes?: { snippets?: unknown } }).contributes?.snippets;
        if (!Array.isArray(contributed)) continue;
        for (const s of contributed) {
          const p = (s as { path?: unknown }).path;
          const language = (s as { language?: unknown }).language;
          if (typeof p !== 'string') continue;
          const f: SnippetFile = { path: path.join(ext.extensionPath, p), source: ext.id };
          if (typeof language === 'string') f.language = language;
          files.push(f);
        }
      }
      this.snippetIndex = new SnippetIndex(await loadSnippets(files, this.options.log));
    };
    this.snippetsLoading = this.snippetsLoading.then(load, load).catch((err: unknown) => {
      this.options.log?.(`could not read snippet files: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.snippetsLoading;
  }
}
