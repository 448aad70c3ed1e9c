// The composition root: builds the open folder's parts (workspace.ts), registers every command once, and hands
// back a small API that the integration tests (inside the real extension host) read through
// getExtension(...).exports. Wiring only: what each part does lives in its own folder.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, CONTEXT_KEYS, STATE_KEYS, VIEW_ID, type CommandId, type ContextKey } from './commands';
import { readSettings } from './config/settings';
import type { Recommendation } from './core/recommender';
import { migrateFolderStores } from './feedback/migrateStore';
import { openStoreOrFallback } from './feedback/openStore';
import { MODEL, MODEL_PREV } from './feedback/store/layout';
import { WORKSPACES_FOLDER, folderStoreDir, identityStoreDir } from './feedback/storeLocation';
import { GIT_SESSIONS_FILE } from './git/gitImport';
import { repositoryIdentity } from './git/repositoryIdentity';
import { DEFAULT_AGGREGATE_AFTER_MS, type FeedbackStore } from './feedback/store/feedbackStore';
import { FeedbackTracker, userSnippetsDirFrom } from './feedback/tracker';
import type { TrainingState } from './training/controller';
import { createFactorsPanel, workspaceFactorsSource } from './views/factorsPanel/panel';
import { itemOf, onRecommendedFile, whyThis } from './views/recommendations/actions';
import { pausedStatus } from './views/pausedStatus';
import { startWorkspace, type Workspace } from './workspace';

/** What activate() returns. Tests reach it via vscode.extensions.getExtension('latent-dev.latent').exports. */
export interface LatentApi {
  readonly version: string;
  isPaused(): boolean;
  /** The value Latent last gave a context key with setContext (VS Code has no API to read one back). */
  contextKey(key: ContextKey): unknown;
  /** Where this extension keeps data; exposed so tests can check that Reset really clears it. */
  readonly storage: {
    readonly globalState: vscode.Memento;
    readonly workspaceState: vscode.Memento;
    readonly storageUri: vscode.Uri | undefined;
    readonly globalStorageUri: vscode.Uri;
  };
  /** The recommendation pipeline; undefined when no folder is open (nothing to learn per workspace). */
  readonly pipeline?: {
    recommendations(): Recommendation[];
    retrain(): Promise<void>;
    readonly trainingState: Readonly<TrainingState>;
    /** Feedback store folder (journal, snapshot, model, backups). */
    storeDir(): string;
    /** Writes buffered feedback (dwell accrued so far included) to disk. */
    flush(): Promise<void>;
    /** Resolves when the saved model and dismissals are loaded. */
    ready: Promise<void>;
    /** Kills the training worker mid-run, as a crash would. */
    terminateWorker(): Promise<void>;
    /** True while the training thread that finished a retrain is kept for the next; Reset ends it. */
    trainingThreadKept(): boolean;
    /** Runs an automatic retrain now (it updates the model in use unless drift calls for a full fit). */
    autoRetrain(): Promise<void>;
    /** What startup does after the git offer: an import the repository has moved past is read again (quietly). */
    refreshGitImport(): Promise<unknown>;
    tracker: FeedbackTracker;
    /** The note above the recommendations (not recording, ranking by recent use), when there is one. */
    viewMessage(): string | undefined;
  };
}

/** Options a caller (tests, other commands) may pass to latent.reset; the palette passes none and always asks. */
export interface ResetOptions {
  skipConfirmation?: boolean;
}

