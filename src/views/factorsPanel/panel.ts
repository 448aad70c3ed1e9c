// "Inside the model" webview panel: opened by latent.showFactors (optionally with an item key from "Why this?"),
// restored after a window reload by a WebviewPanelSerializer. The host validates every message from the webview
// and only opens items the model knows, inside the workspace.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { FACTORS_VIEW_TYPE } from '../../commands';
import { parseItemKey } from '../../core/itemKey';
import type { ContextItem, RecentSession, RecommenderModel } from '../../core/recommender';
import { ScoreBuffers } from '../../core/scoreBuffers';
import { buildPanelState, prepareModelParts, type FactorsSource } from './state';
import { renderPanelHtml } from './html';
import { ProtocolError } from '../../core/check';
import { parseWebviewMessage, type HostToWebview, type PanelState } from './protocol';
import { fileUriOfKey } from '../workspaceFile';

export type FactorsSourceProvider = () => FactorsSource | Promise<FactorsSource>;

export interface FactorsPanelController extends vscode.Disposable {
  /** Opens (or reveals) the panel; `why` selects the item to explain. */
  show(why?: string): Promise<void>;
  /** Rebuilds and re-sends the state, e.g. after retraining. No-op when the panel is closed. */
  refresh(): Promise<void>;
  /**
   * The model or the session changed: a visible panel follows within FOLLOW_MS (one refresh for many changes); a
   * hidden one is rebuilt when shown again (its webview asks with 'ready').
   */
  follow(): void;
  /** The state last sent to the webview (tests read it to compare with what the webview shows). */
  readonly lastState: PanelState | undefined;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * The workspace file an item key names, or undefined for a non-file, an escaping path, a name in no open folder or
 * a missing file. Resolved like the tree's open (views/workspaceFile.ts): with several folders the name's first
 * part is the folder, so `web/src/app.ts` is looked for in the folder named web only.
 */
export async function resolveWorkspaceFile(item: string): Promise<vscode.Uri | undefined> {
  const uri = fileUriOfKey(item);
  if (!uri) return undefined;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    return stat.type & vscode.FileType.File ? uri : undefined;
  } catch {
    return undefined; // gone since it was recorded
  }
}

/** How soon a visible panel follows a change of model or session, at most once per this many ms. */
export const FOLLOW_MS = 1000;

