// Turns what the developer does in VS Code into FeedbackEvents: opens, focused dwell, coalesced edits, snippet
// insertions and extension use. Handlers run on every keystroke of a host shared with all extensions, so each one is
// O(1): a cached path lookup, a few number updates, and an event object only when something is recorded.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings, type Settings } from '../config/settings';
import { itemKey, parseItemKey } from '../core/itemKey';
import { fileItemName } from '../core/workspaceItem';
import type { ContextItem } from '../core/recommender';
import { ExclusionMatcher } from './exclusion';
import { EventSink, FeedbackRecorder, RecorderSettings } from './recorder';
import type { FeedbackEvent } from './signal';
import type { StoredEvents } from './storedEvents';
import { SnippetDef, SnippetFile, SnippetIndex, loadSnippets, snippetFilesIn, workspaceSnippetFiles } from './snippets';

export type { EventSink } from './recorder';

/** The settings the tracker follows (config/settings.ts reads them; tests pass their own). */
export type TrackerConfig = Pick<
  Settings,
  'enabled' | 'idleSeconds' | 'sessionGapMinutes' | 'exclude' | 'filesExclude' | 'editCoalesceSeconds' | 'dwellTickSeconds' | 'extensionPollSeconds'
>;

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

export interface ExtensionItem {
  item: string;
  id: string;
  displayName: string;
}

const ITEM_CACHE_LIMIT = 5000;
const NOTEBOOK_CELL_SCHEME = 'vscode-notebook-cell';

/**
 * The notebook a cell's document belongs to. The cell's URI has the notebook's path, but not its scheme or authority
 * (code-server gives cells the remote authority), and a notebook's diff has a second notebook of the same path: the
 * open notebooks of that path are asked which holds the cell (once per cell: itemForUri caches the answer).
 */
function notebookOfCell(cell: vscode.Uri): vscode.Uri | undefined {
  const key = cell.toString();
  return vscode.workspace.notebookDocuments.find((n) => n.uri.path === cell.path && n.getCells().some((c) => c.document.uri.toString() === key))?.uri;
}

