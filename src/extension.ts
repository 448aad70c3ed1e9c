// Entry point: wiring only. Registers the commands and the view, and hands back a small API that the
// integration tests (running inside the real extension host) read through getExtension(...).exports.
import * as vscode from 'vscode';

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
}

/** Options a caller (tests, other commands) may pass to latent.reset; the palette passes none and always asks. */
export interface ResetOptions {
  skipConfirmation?: boolean;
}

const PAUSED_KEY = 'latent.paused';

export function activate(context: vscode.ExtensionContext): LatentApi {
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0');
  const isPaused = (): boolean => context.workspaceState.get<boolean>(PAUSED_KEY, false);
  void vscode.commands.executeCommand('setContext', PAUSED_KEY, isPaused());

  // Empty until the pipeline supplies rows; an empty tree lets the view's welcome content show.
  const emptyTree: vscode.TreeDataProvider<vscode.TreeItem> = {
    getChildren: () => [],
    getTreeItem: (item) => item,
  };
  context.subscriptions.push(vscode.window.createTreeView('latent.recommendations', { treeDataProvider: emptyTree }));

  const setPaused = async (paused: boolean): Promise<void> => {
    await context.workspaceState.update(PAUSED_KEY, paused);
    await vscode.commands.executeCommand('setContext', PAUSED_KEY, paused);
    void vscode.window.showInformationMessage(paused ? 'Latent: tracking paused. Nothing is recorded until you resume.' : 'Latent: tracking resumed.');
  };

  const register = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };
  register('latent.retrain', () => {
    void vscode.window.showInformationMessage('Latent: not trained yet. No activity has been recorded in this workspace, so there is nothing to train on.');
  });
  register('latent.showFactors', () => {
    void vscode.window.showInformationMessage('Latent: not trained yet. There are no latent factors to inspect until a model has been trained.');
  });
  register('latent.learnFromGit', () => {
    void vscode.window.showInformationMessage('Latent: learning from git history is not available in this build yet.');
  });
  register('latent.whyThis', () => {
    void vscode.window.showInformationMessage('Latent: not trained yet, so there is no recommendation to explain.');
  });
  register('latent.notInterested', () => {
    void vscode.window.showInformationMessage('Latent: not trained yet, so there is no recommendation to dismiss.');
  });
  register('latent.pause', () => setPaused(true));
  register('latent.resume', () => setPaused(false));
  register('latent.reset', (opts?: unknown) => resetAll(context, (opts ?? {}) as ResetOptions));

  return {
    version,
    isPaused,
    storage: {
      globalState: context.globalState,
      workspaceState: context.workspaceState,
      storageUri: context.storageUri,
      globalStorageUri: context.globalStorageUri,
    },
  };
}

/** Clears every piece of state Latent keeps, after a modal confirmation. Returns true when it cleared. */
async function resetAll(context: vscode.ExtensionContext, opts: ResetOptions): Promise<boolean> {
  if (!opts.skipConfirmation) {
    const answer = await vscode.window.showWarningMessage(
      'Reset all Latent data?',
      { modal: true, detail: 'This deletes everything Latent recorded and learned for this workspace and globally: activity, models and settings stored by the extension. It cannot be undone.' },
      'Reset',
    );
    if (answer !== 'Reset') return false;
  }
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
