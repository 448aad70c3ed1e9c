// Composes feedback -> training -> live ranking -> tree view for one workspace. extension.ts only calls this.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../core/recommender';
import type { FeedbackTracker } from '../feedback/tracker';
import type { FeedbackStore } from '../feedback/store';
import { loadGitSessions } from '../feedback/gitBootstrap';
import { registerGitBootstrap } from '../views/gitBootstrapCommand';
import { LiveRanker, RecentItems } from '../views/liveRanking';
import { RecommendationsTree, OPEN_COMMAND, VIEW_ID } from '../views/recommendationsTree';
import { notInterested, openRecommendation, whyThis, type ActionDeps } from '../views/recommendationActions';
import { TrainingClient } from './client';
import { TrainingController, type TrainingState } from './controller';
import type { ConfigOverrides } from './messages';

export interface PipelineArgs {
  context: vscode.ExtensionContext;
  store: FeedbackStore;
  tracker: FeedbackTracker;
  /** Workspace folder the `file:` keys are relative to. */
  root: vscode.Uri | undefined;
  /** The folder whose git history "Learn from Git History" reads. */
  folder: vscode.WorkspaceFolder;
  log(line: string): void;
}

export interface Pipeline extends vscode.Disposable {
  recommendations(): Recommendation[];
  retrain(): Promise<void>;
  readonly trainingState: Readonly<TrainingState>;
  /** Wipes journal, snapshots, model and backups and empties the view (after the caller confirmed). */
  reset(): Promise<void>;
  /** Kills the running training worker as a crash would (integration test of the watchdog/crash path). */
  terminateWorker(): Promise<void>;
  /** Resolves once the startup load (saved model, dismissals, open session) is done. */
  readonly ready: Promise<void>;
  readonly ranker: LiveRanker;
}

function setting<T>(key: string, fallback: T, ok: (v: unknown) => v is T): T {
  const v = vscode.workspace.getConfiguration('latent').get<unknown>(key);
  return ok(v) ? v : fallback;
}
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

async function hasGitImport(storeDir: string): Promise<boolean> {
  try {
    return (await loadGitSessions(storeDir)).length > 0;
  } catch {
    return true; // a damaged import is still data (reported when training reads it): do not offer to replace it
  }
}

/** Items of the text documents open in editor tabs: never recommended. */
function openItems(tracker: FeedbackTracker): Set<string> {
  const out = new Set<string>();
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const input = tab.input;
      if (input instanceof vscode.TabInputText) {
        const item = tracker.itemForUri(input.uri);
        if (item) out.add(item);
      }
    }
  }
  return out;
}

/** More files than this created within a second are a bulk change (build output, branch switch), not new work. */
const NEW_FILE_BURST = 10;

/** Short enough for the view's title bar. */
export const FRECENCY_DESCRIPTION = 'Few sessions yet: ranking by recent use';