export async function activate(context: vscode.ExtensionContext): Promise<LatentApi> {
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0');
  const isPaused = (): boolean => context.workspaceState.get<boolean>(STATE_KEYS.paused, false);
  // Every context key goes through here, so the tests can read what was set.
  const contextValues = new Map<ContextKey, unknown>();
  const setContext = async (key: ContextKey, value: unknown): Promise<void> => {
    contextValues.set(key, value);
    await vscode.commands.executeCommand('setContext', key, value);
  };
  void setContext(CONTEXT_KEYS.paused, isPaused());

  // A log channel: each line timestamped, kept in the window's log folder (Developer: Open Extension Logs Folder), and
  // filtered by Developer: Set Log Level.
  const log = vscode.window.createOutputChannel('Latent', { log: true });
  context.subscriptions.push(log);
  // Set once the open folder's parts are built (below, after the commands exist): handlers read it when run.
  let wired: Wired | undefined;

  const pausedItem = pausedStatus(isPaused());
  context.subscriptions.push(pausedItem);
  const setPaused = async (paused: boolean): Promise<void> => {
    await context.workspaceState.update(STATE_KEYS.paused, paused);
    await setContext(CONTEXT_KEYS.paused, paused);
    if (paused) pausedItem.show();
    else pausedItem.hide();
    wired?.tracker.setPaused(paused);
    wired?.workspace.trackingChanged();
    void vscode.window.showInformationMessage(paused ? 'Latent: tracking paused. Nothing is recorded until you resume.' : 'Latent: tracking resumed.');
  };

  // "Inside the model" panel. Without a model it teaches with the lecture's toy matrix and says why there is
  // nothing of yours to show yet.
  const panel = createFactorsPanel(
    context,
    workspaceFactorsSource({
      model: () => wired?.workspace.ranker.getModel(),
      context: () => wired?.tracker.currentSession() ?? [],
      message: () => wired?.workspace.trainingState.message,
      recentSessions: (sinceSec) => wired?.workspace.recentSessions(sinceSec) ?? [],
      excluded: (item) => wired?.tracker.excludesItem(item) ?? false,
    }),
    (line) => log.appendLine(line),
  );

  // Every command, registered once and first, so Pause, Reset and the rest work whatever happens below. Without an
  // open folder the per-workspace ones say why they cannot act.
  const withWorkspace =
    (act: (ws: Workspace, arg: unknown) => unknown, otherwise: string) =>
    (arg?: unknown): unknown =>
      wired ? act(wired.workspace, arg) : void vscode.window.showInformationMessage(`Latent: ${otherwise}`);
  const handlers: Record<CommandId, (...args: unknown[]) => unknown> = {
    [COMMANDS.retrain]: withWorkspace((ws) => ws.retrain(), 'not trained yet. No activity has been recorded in this workspace, so there is nothing to train on.'),
    [COMMANDS.learnFromGit]: withWorkspace((ws) => ws.git.learn(), 'open a folder first. Latent learns from the git history of the open workspace folder.'),
    [COMMANDS.whyThis]: withWorkspace((_, arg) => whyThis(arg), 'not trained yet, so there is no recommendation to explain.'),
    [COMMANDS.notInterested]: withWorkspace((ws, arg) => ws.notInterested(arg), 'not trained yet, so there is no recommendation to dismiss.'),
    [COMMANDS.openRecommendation]: withWorkspace((ws, arg) => ws.open(arg), 'open a folder first.'),
    [COMMANDS.goToRecommended]: withWorkspace((ws) => ws.goToRecommended(), 'open a folder first. Latent recommends from what you do in a workspace folder.'),
    [COMMANDS.openToSide]: withWorkspace((ws, arg) => ws.openToSide(arg), 'open a folder first.'),
    [COMMANDS.revealInExplorer]: (arg) => onRecommendedFile(arg, 'revealInExplorer'),
    [COMMANDS.copyPath]: (arg) => onRecommendedFile(arg, 'copyFilePath'),
    [COMMANDS.copyRelativePath]: (arg) => onRecommendedFile(arg, 'copyRelativeFilePath'),
    [COMMANDS.showRecordedData]: withWorkspace((ws) => ws.showRecordedData(), 'open a folder first: Latent records per workspace folder, and nothing is recorded without one.'),
    [COMMANDS.restoreDismissed]: withWorkspace((ws, arg) => ws.restoreDismissed(arg), 'open a folder first: dismissals are kept per workspace folder.'),
    // "Why this?" passes an item key (or a tree element with one); the palette passes nothing.
    [COMMANDS.showFactors]: (arg) => panel.show(itemOf(arg)),
    [COMMANDS.pause]: () => setPaused(true),
    [COMMANDS.resume]: () => setPaused(false),
    [COMMANDS.reset]: (opts?: unknown) => resetAll(context, (opts ?? {}) as ResetOptions, wired, (line) => log.appendLine(line)),
  };
  for (const [id, fn] of Object.entries(handlers)) context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  try {
    wired = await openWorkspace(context, isPaused, setContext, (line) => log.appendLine(line));
    // The panel follows what the tree follows: a new model, and the session as it changes.
    if (wired) context.subscriptions.push(wired.workspace.ranker.onDidChange(() => panel.follow()));
  } catch (err) {
    // Not expected (storage problems fall back to a temporary folder): say so, and keep the commands working.
    const message = `could not start for this folder: ${err instanceof Error ? err.message : String(err)}`;
    log.appendLine(message);
    void vscode.window.showErrorMessage(`Latent: ${message}`);
  }
  // The view's welcome content follows the git offer: shown once it is known (a failed check counts as no offer).
  void (wired?.workspace.git.offerKnown ?? Promise.resolve()).then(() => setContext(CONTEXT_KEYS.offerKnown, true));
  if (!wired) {
    // No folder open: an empty tree lets the view's welcome content show.
    const emptyTree: vscode.TreeDataProvider<vscode.TreeItem> = {
      getChildren: () => [],
      getTreeItem: (item) => item,
    };
    context.subscriptions.push(vscode.window.createTreeView(VIEW_ID, { treeDataProvider: emptyTree }));
  }
  const ready = wired;

  return {
    version,
    isPaused,
    contextKey: (key) => contextValues.get(key),
    storage: {
      globalState: context.globalState,
      workspaceState: context.workspaceState,
      storageUri: context.storageUri,
      globalStorageUri: context.globalStorageUri,
    },
    ...(ready
      ? {
          pipeline: {
            recommendations: () => ready.workspace.recommendations(),
            retrain: () => ready.workspace.retrain(),
            get trainingState() {
              return ready.workspace.trainingState;
            },
            storeDir: () => ready.store.dir,
            flush: async () => {
              ready.tracker.flushDwell();
              await ready.store.flush();
            },
            ready: ready.workspace.ready,
            terminateWorker: () => ready.workspace.terminateWorker(),
            trainingThreadKept: () => ready.workspace.trainingThreadKept(),
            autoRetrain: () => ready.workspace.autoRetrain(),
            refreshGitImport: () => ready.workspace.git.refreshIfBehind(),
            tracker: ready.tracker,
            viewMessage: () => ready.workspace.viewMessage(),
          },
        }
      : {}),
  };
}