/** The file a tab shows, for a text, notebook or custom editor (an image preview); undefined for the others. */
export function fileOfTab(input: unknown): vscode.Uri | undefined {
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputNotebook || input instanceof vscode.TabInputCustom) return input.uri;
  return undefined;
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
  private readonly recorder: FeedbackRecorder;
  private exclusion: ExclusionMatcher;
  private readonly itemCache = new Map<string, string | null>();
  private extensions: { ext: vscode.Extension<unknown>; item: string; active: boolean }[] = [];
  private languageExtensions = new Map<string, string[]>();
  private dwellTimer: ReturnType<typeof setInterval> | undefined;
  private extensionTimer: ReturnType<typeof setInterval> | undefined;
  private snippetsLoading: Promise<void> = Promise.resolve();
  /** snippet file problems already logged: a file that stays bad is logged once, not on every reload */
  private readonly snippetProblems = new Set<string>();
  private untrustedSnippetsLogged = false;

  constructor(store: EventSink, config: TrackerConfig, private readonly options: TrackerOptions = {}) {
    this.config = config;
    this.now = options.now ?? Date.now;
    this.exclusion = new ExclusionMatcher(config.exclude, config.filesExclude);
    this.recorder = new FeedbackRecorder(store, FeedbackTracker.settings(config), this.now(), vscode.window.state.focused);
    this.recorder.onRecord = (e) => this.emitter.fire(e);
    if (options.onProblem) this.recorder.onProblem = options.onProblem;
    if (options.paused) this.recorder.setPaused(true, this.now());

    const w = vscode.window;
    this.disposables.push(
      // What is in front changes with the text editor, the notebook editor, or a tab with neither (an image preview).
      w.onDidChangeActiveTextEditor(() => this.onActiveEditor()),
      w.onDidChangeActiveNotebookEditor(() => this.onActiveEditor()),
      w.tabGroups.onDidChangeTabs(() => this.onActiveEditor()),
      w.tabGroups.onDidChangeTabGroups(() => this.onActiveEditor()),
      w.onDidChangeTextEditorSelection(() => this.recorder.activity(this.now())),
      w.onDidChangeTextEditorVisibleRanges(() => this.recorder.activity(this.now())),
      w.onDidChangeNotebookEditorSelection(() => this.recorder.activity(this.now())),
      w.onDidChangeNotebookEditorVisibleRanges(() => this.recorder.activity(this.now())),
      w.onDidChangeWindowState((s) => this.recorder.focus(s.focused, this.now())),
      vscode.workspace.onDidChangeTextDocument((e) => this.onDocumentChange(e)),
      vscode.workspace.onDidChangeNotebookDocument((e) => this.onNotebookChange(e)),
      vscode.workspace.onDidSaveTextDocument((d) => this.onSave(d)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.itemCache.clear();
        void this.reloadSnippets();
      }),
      vscode.extensions.onDidChange(() => {
        this.refreshExtensions();
        void this.reloadSnippets();
      }),
      // Workspace snippet files are read only in a trusted workspace: read them once the user grants trust.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reloadSnippets()),
    );
    if (options.watchConfig !== false) {
      this.disposables.push(
        vscode.workspace.onDidChangeConfiguration((e) => {
          if (e.affectsConfiguration('latent') || e.affectsConfiguration('files.exclude')) this.updateConfig(readSettings());
        }),
      );
    }
    this.startTimers();
    this.refreshExtensions();
    void this.reloadSnippets();
    // The editor already open at startup is an open like any other.
    this.onActiveEditor();
  }

  private static settings(c: TrackerConfig): RecorderSettings {
    return { enabled: c.enabled, idleMs: c.idleSeconds * 1000, editCoalesceMs: c.editCoalesceSeconds * 1000, sessionGapMs: c.sessionGapMinutes * 60_000 };
  }

  /** True when events are being recorded (enabled and not paused). */
  get recording(): boolean {
    return this.recorder.recording;
  }

  setPaused(paused: boolean): void {
    this.recorder.setPaused(paused, this.now());
  }

  updateConfig(config: TrackerConfig): void {
    this.config = config;
    this.exclusion = new ExclusionMatcher(config.exclude, config.filesExclude);
    this.itemCache.clear();
    this.recorder.update(FeedbackTracker.settings(config), this.now());
    this.startTimers();
    // The active file may just have become excluded (or included).
    this.recorder.retarget(this.inFront().item, this.now());
  }

  /**
   * Records an exact signal from elsewhere (a snippet inserted from the tree, "Not interested"); route the views'
   * record() here so a tree insertion is not also counted by the insertion detector. Dismissals count while paused.
   */
  record(e: FeedbackEvent): void {
    this.recorder.record(e);
  }

  /** The open session's items with their summed signal (the live ranking's fold-in context). */
  currentSession(): ContextItem[] {
    return this.recorder.currentSession(this.now());
  }

  /** After a reload, continue the session that was open (events from the store). */
  seedSession(events: readonly FeedbackEvent[] | StoredEvents): void {
    this.recorder.seedSession(events, this.now());
  }

  /** After Reset: forget the open session too. */
  clearSession(): void {
    this.recorder.clearSession();
  }

  /**
   * `file:<workspace-relative path>` for a document Latent may record, else undefined. A notebook cell's document
   * stands for its notebook: working in any cell is working in the .ipynb file.
   */
  itemForUri(uri: vscode.Uri): string | undefined {
    const key = uri.toString();
    const hit = this.itemCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let item: string | null = null;
    if (uri.scheme === NOTEBOOK_CELL_SCHEME) {
      const notebook = notebookOfCell(uri);
      // Not cached until its notebook is known (a cell's events could come first).
      if (!notebook) return undefined;
      item = this.itemForUri(notebook) ?? null;
    } else if (uri.scheme === 'file') {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (folder && uri.path.startsWith(folder.uri.path)) {
        const rel = uri.path.slice(folder.uri.path.length).replace(/^\/+/, '');
        if (rel !== '' && !this.exclusion.isExcluded(rel)) {
          // Several folders: the folder's name comes first (core/workspaceItem; the views open it from there).
          item = itemKey('file', fileItemName(rel, folder, vscode.workspace.workspaceFolders?.length ?? 0));
        }
      }
    }
    if (this.itemCache.size >= ITEM_CACHE_LIMIT) this.itemCache.clear();
    this.itemCache.set(key, item);
    return item ?? undefined;
  }

  /**
   * Whether latent.exclude (or files.exclude) covers a recorded file item now. A pattern added later does not erase
   * what was recorded before it (Reset does); the views use this so such a file is not recommended from then on.
   */
  excludesItem(item: string): boolean {
    const { kind, name } = parseItemKey(item);
    if (kind !== 'file') return false;
    return this.exclusion.isExcludedFile(name, vscode.workspace.workspaceFolders ?? []);
  }

  snippets(): SnippetDef[] {
    return this.recorder.snippets.all();
  }

  snippet(item: string): SnippetDef | undefined {
    return this.recorder.snippets.get(item);
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

  /** Records the dwell accrued so far (also on a timer, on blur and on dispose). */
  flushDwell(): void {
    this.recorder.flushDwell(this.now());
  }

  dispose(): void {
    this.recorder.dispose(this.now());
    if (this.dwellTimer) clearInterval(this.dwellTimer);
    if (this.extensionTimer) clearInterval(this.extensionTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.emitter.dispose();
  }

  // ---- handlers (hot paths) ----

  /**
   * Something else may be in front. An open is counted when the file in front changes, not when focus moves within
   * it (from one notebook cell to the next, or to the same file in another editor group). Not activity by itself: a
   * tab changes when a background file is saved or changed on disk, which is not the user at work.
   */
  private onActiveEditor(): void {
    const { item, languageId } = this.inFront();
    if (item !== undefined && item === this.recorder.active) return;
    this.recorder.switchTo(item, (languageId !== undefined && this.languageExtensions.get(languageId)) || [], this.now());
  }

  /** The recordable file in front, if any: a text editor's, a notebook's (any of its cells), or another editor's (an image). */
  private inFront(): { item: string | undefined; languageId?: string } {
    const w = vscode.window;
    const doc = w.activeTextEditor?.document;
    if (doc) return { item: this.itemFor(doc), languageId: doc.languageId };
    const notebook = w.activeNotebookEditor?.notebook;
    if (notebook) return { item: this.itemForUri(notebook.uri) };
    const input = w.tabGroups.activeTabGroup.activeTab?.input;
    return { item: input instanceof vscode.TabInputCustom ? this.itemForUri(input.uri) : undefined };
  }

  /** Cells added or removed are an edit of the notebook (a cell's text goes through onDocumentChange). */
  private onNotebookChange(e: vscode.NotebookDocumentChangeEvent): void {
    if (!this.recorder.recording) return;
    // A cell's finished run is work on the notebook as an edit is: much of it is running cells again, not retyping.
    const ran = e.cellChanges.some((c) => c.executionSummary?.success !== undefined || c.executionSummary?.timing?.endTime !== undefined);
    if (e.contentChanges.length === 0 && !ran) return;
    const item = this.itemForUri(e.notebook.uri);
    if (item) this.recorder.edit(item, e.notebook === vscode.window.activeNotebookEditor?.notebook, this.now());
  }

  private onDocumentChange(e: vscode.TextDocumentChangeEvent): void {
    if (!this.recorder.recording || e.contentChanges.length === 0) return;
    const item = this.itemFor(e.document);
    if (!item) return;
    const inActive = e.document === vscode.window.activeTextEditor?.document;
    this.recorder.change(item, e.contentChanges, e.document.languageId, inActive, e.reason !== undefined, this.now());
  }

  private onSave(doc: vscode.TextDocument): void {
    const dir = this.options.userSnippetsDir;
    if (doc.fileName.endsWith('.code-snippets') || (dir !== undefined && doc.fileName.startsWith(dir))) void this.reloadSnippets();
  }

  // ---- internals ----

  private itemFor(doc: vscode.TextDocument | undefined): string | undefined {
    return doc ? this.itemForUri(doc.uri) : undefined;
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
      const item = itemKey('extension', ext.id);
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
      if (active && !x.active) this.recorder.extensionActivated(x.item, t);
      x.active = active;
    }
  }

  reloadSnippets(): Promise<void> {
    const load = async (): Promise<void> => {
      const files: SnippetFile[] = [];
      if (this.options.userSnippetsDir) files.push(...(await snippetFilesIn(this.options.userSnippetsDir, 'user', true)));
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
      const trusted = vscode.workspace.isTrusted;
      if (!trusted && folders.length > 0 && !this.untrustedSnippetsLogged) {
        this.untrustedSnippetsLogged = true;
        this.options.log?.('This workspace is not trusted: Latent does not read its snippet files (.vscode/*.code-snippets) until you trust it.');
      }
      files.push(...(await workspaceSnippetFiles(folders, trusted)));
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
      this.recorder.snippets = new SnippetIndex(await loadSnippets(files, this.options.log, { reported: this.snippetProblems }));
    };
    this.snippetsLoading = this.snippetsLoading.then(load, load).catch((err: unknown) => {
      this.options.log?.(`could not read snippet files: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.snippetsLoading;
  }
}
