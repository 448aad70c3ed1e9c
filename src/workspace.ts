// One open folder's parts, wired in the order data flows: observe (tracker) -> store -> learn (training worker)
// -> rank (live ranker) -> show (tree view). Part of the composition root: extension.ts builds it and routes the
// commands to it; nothing below imports this file.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONTEXT_KEYS, VIEW_ID, type ContextKey } from './commands';
import { readSettings } from './config/settings';
import { recommendKindsScope } from './config/schema';
import { itemKind, parseItemKey } from './core/itemKey';
import { finishStepsAsync } from './core/train';
import type { RecentSession, Recommendation, RecommenderModel } from './core/recommender';
import { readStartupState } from './feedback/startupState';
import { FileLife, RenamePairs, namesakes, renameInModel, selfAndFolders } from './feedback/fileChanges';
import type { FeedbackEvent } from './feedback/signal';
import { ExclusionMatcher } from './feedback/exclusion';
import { DEFAULT_AGGREGATE_AFTER_MS, type FeedbackStore } from './feedback/store/feedbackStore';
import { summarizeRecordedSteps } from './feedback/recordedSummary';
import { fileOfTab, type FeedbackTracker } from './feedback/tracker';
import { GitImportReader, gitImportStamp, hasGitImportFile } from './git/gitImport';
import { createGitBootstrap, type GitBootstrap } from './git/learnFromGitCommand';
import { LiveRanker, RecentItems } from './ranking/liveRanking';
import { RecentSessions } from './feedback/recentSessions';
import { TrainingClient } from './training/client';
import { TrainingController, type TrainingState } from './training/controller';
import type { ConfigOverrides } from './training/messages';
import { notInterested, openRecommendation, pickDismissedToRestore, type ActionDeps } from './views/recommendations/actions';
import { RecommendationsQuickPick } from './views/recommendations/quickPick';
import { RecommendationsTree } from './views/recommendations/tree';
import { RecordedDataDocument } from './views/recordedData/recordedDataDocument';
import { RECORDED_TOP_ITEMS } from './views/recordedData/recordedDataText';
import { fileUriOfKey } from './views/workspaceFile';

export interface WorkspaceArgs {
  context: vscode.ExtensionContext;
  store: FeedbackStore;
  tracker: FeedbackTracker;
  /** The folder whose git history "Learn from Git History" reads. */
  folder: vscode.WorkspaceFolder;
  log(line: string): void;
  /** setContext through the composition root (which remembers what it set) */
  setContext(key: ContextKey, value: unknown): Promise<void>;
  /** whether tracking is paused in this workspace (the Pause command's state) */
  isPaused(): boolean;
}

export interface Workspace extends vscode.Disposable {
  recommendations(): Recommendation[];
  /** The Retrain command: trains now, and says so when there is nothing to train on. */
  retrain(): Promise<void>;
  /** The tree item's click and "Not interested" (arguments: an item key or a tree node). */
  open(arg: unknown): Promise<void>;
  notInterested(arg: unknown): void;
  /** "Go to Recommended...": opens the quick pick (closing one still open) and returns it. */
  goToRecommended(): RecommendationsQuickPick;
  /** A recommended file's "Open to the Side". */
  openToSide(arg: unknown): Promise<void>;
  /** "Show Recorded Data": a document of what the store holds; resolves with its Markdown. */
  showRecordedData(): Promise<string>;
  /** The Restore command: picks dismissed items to recommend again (or restores the item key given); what was restored. */
  restoreDismissed(arg: unknown): Promise<string[]>;
  /** "Learn from Git History" and the one-time offer. */
  readonly git: GitBootstrap;
  readonly trainingState: Readonly<TrainingState>;
  /** Wipes journal, snapshots, model and backups and empties the view (after the caller confirmed). */
  reset(): Promise<void>;
  /** Kills the running training worker as a crash would (integration test of the watchdog/crash path). */
  terminateWorker(): Promise<void>;
  /** True while a training thread that finished a retrain waits for the next (test API). */
  trainingThreadKept(): boolean;
  /** Runs what an automatic retrain runs (after latent.retrainAfterEvents events), now: test API. */
  autoRetrain(): Promise<void>;
  /** Resolves once the startup load (saved model, dismissals, open session) is done. */
  readonly ready: Promise<void>;
  readonly ranker: LiveRanker;
  /** Sessions that ended since `sinceSec` (the model's newest interaction), as the live ranking counts them. */
  recentSessions(sinceSec: number): readonly RecentSession[];
  /** Pause or Resume changed what is recorded: the view's note follows. */
  trackingChanged(): void;
  /** The view's note above the recommendations, when there is one. */
  viewMessage(): string | undefined;
}