export function startPipeline(a: PipelineArgs): Pipeline {
  const subs: vscode.Disposable[] = [];
  let open = openItems(a.tracker);
  // Files opened, edited or created lately: the ones the model has not learned yet are ranked by their neighbours.
  const recent = new RecentItems();
  const ranker = new LiveRanker(
    { context: () => a.tracker.currentSession(), openItems: () => open, recentItems: () => recent.items() },
    { perKind: setting('maxRecommendations', 10, isNum) },
  );
  const tree = new RecommendationsTree(ranker, a.root);
  subs.push(tree, { dispose: () => ranker.dispose() });
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: false });
  subs.push(view);
  // Too little co-use to learn from yet: the model ranks by recent use (frecency), and the view says so.
  subs.push(
    ranker.onDidChange(() => {
      const m = ranker.getModel();
      const frecency = m?.mode === 'frecency' && ranker.recommendations().length > 0;
      view.description = frecency ? FRECENCY_DESCRIPTION : undefined;
      // The description only shows when the view shares its container; the message always shows.
      view.message = frecency
        ? `${FRECENCY_DESCRIPTION} (${m.stats.multiItemSessions} of the ${m.config.minSessions} sessions with several files needed to learn patterns).`
        : undefined;
    }),
  );

  const client = new TrainingClient({
    workerPath: path.join(a.context.extensionPath, 'dist', 'worker.js'),
    onFallback: (reason) => a.log(`training runs in-process: ${reason}`),
  });
  subs.push(client);
  const config = (): ConfigOverrides => {
    const c: ConfigOverrides = {};
    const factors = vscode.workspace.getConfiguration('latent').get<unknown>('factors');
    const half = vscode.workspace.getConfiguration('latent').get<unknown>('halfLifeDays');
    if (isNum(factors)) c.factors = Math.round(factors);
    if (isNum(half)) c.halfLifeDays = half;
    return c;
  };
  const controller = new TrainingController({
    store: a.store,
    client,
    ranker,
    sessionGapMs: () => setting('sessionGapMinutes', 30, isNum) * 60_000,
    retrainAfterEvents: () => (setting('autoRetrain', true, isBool) ? setting('retrainAfterEvents', 50, isNum) : 0),
    watchdogMs: () => setting('trainingWatchdogSeconds', 60, isNum) * 1000,
    config,
    log: a.log,
    gitSessions: () => loadGitSessions(a.store.dir),
  });
  subs.push(controller);

  // Live: every recorded signal and every tab change re-ranks shortly after (coalesced), without retraining.
  const noteRecent = (uri: vscode.Uri, added: boolean): void => {
    const item = a.tracker.itemForUri(uri); // undefined for excluded files and folders outside the workspace
    if (!item) return;
    if (added) recent.add(item);
    else recent.delete(item);
    ranker.invalidate();
  };
  // Created outside the editor too (terminal, git checkout): the workspace watcher sees those. Like bulk commits,
  // a burst of creations (a build, a generator, a branch switch) says nothing about what you will open: dropped.
  let created: vscode.Uri[] = [];
  let createdTimer: NodeJS.Timeout | undefined;
  const flushCreated = (): void => {
    createdTimer = undefined;
    // Only what Latent would record counts towards a burst: git's own files under .git (VS Code's git extension
    // creates lock files there at any moment) and excluded paths are not new work and must not hide a real new file.
    const batch = created.filter((u) => a.tracker.itemForUri(u) !== undefined);
    created = [];
    if (batch.length > NEW_FILE_BURST) a.log(`${batch.length} files created at once: not treated as new files to recommend`);
    else for (const u of batch) noteRecent(u, true);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
  subs.push(
    watcher,
    watcher.onDidCreate((u) => {
      created.push(u);
      createdTimer ??= setTimeout(flushCreated, 1000);
    }),
    watcher.onDidDelete((u) => noteRecent(u, false)),
    { dispose: () => clearTimeout(createdTimer) },
    // Created in VS Code (Explorer's New File, refactorings): reported exactly, whatever the file watcher does. The
    // watcher has been seen to miss a file created in a folder made moments earlier (code-server 4.100, Linux).
    vscode.workspace.onDidCreateFiles((e) => {
      for (const f of e.files) noteRecent(f, true);
    }),
    vscode.workspace.onDidRenameFiles((e) => {
      for (const f of e.files) {
        noteRecent(f.oldUri, false);
        noteRecent(f.newUri, true);
      }
    }),
    a.tracker.onDidRecord((e) => {
      if (e.kind !== 'dismiss' && e.item.startsWith('file:')) recent.add(e.item);
      controller.noteEvent(e);
      ranker.invalidate();
    }),
    vscode.window.tabGroups.onDidChangeTabs(() => {
      open = openItems(a.tracker);
      ranker.invalidate();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('latent.maxRecommendations')) ranker.setPerKind(setting('maxRecommendations', 10, isNum));
    }),
  );

  const deps: ActionDeps = {
    root: a.root,
    record: (e) => a.tracker.record(e),
    snippetBody: (item) => a.tracker.snippet(item)?.body,
  };
  const reg = (id: string, fn: (...args: unknown[]) => unknown): void => {
    subs.push(vscode.commands.registerCommand(id, fn));
  };
  reg(OPEN_COMMAND, (arg) => openRecommendation(deps, arg));
  reg('latent.notInterested', (arg) => notInterested(deps, arg));
  reg('latent.whyThis', (arg) => whyThis(arg));
  reg('latent.retrain', async () => {
    await controller.retrain();
    if (controller.state.state === 'not-enough-data') {
      void vscode.window.showInformationMessage(
        'Latent: not trained yet. No activity has been recorded in this workspace, so there is nothing to train on.',
      );
    }
  });

  const git = registerGitBootstrap({
    context: a.context,
    folder: a.folder,
    storeDir: a.store.dir,
    retrain: () => controller.retrain(),
    hasData: async () => ranker.hasModel || (await a.store.loadModel()) !== undefined || (await hasGitImport(a.store.dir)),
    log: a.log,
  });
  subs.push(git);

  // The store is read once at startup (a full one takes tens of ms): model and dismissals, recent files, and the
  // session still open when the window was reloaded all come from this one read.
  const ready = a.store
    .events()
    .then(async (events) => {
      await controller.load(events);
      a.tracker.seedSession(events);
      // Recent files survive a reload: the newest distinct files recorded (the ranker skips those the model knows).
      // One pass, no sort of every event (that was a stall on the host at startup with a full store).
      const latest = new Map<string, number>();
      for (const e of events) {
        if (e.kind !== 'dismiss' && e.item.startsWith('file:') && e.t > (latest.get(e.item) ?? -1)) latest.set(e.item, e.t);
      }
      const newest = [...latest].sort((x, y) => x[1] - y[1]).slice(-RecentItems.DEFAULT_MAX);
      for (const [item] of newest) recent.add(item);
      ranker.invalidate();
    })
    .catch((err: unknown) => a.log(`could not load saved state: ${String(err)}`));
  // The cold-start offer waits for the saved state, so a workspace with a model is never asked.
  void ready.then(() => git.onActivation()).catch((err: unknown) => a.log(`git bootstrap check failed: ${String(err)}`));

  return {
    ranker,
    ready,
    recommendations: () => ranker.recommendations(),
    retrain: () => controller.retrain(),
    get trainingState() {
      return controller.state;
    },
    reset: async () => {
      await a.store.wipe();
      a.tracker.clearSession();
      recent.clear();
      controller.reset();
    },
    terminateWorker: () => client.terminateWorker(),
    dispose: () => {
      for (const s of subs.reverse()) s.dispose();
    },
  };
}
