// Entry point: wiring only. Registers the commands and the view, and hands back a small API that the
// integration tests (running inside the real extension host) read through getExtension(...).exports.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from './core/recommender';
import { FeedbackStore } from './feedback/store';
import { FeedbackTracker, readTrackerConfig, userSnippetsDirFrom } from './feedback/tracker';
import type { TrainingState } from './training/controller';
import { startPipeline, type Pipeline } from './training/pipeline';
import { registerFactorsPanel, workspaceFactorsSource } from './views/factorsPanel';

/** What activate() returns. Tests reach it via vscode.extensions.getExtension('latent-dev.latent').exports. */
export interface LatentApi {
  readonly version: string;
  isPaused(): boolean;
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
    tracker: FeedbackTracker;
  };
}

/** Options a caller (tests, other commands) may pass to latent.reset; the palette passes none and always asks. */
export interface ResetOptions {
  skipConfirmation?: boolean;
}

const PAUSED_KEY = 'latent.paused';

export async function activate(context: vscode.ExtensionContext): Promise<LatentApi> {
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0');
  const isPaused = (): boolean => context.workspaceState.get<boolean>(PAUSED_KEY, false);
  void vscode.commands.executeCommand('setContext', PAUSED_KEY, isPaused());

  const log = vscode.window.createOutputChannel('Latent');
  context.subscriptions.push(log);
  const wired = await startWorkspace(context, isPaused(), (line) => log.appendLine(line));
  if (!wired) {
    // No folder open: an empty tree lets the view's welcome content show.
    const emptyTree: vscode.TreeDataProvider<vscode.TreeItem> = {
      getChildren: () => [],
      getTreeItem: (item) => item,
    };
    context.subscriptions.push(vscode.window.createTreeView('latent.recommendations', { treeDataProvider: emptyTree }));
  }

  const setPaused = async (paused: boolean): Promise<void> => {
    await context.workspaceState.update(PAUSED_KEY, paused);
    await vscode.commands.executeCommand('setContext', PAUSED_KEY, paused);
    wired?.tracker.setPaused(paused);
    void vscode.window.showInformationMessage(paused ? 'Latent: tracking paused. Nothing is recorded until you resume.' : 'Latent: tracking resumed.');
  };

  const register = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };
  if (!wired) {
    register('latent.retrain', () => {
      void vscode.window.showInformationMessage('Latent: not trained yet. No activity has been recorded in this workspace, so there is nothing to train on.');
    });
  }
  // "Inside the model" panel (latent.showFactors; "Why this?" passes an item key). Without a model it teaches
  // with the lecture's toy matrix and says why there is nothing of yours to show yet.
  registerFactorsPanel(
    context,
    workspaceFactorsSource({
      model: () => wired?.pipeline.ranker.getModel(),
      context: () => wired?.tracker.currentSession() ?? [],
      ...(wired ? { events: () => wired.store.events(), message: () => wired.pipeline.trainingState.message } : {}),
    }),
    (line) => log.appendLine(line),
  );
  if (!wired) {
    // With a folder open the pipeline registers the real command (src/views/gitBootstrapCommand.ts).
    register('latent.learnFromGit', () => {
      void vscode.window.showInformationMessage('Latent: open a folder first. Latent learns from the git history of the open workspace folder.');
    });
  }
  if (!wired) {
    register('latent.whyThis', () => {
      void vscode.window.showInformationMessage('Latent: not trained yet, so there is no recommendation to explain.');
    });
  }
  if (!wired) {
    register('latent.notInterested', () => {
      void vscode.window.showInformationMessage('Latent: not trained yet, so there is no recommendation to dismiss.');
    });
  }
  register('latent.pause', () => setPaused(true));
  register('latent.resume', () => setPaused(false));
  register('latent.reset', (opts?: unknown) => resetAll(context, (opts ?? {}) as ResetOptions, wired?.pipeline));

  return {
    version,
    isPaused,
    storage: {
      globalState: context.globalState,
      workspaceState: context.workspaceState,
      storageUri: context.storageUri,
      globalStorageUri: context.globalStorageUri,
    },
    ...(wired
      ? {
          pipeline: {
            recommendations: () => wired.pipeline.recommendations(),
            retrain: () => wired.pipeline.retrain(),
            get trainingState() {
              return wired.pipeline.trainingState;
            },
            storeDir: () => wired.storeDir,
            flush: async () => {
              wired.tracker.flushDwell();
              await wired.store.flush();
            },
            ready: wired.pipeline.ready,
            terminateWorker: () => wired.pipeline.terminateWorker(),
            tracker: wired.tracker,
          },
        }
      : {}),
  };
}

interface Wired {
  store: FeedbackStore;
  storeDir: string;
  tracker: FeedbackTracker;
  pipeline: Pipeline;
}

/** Feedback store + tracker + training/ranking pipeline for the open folder (per-workspace storage, never the repo). */
async function startWorkspace(context: vscode.ExtensionContext, paused: boolean, log: (line: string) => void): Promise<Wired | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!context.storageUri || !folder) return undefined;
  const told = (message: string): void => {
    log(message);
    void vscode.window.showWarningMessage(`Latent: ${message}`);
  };
  const storeDir = path.join(context.storageUri.fsPath, 'feedback');
  const store = await FeedbackStore.open(storeDir, { onProblem: told });
  const tracker = new FeedbackTracker(store, readTrackerConfig(), {
    paused,
    selfId: context.extension.id,
    onProblem: told,
    log,
    ...(userSnippetsDirFrom(context.globalStorageUri) ? { userSnippetsDir: userSnippetsDirFrom(context.globalStorageUri) } : {}),
  });
  const pipeline = startPipeline({ context, store, tracker, root: folder.uri, folder, log });
  // Disposed in this order: ranking/training, then the tracker (records the last dwell), then the store (flushes).
  context.subscriptions.push(pipeline, tracker, { dispose: () => void store.dispose() });
  return { store, storeDir, tracker, pipeline };
}

/** Clears every piece of state Latent keeps, after a modal confirmation. Returns true when it cleared. */
async function resetAll(context: vscode.ExtensionContext, opts: ResetOptions, pipeline?: Pipeline): Promise<boolean> {
  if (!opts.skipConfirmation) {
    const answer = await vscode.window.showWarningMessage(
      'Reset all Latent data?',
      { modal: true, detail: 'This deletes everything Latent recorded and learned for this workspace and globally: activity, models and settings stored by the extension. It cannot be undone.' },
      'Reset',
    );
    if (answer !== 'Reset') return false;
  }
  // Journal, snapshots, model and backups through the store (it owns its folder), then the view empties.
  await pipeline?.reset();
  for (const state of [context.globalState, context.workspaceState]) {
    for (const key of state.keys()) await state.update(key, undefined);
  }
  await vscode.commands.executeCommand('setContext', PAUSED_KEY, false);
  for (const uri of [context.storageUri, context.globalStorageUri]) {
    if (uri) await deleteIfExists(uri);
  }
  void vscode.window.showInformationMessage('Latent: all data has been reset.');
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