/** How often a window checks whether the repository moved past its git import (commits made or pulled). */
const GIT_REFRESH_EVERY_MS = 30 * 60_000;

/** Items of the files open in editor tabs (text, notebook, image...): never recommended. */
function openItems(tracker: FeedbackTracker): Set<string> {
  const out = new Set<string>();
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const uri = fileOfTab(tab.input);
      const item = uri && tracker.itemForUri(uri);
      if (item) out.add(item);
    }
  }
  return out;
}

/** A delete and a create seen by the file watcher this close together may be one rename (RenamePairs). */
const RENAME_PAIR_MS = 3000;
/** Files of the same name looked at on disk when a create came without its delete. */
const MAX_NAMESAKES = 16;

/**
 * Paths Latent has a history for (items of the model and of the store, and the folders above them), rebuilt when
 * either changes: a delete or rename of anything else is not worth noting.
 */
function knownPaths(
  model: () => RecommenderModel | undefined,
  life: () => FileLife,
): { has(path: string): boolean; add(item: string): void; invalidate(): void } {
  let paths: Set<string> | undefined;
  let builtFor: RecommenderModel | undefined;
  return {
    has(path) {
      const m = model();
      if (!paths || builtFor !== m) {
        paths = new Set();
        builtFor = m;
        for (const item of [...(m?.items ?? []), ...life().items()]) for (const p of selfAndFolders(item)) paths.add(p);
      }
      return paths.has(path);
    },
    add(item) {
      // Called for every recorded event (a dwell tick each second): nothing to do for a path already known.
      if (paths && !paths.has(item)) for (const p of selfAndFolders(item)) paths.add(p);
    },
    invalidate() {
      paths = undefined;
    },
  };
}

/** Startup check of files deleted while closed: at most this many files, this many at a time. */
const MAX_STARTUP_CHECKS = 20_000;
const STARTUP_CHECK_BATCH = 32;

/** What the disk says of a file: there, surely not there, or unknown (no such folder, one that cannot be read). */
async function onDisk(uri: vscode.Uri | undefined): Promise<'present' | 'missing' | 'unknown'> {
  if (!uri) return 'unknown';
  try {
    await vscode.workspace.fs.stat(uri);
    return 'present';
  } catch (err) {
    return err instanceof vscode.FileSystemError && err.code === 'FileNotFound' ? 'missing' : 'unknown';
  }
}

/** True only when the path is a folder on disk. */
async function isFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch {
    return false;
  }
}

/** True only when the file is surely not there. */
async function isMissing(uri: vscode.Uri | undefined): Promise<boolean> {
  return (await onDisk(uri)) === 'missing';
}

/** How often a window looks for a Reset or dismissals made in another window on the same store (two tiny files). */
const OTHER_WINDOWS_POLL_MS = 3000;

/** More files than this created within a second are a bulk change (build output, branch switch), not new work. */
const NEW_FILE_BURST = 10;

/** latent.neverRecommend as a matcher of file paths (a bad pattern is reported where settings are read: none). */
function neverRecommendMatcher(): ExclusionMatcher {
  return new ExclusionMatcher(readSettings().neverRecommend, {}, 'latent.neverRecommend');
}

/** Short enough for the view's title bar. */
export const FRECENCY_DESCRIPTION = 'Few sessions yet: ranking by recent use';
export const PAUSED_NOTE = 'Tracking is paused: nothing you do here is recorded until you resume (the play button above).';
export const DISABLED_NOTE = 'Recording is off (the latent.enabled setting): these recommendations come from what was recorded before.';