class FactorsPanel implements FactorsPanelController {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private followTimer: ReturnType<typeof setTimeout> | undefined;
  private why: string | undefined;
  private knownItems = new Set<string>();
  /** per-item arrays for scoring the session, reused from one state to the next while the panel is open */
  private buffers: ScoreBuffers | undefined;
  lastState: PanelState | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly getSource: FactorsSourceProvider,
    private readonly log: (message: string) => void,
  ) {}

  async show(why?: string): Promise<void> {
    if (why !== undefined) this.why = why;
    if (this.panel) {
      this.panel.reveal(undefined, false);
      await this.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(FACTORS_VIEW_TYPE, 'Inside the model', vscode.ViewColumn.Active, this.options());
    this.attach(panel);
  }

  options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist')],
    };
  }

  /** Used for new panels and for panels VS Code restores after a reload. */
  attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    const webview = panel.webview;
    webview.options = this.options();
    // The tab draws its icon as an image (latent.svg's currentColor would be black on a dark theme): one per theme kind.
    panel.iconPath = { light: vscode.Uri.joinPath(this.extensionUri, 'media', 'latent-light.svg'), dark: vscode.Uri.joinPath(this.extensionUri, 'media', 'latent-dark.svg') };
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'webview', 'main.css')).toString(),
    });
    const subs: vscode.Disposable[] = [];
    subs.push(webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));
    subs.push(
      panel.onDidDispose(() => {
        subs.forEach((d) => d.dispose());
        if (this.panel === panel) {
          this.panel = undefined;
          this.buffers = undefined;
        }
      }),
    );
  }

  async refresh(): Promise<void> {
    if (!this.panel || !this.ready) return; // the webview asks with 'ready' when it can listen
    const source = await this.getSource();
    // A new model's own parts in slices first: the state itself is then a few ms on the host.
    if (source.model) await prepareModelParts(source.model);
    if (!this.panel) return;
    this.buffers ??= new ScoreBuffers();
    const state = buildPanelState({ ...source, why: this.why ?? source.why }, this.buffers);
    this.knownItems = new Set(source.model?.items ?? []);
    this.lastState = state;
    const message: HostToWebview = { type: 'state', state };
    await this.panel.webview.postMessage(message);
  }

  follow(): void {
    if (!this.panel?.visible || !this.ready || this.followTimer) return;
    this.followTimer = setTimeout(() => {
      this.followTimer = undefined;
      void this.refresh().catch((e: unknown) => this.log(`Latent factors panel: ${e instanceof Error ? e.message : String(e)}`));
    }, FOLLOW_MS);
  }

  private async onMessage(raw: unknown): Promise<void> {
    let m;
    try {
      m = parseWebviewMessage(raw);
    } catch (e) {
      // A message we did not define is a bug or an attack; never act on it.
      this.log(`Latent factors panel: ignored invalid message (${e instanceof ProtocolError ? e.message : String(e)})`);
      return;
    }
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          await this.refresh();
          return;
        case 'why':
          if (!this.knownItems.has(m.item)) throw new ProtocolError('not an item of the model', 'message.item');
          this.why = m.item;
          await this.refresh();
          return;
        case 'open':
          await this.open(m.item);
          return;
      }
    } catch (e) {
      this.log(`Latent factors panel: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async open(item: string): Promise<void> {
    if (!this.knownItems.has(item)) throw new ProtocolError('not an item of the model', 'message.item');
    const { kind, name } = parseItemKey(item);
    if (kind === 'extension') {
      await vscode.commands.executeCommand('extension.open', name);
      return;
    }
    const uri = await resolveWorkspaceFile(item);
    if (!uri) {
      void vscode.window.showInformationMessage(
        kind === 'file' ? `Latent: ${name} is not in this workspace any more.` : `Latent: ${name} is a ${kind}, not a file to open.`,
      );
      return;
    }
    // As a click in the view opens it: in its own editor (a notebook's, an image's), not necessarily as text.
    await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
  }

  dispose(): void {
    clearTimeout(this.followTimer);
    this.panel?.dispose();
  }
}

/**
 * The panel and its serializer (panels restored after a reload). `getSource` is called each time the panel needs
 * fresh numbers (open, ready, refresh) so it always shows the current model and session.
 */
export function createFactorsPanel(
  context: vscode.ExtensionContext,
  getSource: FactorsSourceProvider,
  log: (message: string) => void = (m) => console.warn(m),
): FactorsPanelController {
  const controller = new FactorsPanel(context.extensionUri, getSource, log);
  context.subscriptions.push(
    controller,
    vscode.window.registerWebviewPanelSerializer(FACTORS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        controller.attach(panel);
      },
    }),
  );
  return controller;
}

export interface WorkspaceSourceDeps {
  model(): RecommenderModel | undefined;
  context(): ContextItem[];
  /** Shown while there is no model (e.g. the training controller's state message). */
  message?(): string | undefined;
  /** Sessions that ended since `sinceSec` (LiveSources.recentSessions): the panel scores as the tree does. */
  recentSessions?(sinceSec: number): readonly RecentSession[];
  /** Items latent.exclude covers now (FactorsSource.excluded). */
  excluded?(item: string): boolean;
}

/**
 * The panel's source for a workspace: the model in use (it carries its newest training row, so the worked update
 * replays a real training step without reading the feedback store again) and the current session.
 */
export function workspaceFactorsSource(deps: WorkspaceSourceDeps): FactorsSourceProvider {
  return () => {
    const model = deps.model();
    const message = model ? undefined : deps.message?.();
    const recentSessions = model && deps.recentSessions?.(model.trainedAt);
    const excluded = deps.excluded ? (item: string): boolean => deps.excluded?.(item) ?? false : undefined;
    return { model, context: deps.context(), ...(message ? { message } : {}), ...(recentSessions ? { recentSessions } : {}), ...(excluded ? { excluded } : {}) };
  };
}