interface Wired {
  store: FeedbackStore;
  tracker: FeedbackTracker;
  workspace: Workspace;
}

/** Feedback store + tracker + training/ranking/view for the open folder (per-workspace storage, never the repo). */
async function openWorkspace(
  context: vscode.ExtensionContext,
  isPaused: () => boolean,
  setContext: (key: ContextKey, value: unknown) => Promise<void>,
  log: (line: string) => void,
): Promise<Wired | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!context.storageUri || !folder) return undefined;
  const told = (message: string): void => {
    log(message);
    void vscode.window.showWarningMessage(`Latent: ${message}`);
  };
  const dir = await chooseStoreDir(context.storageUri.fsPath, context.globalStorageUri, log, told);
  const { store } = await openStoreOrFallback(dir, {
    onProblem: told,
    deletedRetentionMs: readSettings().deletedFileRetentionDays * 24 * 3600_000,
    sessionGapMs: readSettings().sessionGapMinutes * 60_000,
    aggregateAfterMs: DEFAULT_AGGREGATE_AFTER_MS,
  });
  const userSnippetsDir = userSnippetsDirFrom(context.globalStorageUri);
  const tracker = new FeedbackTracker(store, readSettings(), {
    paused: isPaused(),
    selfId: context.extension.id,
    onProblem: told,
    log,
    ...(userSnippetsDir ? { userSnippetsDir } : {}),
  });
  const workspace = startWorkspace({ context, store, tracker, folder, log, setContext, isPaused });
  // Disposed in this order: ranking/training, then the tracker (records the last dwell), then the store (flushes).
  context.subscriptions.push(workspace, tracker, { dispose: () => void store.dispose() });
  return { store, tracker, workspace };
}

/**
 * The open folder's store: keyed by its repository identity (root commit + path inside the repository) under
 * globalStorage, so that moving or re-cloning the folder keeps what was learned; an older store under the folder's
 * storageUri is moved into it. Falls back to `<storageUri>/feedback` (keyed by the folder's path, as VS Code keys
 * it) when there is no identity: several folders open, a folder not on disk, an untrusted workspace (git is not run
 * there), not a git repository, no commit yet, git missing, failing or slow. Each reason is logged.
 */