export function startWorkspace(args: WorkspaceArgs): Workspace {
  const subs: vscode.Disposable[] = [];
  let open = openItems(args.tracker);
  // Files opened, edited or created lately: the ones the model has not learned yet are ranked by their neighbours.
  const recent = new RecentItems();
  // Sessions since the model was trained: the recent-use prior counts them until a retrain folds them in.
  const sessionsSince = new RecentSessions(() => readSettings().sessionGapMinutes * 60_000);
  const recentSessions = (sinceSec: number): readonly RecentSession[] => sessionsSince.closedSince(sinceSec, Date.now());
  let neverRecommend = neverRecommendMatcher();
  let kinds = readSettings().recommendKinds;
  const showKinds = (): void => void args.setContext(CONTEXT_KEYS.kindsShown, recommendKindsScope(kinds));
  showKinds();
  // Read once here and on change (the listener below): the view's note reads it after every re-rank.
  let enabled = readSettings().enabled;
  // Which files are gone (deleted, or renamed away): built from the store at startup, kept current from the events
  // below; a deleted file leaves the list at once, and comes back if the path is created again.
  let life = new FileLife();
  const ranker = new LiveRanker(
    {
      context: () => args.tracker.currentSession(),
      openItems: () => open,
      recentItems: () => recent.items(),
      recentSessions,
      neverRecommend: (item) => {
        const kind = itemKind(item);
        if (!kind || !kinds.has(kind)) return true;
        return kind === 'file' && (life.isDeleted(item) || neverRecommend.isExcludedFile(parseItemKey(item).name, vscode.workspace.workspaceFolders ?? []) || args.tracker.excludesItem(item));
      },
    },
    { perKind: readSettings().maxRecommendations },
  );
  // One predicate for the tree and the quick pick, so they share one FactorLabels per model.
  const hidden = (item: string): boolean => args.tracker.excludesItem(item);
  const tree = new RecommendationsTree(ranker, undefined, hidden);
  subs.push(tree, { dispose: () => ranker.dispose() });
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: false });
  subs.push(view);
  // Above the recommendations: that nothing is being recorded (paused, or latent.enabled off), which they would not
  // tell; and too little co-use to learn from yet (the model ranks by recent use, frecency). Only above some: a
  // message hides the welcome content, which says the same of an empty view.
  let learned: boolean | undefined;
  const showNotes = (): void => {
    const m = ranker.getModel();
    if (learned !== (m !== undefined)) {
      learned = m !== undefined;
      void args.setContext(CONTEXT_KEYS.learned, learned);
    }
    const shown = ranker.recommendations().length > 0;
    const frecency = m?.mode === 'frecency' && shown;
    view.description = frecency ? FRECENCY_DESCRIPTION : undefined;
    // The description only shows when the view shares its container; the message always shows.
    const notes = [
      !shown ? undefined : args.isPaused() ? PAUSED_NOTE : enabled ? undefined : DISABLED_NOTE,
      frecency ? `${FRECENCY_DESCRIPTION} (${m.stats.multiItemSessions} of the ${m.config.minSessions} sessions with several files needed to learn patterns).` : undefined,
    ].filter((n) => n !== undefined);
    view.message = notes.length > 0 ? notes.join(' ') : undefined;
  };
  showNotes();
  subs.push(ranker.onDidChange(showNotes));

  const client = new TrainingClient({
    workerPath: path.join(args.context.extensionPath, 'dist', 'worker.js'),
    onFallback: (reason) => args.log(`training runs in-process: ${reason}`),
  });
  subs.push(client);
  const config = (): ConfigOverrides => {
    const s = readSettings();
    return { factors: s.factors, halfLifeDays: s.halfLifeDays };
  };
  // Read again only when the import file changed: retrains come every few dozen events.
  const gitImport = new GitImportReader(args.store.dir);
  const controller = new TrainingController({
    store: args.store,
    client,
    ranker,
    sessionGapMs: () => readSettings().sessionGapMinutes * 60_000,
    retrainAfterEvents: () => {
      const s = readSettings();
      return s.autoRetrain ? s.retrainAfterEvents : 0;
    },
    watchdogMs: () => readSettings().trainingWatchdogSeconds * 1000,
    config,
    log: args.log,
    gitImport: () => gitImport.read(),
    resetElsewhere: () => followResetElsewhere(),
  });
  subs.push(controller);

  // What happened to files is kept with the feedback (fileChanges.ts): a rename moves the history and the learned
  // vector to the new name, a delete hides the file and lets its history go after latent.deletedFileRetentionDays.
  // Only paths Latent has a history for are noted (a build's churn in dist/ is not), and they are noted while
  // tracking is paused too: they say nothing about what you do, and without them the history would be wrong.
  const known = knownPaths(() => ranker.getModel(), () => life);
  const noteFileChange = (e: FeedbackEvent): void => {
    try {
      args.store.append(e);
    } catch (err) {
      args.log(`could not note ${e.kind} of ${e.item}: ${String(err)}`);
      return;
    }
    life.note(e);
    known.add(e.item);
  };
  // Where each file renamed in this window came from (new name -> old one): see deletedOnDisk.
  const movedFrom = new Map<string, string>();
  const noteRename = (from: string, to: string): void => {
    if (!known.has(from)) return;
    noteFileChange({ t: Date.now(), item: to, kind: 'rename', amount: 0, from });
    movedFrom.set(to, from);
    const model = ranker.getModel();
    const renamed = model && renameInModel(model, [{ t: 0, from, to }]);
    if (renamed && renamed !== model) ranker.setModel(renamed);
    if (ranker.isDismissed(from)) ranker.dismiss(to);
    if (recent.delete(from)) recent.add(to);
  };
  const noteGone = (item: string): void => {
    if (known.has(item) && !life.isDeleted(item)) noteFileChange({ t: Date.now(), item, kind: 'delete', amount: 0 });
  };
  const noteCreated = (item: string): void => {
    if (life.isDeleted(item)) noteFileChange({ t: Date.now(), item, kind: 'create', amount: 0 });
  };

  // Live: every recorded signal and every tab change re-ranks shortly after (coalesced), without retraining.
  const noteRecent = (uri: vscode.Uri, added: boolean): void => {
    const item = args.tracker.itemForUri(uri); // undefined for excluded files and folders outside the workspace
    if (!item) return;
    if (added) {
      noteCreated(item);
      recent.add(item);
      // A new folder (Explorer's New Folder, mkdir, a folder moved here) is no file to recommend. Taken back once the
      // disk says so, which comes before the coalesced re-rank; removing a folder's key is never wrong.
      void isFolder(uri).then((folder) => {
        if (folder && recent.delete(item)) ranker.invalidate();
      });
    } else {
      noteGone(item);
      recent.delete(item);
    }
    ranker.invalidate();
  };
  // Deleted outside VS Code and created elsewhere within a moment (`mv`, `git mv` in a terminal): the watcher sees
  // a delete and a create, in either order. One of each whose names match is taken as a rename.
  const pairs = new RenamePairs(RENAME_PAIR_MS);
  // Created outside the editor too (terminal, git checkout): the workspace watcher sees those. Like bulk commits,
  // a burst of creations (a build, a generator, a branch switch) says nothing about what you will open: dropped.
  // With the time the watcher reported each: a mv's two sides are paired by when they were seen, not by when this
  // batching and the disk checks got to them (seconds later on a loaded machine).
  let created: { u: vscode.Uri; at: number }[] = [];
  let createdTimer: NodeJS.Timeout | undefined;
  const flushCreated = (): void => {
    createdTimer = undefined;
    // Only what Latent would record counts towards a burst: git's own files under .git (VS Code's git extension
    // creates lock files there at any moment) and excluded paths are not new work and must not hide a real new file.
    const batch = created.filter((c) => args.tracker.itemForUri(c.u) !== undefined);
    created = [];
    if (batch.length > NEW_FILE_BURST) args.log(`${batch.length} files created at once: not treated as new files to recommend`);
    else for (const c of batch) void createdOnDisk(c.u, c.at);
  };
  // The watcher reports in batches, seconds late under load: a path it says was created may be gone again (renamed
  // away meanwhile), one it says was deleted may be back. Where it would change what Latent keeps (a file with a
  // history deleted, a deleted one back, a rename), the disk is asked first.
  const createdOnDisk = async (u: vscode.Uri, at = Date.now()): Promise<void> => {
    const item = args.tracker.itemForUri(u) ?? '';
    if ((life.isDeleted(item) || pairs.waiting) && (await isMissing(u))) return;
    const fresh = item !== '' && !known.has(item);
    noteRecent(u, true);
    let from = pairs.created(item, at);
    if (from === undefined && fresh) {
      from = await vanishedNamesake(item);
      // Its create waits among the unpaired ones: settled, it must not pair with another delete.
      if (from !== undefined) pairs.told(at, from, item);
    }
    if (from !== undefined) noteRename(from, item);
  };
  // The watcher was seen to report a mv's create and never its delete (code-server 4.100, Linux): a new file whose
  // namesake with a history is gone from the disk, the only one, was moved here.
  const vanishedNamesake = async (item: string): Promise<string | undefined> => {
    const candidates = namesakes(item, [...(ranker.getModel()?.items ?? []), ...life.items()], MAX_NAMESAKES).filter((k) => !life.isDeleted(k));
    const missing = await Promise.all(candidates.map((k) => isMissing(fileUriOfKey(k))));
    const gone = candidates.filter((_, i) => missing[i]);
    return gone.length === 1 ? gone[0] : undefined;
  };
  const deletedOnDisk = async (u: vscode.Uri): Promise<void> => {
    const at = Date.now();
    const item = args.tracker.itemForUri(u);
    if (!item) return;
    if (known.has(item) && !life.isDeleted(item)) {
      if (!(await isMissing(u))) return;
      const to = pairs.deleted(item, at);
      if (to !== undefined) {
        noteRename(item, to);
        ranker.invalidate();
        return;
      }
      // The watcher was seen to report a mv's delete and never its create (code-server 4.100, Linux: a file moved
      // back where it came from, three fresh-clone CI runs in a row): a renamed file deleted while the path it was
      // renamed from is on disk again went back there. Its create, should it come late, is an echo.
      const back = movedFrom.get(item);
      if (back !== undefined && (await onDisk(fileUriOfKey(back))) === 'present') {
        pairs.told(at, item, back);
        noteRename(item, back);
        ranker.invalidate();
        return;
      }
    }
    noteRecent(u, false);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*');
  subs.push(
    watcher,
    // A delete and a create of one path close together reach us as a change (VS Code's watcher coalesces them): a
    // changed file is there. Cheap for every save: one cached lookup, and nothing more unless it was deleted.
    watcher.onDidChange((u) => {
      const item = args.tracker.itemForUri(u);
      if (item && life.isDeleted(item)) void createdOnDisk(u);
    }),
    watcher.onDidCreate((u) => {
      created.push({ u, at: Date.now() });
      createdTimer ??= setTimeout(flushCreated, 1000);
    }),
    watcher.onDidDelete((u) => void deletedOnDisk(u)),
    { dispose: () => clearTimeout(createdTimer) },
    // Created in VS Code (Explorer's New File, refactorings): reported exactly, whatever the file watcher does. The
    // watcher has been seen to miss a file created in a folder made moments earlier (code-server 4.100, Linux).
    vscode.workspace.onDidCreateFiles((e) => {
      pairs.told(Date.now(), ...e.files.map((f) => args.tracker.itemForUri(f)));
      for (const f of e.files) noteRecent(f, true);
    }),
    // Deleted in VS Code: reported exactly (the watcher may also report it; the second time changes nothing).
    vscode.workspace.onDidDeleteFiles((e) => {
      pairs.told(Date.now(), ...e.files.map((f) => args.tracker.itemForUri(f)));
      for (const f of e.files) noteRecent(f, false);
    }),
    // Renamed or moved in VS Code (Explorer, refactorings): exact. Moved to a path Latent does not track: a delete.
    vscode.workspace.onDidRenameFiles((e) => {
      for (const f of e.files) {
        const from = args.tracker.itemForUri(f.oldUri);
        const to = args.tracker.itemForUri(f.newUri);
        pairs.told(Date.now(), from, to); // the watcher's delete and create of this rename are not another one
        if (from && to) noteRename(from, to);
        else noteRecent(f.oldUri, false);
        if (to) noteRecent(f.newUri, true);
      }
    }),
    args.tracker.onDidRecord((e) => {
      // Other windows on this store read dismissals again when marked (followDismissalsElsewhere there).
      if (e.kind === 'dismiss') void args.store.markDismissals().catch((err: unknown) => args.log(`could not tell other windows of a dismissal: ${String(err)}`));
      if (e.kind !== 'dismiss' && itemKind(e.item) === 'file') recent.add(e.item);
      sessionsSince.add(e);
      life.note(e); // used again after a delete: it is back
      known.add(e.item);
      controller.noteEvent(e);
      ranker.invalidate();
    }),
    vscode.window.tabGroups.onDidChangeTabs(() => {
      open = openItems(args.tracker);
      ranker.invalidate();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('latent.maxRecommendations')) ranker.setPerKind(readSettings().maxRecommendations);
      if (e.affectsConfiguration('latent.enabled')) {
        enabled = readSettings().enabled;
        showNotes();
      }
      if (e.affectsConfiguration('latent.recommendKinds')) {
        kinds = readSettings().recommendKinds;
        showKinds();
        ranker.invalidate();
      }
      if (e.affectsConfiguration('latent.neverRecommend')) {
        neverRecommend = neverRecommendMatcher();
        ranker.invalidate();
      }
      // The tracker follows these itself (its own listener); the coalesced re-rank comes after both.
      if (e.affectsConfiguration('latent.exclude') || e.affectsConfiguration('files.exclude')) ranker.invalidate();
    }),
  );

  const deps: ActionDeps = {
    record: (e) => args.tracker.record(e),
    snippetBody: (item) => args.tracker.snippet(item)?.body,
  };

  const git = createGitBootstrap({
    context: args.context,
    folder: args.folder,
    storeDir: args.store.dir,
    retrain: () => controller.retrain(),
    hasData: async () => ranker.hasModel || (await args.store.loadModel()) !== undefined || (await hasGitImportFile(args.store.dir)),
    hasImport: () => hasGitImportFile(args.store.dir),
    setOffer: (on) => args.setContext(CONTEXT_KEYS.gitOffer, on),
    setHistory: (on) => args.setContext(CONTEXT_KEYS.gitHistory, on),
    log: args.log,
  });
  subs.push(git);

  // What this window holds of the store in memory: Reset here, or Reset in another window on the same store.
  const forget = (): void => {
    life = new FileLife();
    known.invalidate();
    args.tracker.clearSession();
    recent.clear();
    sessionsSince.clear();
    controller.reset();
  };
  // Another window (a second copy of the repository, code-server's second tab) may reset the store this one shares:
  // it leaves a marker (FeedbackStore.markReset), read here every few seconds and before a model is saved.
  const followResetElsewhere = async (): Promise<boolean> => {
    const at = await args.store.resetElsewhere(); // never rejects: a marker it cannot read is no news
    if (at === undefined) return false;
    forget();
    args.log(`Latent's data of this repository was reset in another window at ${new Date(at).toISOString()}: forgotten here too.`);
    void git.refreshOffer();
    void vscode.window.showInformationMessage('Latent: Reset in another window deleted this repository\'s data; this window has forgotten it too.');
    return true;
  };
  // Dismissals made or taken back in another window: read again from the store (they are events like any other).
  const followDismissalsElsewhere = async (): Promise<void> => {
    if (!(await args.store.dismissalsElsewhere())) return;
    const recorded = await args.store.read();
    ranker.setDismissed(await finishStepsAsync(recorded.dismissedSteps()));
  };
  const otherWindowsPoll = setInterval(() => {
    void followResetElsewhere()
      .then((reset) => (reset ? undefined : followDismissalsElsewhere()))
      .catch((err: unknown) => args.log(`could not follow another window's changes: ${String(err)}`));
  }, OTHER_WINDOWS_POLL_MS);
  subs.push({ dispose: () => clearInterval(otherWindowsPoll) });

  // The store is read once at startup (a full one takes tens of ms, in slices): model and dismissals, recent files, and
  // the session still open when the window was reloaded all come from this one read, kept as columns.
  const ready = readStartupState(args.store, RecentItems.DEFAULT_MAX)
    .then(async (state) => {
      life = state.life;
      known.invalidate();
      await controller.load(state.stored);
      args.tracker.seedSession(state.stored);
      // Sessions recorded after the saved model (a window closed before its retrain) count in its prior at once.
      const trainedAt = ranker.getModel()?.trainedAt;
      if (trainedAt !== undefined) for (let i = 0; i < state.stored.length; i++) if (state.stored.t[i] > trainedAt * 1000) sessionsSince.add(state.stored.at(i));
      // Recent files survive a reload: the newest distinct files recorded (the ranker skips those the model knows).
      for (const item of state.newestFiles) recent.add(item);
      ranker.invalidate();
      void noteGoneWhileClosed();
    })
    .catch((err: unknown) => args.log(`could not load saved state: ${String(err)}`));
  // Files deleted while no window was open (a branch switched, a clean-up in a terminal): checked once after the
  // startup read, a few at a time, in the background; missing ones are noted like any delete.
  const noteGoneWhileClosed = async (): Promise<void> => {
    const items = new Set<string>();
    for (const item of [...(ranker.getModel()?.items ?? []), ...life.items()]) {
      if (itemKind(item) === 'file' && !life.isDeleted(item)) items.add(item);
    }
    const list = [...items].slice(0, MAX_STARTUP_CHECKS);
    let gone = 0;
    for (let i = 0; i < list.length; i += STARTUP_CHECK_BATCH) {
      const batch = list.slice(i, i + STARTUP_CHECK_BATCH);
      const missing = await Promise.all(batch.map((item) => isMissing(fileUriOfKey(item))));
      batch.forEach((item, j) => {
        if (missing[j]) {
          noteGone(item);
          gone++;
        }
      });
    }
    if (gone > 0) {
      args.log(`${gone} file(s) with a history were deleted while Latent was not running: no longer recommended`);
      ranker.invalidate();
    }
  };
  // What the store holds, read anew each time it is asked for.
  const recordedData = new RecordedDataDocument(async () => {
    const settings = readSettings();
    const events = await args.store.read();
    const summary = await finishStepsAsync(summarizeRecordedSteps(events, settings.sessionGapMinutes * 60_000, RECORDED_TOP_ITEMS));
    const m = ranker.getModel();
    return {
      summary,
      storeDir: args.store.dir,
      recording: args.isPaused() ? 'paused' : enabled ? 'on' : 'off',
      gapMinutes: settings.sessionGapMinutes,
      aggregateAfterDays: DEFAULT_AGGREGATE_AFTER_MS / 86_400_000,
      gitImportedAtMs: (await gitImportStamp(args.store.dir))?.importedAt,
      model: m && {
        newestMs: m.trainedAt * 1000,
        sessions: m.stats.sessions,
        interactions: m.stats.interactions,
        items: m.stats.items,
        factors: m.mf.k,
        byRecentUse: m.mode !== 'mf',
      },
      exclude: settings.exclude,
    };
  });
  subs.push(recordedData);

  // At most one "Go to Recommended..." open at a time (VS Code shows one quick input anyway).
  let quickPick: RecommendationsQuickPick | undefined;
  subs.push({ dispose: () => quickPick?.dispose() });

  // The cold-start offer waits for the saved state, so a workspace with a model is never asked.
  // Then an import the repository has moved past is read again (quietly; the next automatic retrain learns it), at
  // startup and every half hour after (a pull during a long session): a file's head and one `git log -1` a folder.
  const refreshGit = (): Promise<unknown> => git.refreshIfBehind().catch((err: unknown) => args.log(`git history refresh failed: ${String(err)}`));
  void ready
    .then(() => git.onActivation())
    .then(refreshGit)
    .catch((err: unknown) => args.log(`git bootstrap check failed: ${String(err)}`));
  const gitTimer = setInterval(() => void refreshGit(), GIT_REFRESH_EVERY_MS);
  subs.push({ dispose: () => clearInterval(gitTimer) });

  return {
    ranker,
    ready,
    git,
    recommendations: () => ranker.recommendations(),
    retrain: async () => {
      await controller.retrain();
      if (controller.state.state === 'not-enough-data') {
        void vscode.window.showInformationMessage(
          'Latent: not trained yet. No activity has been recorded in this workspace, so there is nothing to train on.',
        );
      }
    },
    open: (arg) => openRecommendation(deps, arg),
    notInterested: (arg) => void notInterested(deps, arg),
    restoreDismissed: (arg) => pickDismissedToRestore(deps, ranker.dismissedItems(), arg),
    showRecordedData: () => recordedData.show(),
    openToSide: (arg) => openRecommendation(deps, arg, true),
    goToRecommended: () => {
      quickPick?.dispose();
      quickPick = new RecommendationsQuickPick({
        ranker,
        open: (item) => openRecommendation(deps, item),
        openToSide: (item) => openRecommendation(deps, item, true),
        notInterested: (item) => void notInterested(deps, item),
        hidden,
      });
      return quickPick;
    },
    get trainingState() {
      return controller.state;
    },
    recentSessions,
    trackingChanged: showNotes,
    viewMessage: () => view.message,
    reset: async () => {
      await args.store.wipe();
      forget();
    },
    terminateWorker: () => client.terminateWorker(),
    trainingThreadKept: () => client.threadKept,
    autoRetrain: () => controller.scheduler.runDue(),
    dispose: () => {
      for (const s of subs.reverse()) s.dispose();
    },
  };
}