async function chooseStoreDir(storage: string, globalStorage: vscode.Uri, log: (line: string) => void, told: (message: string) => void): Promise<string> {
  const fallback = folderStoreDir(storage);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const folder = folders[0];
  const why = (reason: string): string => {
    log(`feedback is kept per folder path (${fallback}): ${reason}`);
    return fallback;
  };
  if (folders.length !== 1 || !folder) return why('several folders are open');
  if (folder.uri.scheme !== 'file' || globalStorage.scheme !== 'file') return why('the folder is not on this disk');
  if (!vscode.workspace.isTrusted) return why('the workspace is not trusted, and Latent runs no git command in it');
  let dir: string;
  try {
    dir = identityStoreDir(globalStorage.fsPath, await repositoryIdentity(folder.uri.fsPath));
  } catch (err) {
    return why(err instanceof Error ? err.message : String(err));
  }
  log(`feedback is kept per repository (root commit and folder inside it): ${dir}`);
  try {
    const moved = await migrateFolderStores(storage, dir, {
      gapMs: readSettings().sessionGapMinutes * 60_000,
      copyIfMissing: [MODEL, MODEL_PREV, GIT_SESSIONS_FILE],
      onProblem: told,
    });
    for (const m of moved) {
      const copied = m.copied.length > 0 ? `, copied ${m.copied.join(', ')}` : '';
      log(`migrated the store kept per folder path: ${m.written} of its ${m.events} events written here${copied}; the old folder is kept as ${m.keptAt}`);
    }
  } catch (err) {
    // What was not moved stays in the old folder and is moved at the next start (a run cut short is resumed).
    told(`could not move the feedback stored for this folder's old path into ${dir} (${err instanceof Error ? err.message : String(err)}); it is kept and moved at the next start.`);
  }
  return dir;
}

/**
 * Clears what Latent keeps for this workspace, and its global state, after a modal confirmation. Other
 * workspaces' stores (globalStorage/workspaces/<key>, each repository's own) are kept: Reset in one project must not
 * throw away what was learned in another. Returns true when it cleared.
 */
async function resetAll(
  context: vscode.ExtensionContext,
  opts: ResetOptions,
  wired: Wired | undefined,
  log: (line: string) => void,
): Promise<boolean> {
  if (!opts.skipConfirmation) {
    const answer = await vscode.window.showWarningMessage(
      'Reset all Latent data of this workspace?',
      {
        modal: true,
        detail:
          'This deletes everything Latent recorded and learned for this workspace (activity, models, the imported git history; ' +
          'kept per repository, so other copies of this repository folder lose it too), older copies of it kept for this folder, ' +
          "and Latent's global state (answers to its questions; a pause stays). What Latent learned in other workspaces is kept. It cannot be undone.",
      },
      'Reset',
    );
    if (answer !== 'Reset') return false;
  }
  const workspace = wired?.workspace;
  // Journal, snapshots, model and backups through the store (it owns its folder), then the view empties.
  await workspace?.reset();
  // A pause is an instruction, not recorded data: wiping what was recorded must not start recording again.
  const paused = context.workspaceState.get<boolean>(STATE_KEYS.paused, false);
  for (const state of [context.globalState, context.workspaceState]) {
    for (const key of state.keys()) await state.update(key, undefined);
  }
  if (paused) await context.workspaceState.update(STATE_KEYS.paused, true);
  // The git history import went with the store: the offer to learn from it is back.
  await workspace?.git.refreshOffer();
  if (context.storageUri) await deleteIfExists(context.storageUri);
  // globalStorage: everything but the other workspaces' stores.
  const workspaces = vscode.Uri.joinPath(context.globalStorageUri, WORKSPACES_FOLDER);
  await vscode.workspace.fs.createDirectory(context.globalStorageUri); // so that listing it cannot fail (and log) when absent
  for (const [name] of await vscode.workspace.fs.readDirectory(context.globalStorageUri)) {
    if (name !== WORKSPACES_FOLDER) await deleteIfExists(vscode.Uri.joinPath(context.globalStorageUri, name));
  }
  const storeDir = wired?.store.dir;
  if (storeDir && path.dirname(path.dirname(storeDir)) === workspaces.fsPath) await deleteIfExists(vscode.Uri.file(path.dirname(storeDir)));
  // Last, so that it outlives the deletions: other windows on this store forget what they hold too.
  await wired?.store.markReset().catch((err: unknown) => log(`could not tell other windows of the Reset: ${String(err)}`));
  void vscode.window.showInformationMessage("Latent: all data of this workspace has been reset; what Latent learned in other workspaces is kept.");
  return true;
}

async function deleteIfExists(uri: vscode.Uri): Promise<void> {
  try {
    await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
  } catch (e) {
    if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return;
    throw e;
  }
}

export function deactivate(): void {
  // Everything registered is in context.subscriptions and disposed by VS Code.
}
