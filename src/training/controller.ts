// Feedback -> sessions -> model -> live ranking: reloads the saved model at startup, retrains on request or
// automatically, persists every trained model, and survives a failed or killed run (the previous model stays).
import * as vscode from 'vscode';
import { shortDuration } from '../core/duration';
import type { RecommenderModel } from '../core/recommender';
import { keptSettingsNote } from '../core/recommenderUpdate';
import { finishStepsAsync } from '../core/train';
import { renameSinceModel } from '../feedback/fileChanges';
import type { FeedbackEvent } from '../feedback/signal';
import { StoredEvents, isFileChangeIndex } from '../feedback/storedEvents';
import type { FeedbackStore } from '../feedback/store/feedbackStore';
import { openTrainingProgress, type TrainingClient, type TrainingProgressUi } from './client';
import { FailureNotices } from './failureNotices';
import { ProgressPlacement } from './progressPlacement';
import type { ConfigOverrides, EncodedEaseMemory } from './messages';
import { loadSavedModel } from './savedModel';
import { RetrainScheduler, type AbortReason, type RetrainRun } from './retrainScheduler';
import { TrainingCancelledError, tokenFromSignal } from './runner';
import { NO_GIT_IMPORT, withGitImportSteps, type GitImportEvents } from '../git/gitImport';

/** Seconds of focused time that count as one event towards an automatic retrain (the former dwell tick). */
export const DWELL_SECONDS_PER_EVENT = 5;

/**
 * A background run still going after this long moves from the status bar to the notification, for its Cancel: an
 * update takes well under a second and a full fit at a heavy year about 4 s in the worker (README, Performance), so
 * only a run far off its usual time (the in-process fallback, a machine under load) is shown there.
 */
export const BACKGROUND_NOTIFY_AFTER_MS = 10_000;

/** How long the status bar says that a run someone asked for is done. */
const CONFIRM_MS = 6000;

export type TrainingStateKind = 'idle' | 'training' | 'failed' | 'cancelled' | 'not-enough-data';

export interface TrainingState {
  state: TrainingStateKind;
  /** Plain-words description of the last outcome (shown to the user on failure). */
  message: string;
  runs: number;
  lastMode?: 'worker' | 'in-process';
  lastTrainedAt?: number;
  /** the last finished run: a full fit or an update, and why (planRetrain's words) */
  lastRetrain?: { kind: 'full' | 'update'; reason: string };
  /** where the last burst of runs last showed its progress: a notification with Cancel (asked for, or long), else the status bar */
  progressShown?: 'notification' | 'status bar';
}

/** Where trained models and dismissals go (the live ranker): all that training knows of ranking. */
export interface ModelSink {
  /** Gets ready for `model` (per-model caches, built in slices) without switching to it. */
  prepare(model: RecommenderModel): Promise<void>;
  setModel(model: RecommenderModel | undefined): void;
  /** the model in use (the blend a retrain moved from, for the log) */
  getModel(): RecommenderModel | undefined;
  setDismissed(items: Iterable<string>): void;
  dismiss(item: string): void;
  restore(item: string): void;
}

export interface ControllerOptions {
  store: FeedbackStore;
  client: TrainingClient;
  ranker: ModelSink;
  sessionGapMs(): number;
  retrainAfterEvents(): number;
  watchdogMs(): number;
  config?(): ConfigOverrides;
  log(line: string): void;
  /** Debounce of automatic retraining (quiet time after the threshold is reached). */
  debounceMs?: number;
  /** The commits imported from git (GitImportReader of the store folder), trained on with their own lower weight. */
  gitImport?(): Promise<GitImportEvents>;
  /**
   * True when another window reset the store since (the caller has then forgotten everything, this controller too):
   * asked before a trained model is saved, so a run begun before the Reset cannot bring back what it wiped.
   */
  resetElsewhere?(): Promise<boolean>;
}

export class TrainingController implements vscode.Disposable {
  readonly scheduler: RetrainScheduler;
  private st: TrainingState = { state: 'idle', message: 'No model trained yet.', runs: 0 };
  /** One progress indicator per burst of back-to-back runs (a superseded run and its follow-up show as one). */
  private progress: TrainingProgressUi | undefined;
  /** ...in the status bar for background work, in a notification with Cancel when asked for or long. */
  private readonly placement = new ProgressPlacement({
    open: (place) => {
      this.st = { ...this.st, progressShown: place };
      this.progress = openTrainingProgress(() => this.scheduler.cancel(), place === 'status bar');
    },
    close: () => {
      this.progress?.close();
      this.progress = undefined;
    },
    notifyAfterMs: BACKGROUND_NOTIFY_AFTER_MS,
  });
  private readonly failures = new FailureNotices();
  /** The model in use and its EASE memory: automatic retrains update it (core/recommenderUpdate.ts). */
  private current: { json: string; ease?: EncodedEaseMemory } | undefined;
  /** The Retrain command asked for a full fit; cleared once one finished. */
  private fullRequested = false;
  /**
   * Someone asked for a run (Retrain, a git import): when it is done, the status bar says so for a few seconds. Its
   * progress notification closes with the run, and a fit of a few hundred ms left no sign that anything happened.
   */
  private confirmRequested = false;

  constructor(private readonly opts: ControllerOptions) {
    this.scheduler = new RetrainScheduler({
      threshold: () => opts.retrainAfterEvents(),
      debounceMs: opts.debounceMs ?? 10_000,
      retrain: (run) => this.retrainNow(run),
      onError: (e) => opts.log(`automatic retrain failed: ${String(e)}`),
      onBusyChange: (busy) => this.placement.busy(busy),
      onRequest: () => this.placement.request(),
    });
  }

  get state(): Readonly<TrainingState> {
    return this.st;
  }

  /**
   * Startup: the saved model (so recommendations appear without retraining) and the remembered dismissals.
   * `events` is the store's content, read once by the caller for everything startup needs.
   */
  async load(stored: StoredEvents): Promise<void> {
    this.opts.ranker.setDismissed(await finishStepsAsync(stored.dismissedSteps()));
    // The store tries model.json, then the backup, and moves aside (and tells of) any file this version cannot use;
    // the check parses the model once, and that parse is the one used.
    let model: RecommenderModel | undefined;
    let json = '';
    try {
      const saved = await loadSavedModel(this.opts.store);
      if (saved) ({ model, json } = saved);
    } catch (err) {
      model = undefined;
      this.opts.log(`saved model ignored: ${String(err)}`);
    }
    if (model) {
      const { items, trainedAt } = model;
      this.opts.log(`loaded saved model: ${items.length} items, trained ${new Date(trainedAt * 1000).toISOString()}`);
      // Files renamed since its newest interaction keep their vectors under the new name.
      model = renameSinceModel(model, await finishStepsAsync(stored.movesSteps()));
      await this.opts.ranker.prepare(model);
    }
    this.opts.ranker.setModel(model);
    this.current = model ? { json } : undefined;
    // Data but no model (first run after an update, the model was unreadable, or the window closed between a git
    // import and its training): train in the background.
    if (!model && (stored.length > 0 || (await this.loadGitImport()).commits > 0)) {
      this.scheduler.noteEvent(this.opts.retrainAfterEvents());
    }
  }

  /** The saved git import; a damaged file is reported and left in place (training goes on without it). */
  private async loadGitImport(): Promise<GitImportEvents> {
    if (!this.opts.gitImport) return NO_GIT_IMPORT;
    try {
      return await this.opts.gitImport();
    } catch (err) {
      const message = `the saved git history could not be read and is left out of training: ${err instanceof Error ? err.message : String(err)}`;
      this.opts.log(message);
      void vscode.window.showWarningMessage(`Latent: ${message}`);
      return NO_GIT_IMPORT;
    }
  }

  /** Counts a recorded event towards automatic retraining; a dismissal (or one taken back) takes effect in the ranking at once. */
  noteEvent(e: FeedbackEvent): void {
    if (e.kind === 'dismiss') {
      if (e.amount > 0) this.opts.ranker.dismiss(e.item);
      else this.opts.ranker.restore(e.item);
    }
    // Focused time is recorded every second (so a crash loses little), but counts toward latent.retrainAfterEvents
    // as one event per DWELL_SECONDS_PER_EVENT seconds: the cadence the setting was chosen for, not a retrain
    // every minute of reading.
    this.scheduler.noteEvent(e.kind === 'dwell' ? e.amount / DWELL_SECONDS_PER_EVENT : 1);
  }

  /**
   * The Retrain command and the git import: shows progress (epoch, loss) with Cancel; resolves when done or failed
   * (never rejects). A run in progress (e.g. the scheduled one at startup) trained on older data: it is stopped and
   * this one follows it, in the same notification, never alongside it.
   */
  retrain(): Promise<void> {
    this.fullRequested = true;
    this.confirmRequested = true;
    return this.scheduler.runNow({ supersede: true });
  }

  /** Forget the model and every pending run (after the store was wiped): a running one must not save its model. */
  reset(): void {
    this.scheduler.cancel();
    this.scheduler.clear();
    this.opts.client.endIdleWorker();
    this.opts.ranker.setDismissed([]);
    this.opts.ranker.setModel(undefined);
    this.current = undefined;
    this.fullRequested = false;
    this.confirmRequested = false;
    this.st = { state: 'idle', message: 'Reset: no model yet.', runs: this.st.runs };
  }

  private async retrainNow(run: RetrainRun): Promise<void> {
    // Taken by the run that starts after the request (a run it superseded started before it, and does not confirm).
    const confirm = this.confirmRequested;
    this.confirmRequested = false;
    // Columns, not objects (storedEvents.ts): a million events read here must not become a million objects.
    const recorded = await this.opts.store.read();
    this.opts.ranker.setDismissed(await finishStepsAsync(recorded.dismissedSteps()));
    const git = await this.loadGitImport();
    const moves = await finishStepsAsync(recorded.movesSteps());
    // Commits travel as events too (one window per commit keeps each a session of its own, weight intact).
    // The store gives current names; the imported commits follow the renames recorded since (fileChanges.ts). What
    // happened to files is not activity: it stays on this side.
    const activity = await finishStepsAsync(recorded.filteredSteps((k) => !isFileChangeIndex(k)));
    const events = await finishStepsAsync(withGitImportSteps(activity, git.events, moves));
    // Sessionizing happens in the worker (it is O(n log n) over every event); here only a cheap emptiness check.
    if (!events.hasActivity()) {
      this.st = { ...this.st, state: 'not-enough-data', message: 'Not enough activity recorded yet to learn from.' };
      return;
    }
    const commits = git.commits;
    // Superseded or cancelled while reading the data: the follow-up (if any) reads it again.
    if (run.signal.aborted) return;
    this.st = {
      ...this.st,
      state: 'training',
      message: `Training on ${recorded.length} events${commits > 0 ? ` and ${commits} git commits` : ''}…`,
    };
    try {
      const again = run.attempt > 1 ? 'newer data, ' : '';
      this.progress?.say(`${again}${events.length} events, starting…`);
      // The model in use goes along: the worker updates it unless drift (or the Retrain command) calls for a full fit.
      // Its file names are the store's current ones (renames were applied to it as they happened).
      const full = this.fullRequested;
      const warm = { previous: this.current?.json, ease: this.current?.ease, full, moves };
      // The EASE memory goes to the worker (its P shared with this thread, messages.ts sharedEase), which changes it in
      // place, as the in-process fallback does: whatever the outcome, only the result's is usable afterwards.
      if (this.current) this.current = { json: this.current.json };
      const r = await this.opts.client.trainEvents(
        events,
        this.opts.sessionGapMs(),
        this.opts.config?.() ?? {},
        { token: tokenFromSignal(run.signal), watchdogMs: this.opts.watchdogMs(), onProgress: (p) => this.progress?.report(p, again) },
        warm,
      );
      // The worker's model passed the shape check (parseModelShape) and the file carries a checksum; parsing the JSON
      // again here would stall the extension host for tens of ms at 10k interactions.
      await this.opts.ranker.prepare(r.model);
      if (await this.opts.resetElsewhere?.()) return;
      await this.opts.store.saveModel(r.json);
      this.opts.ranker.setModel(r.model);
      this.current = { json: r.json, ease: r.ease };
      if (full && r.retrain?.kind === 'full') this.fullRequested = false;
      this.failures.succeeded();
      const how = r.retrain?.kind === 'update' ? 'Updated' : 'Trained';
      this.st = {
        state: 'idle',
        message: `${how} on ${r.model.stats.interactions} interactions in ${Math.round(r.elapsedMs)} ms (${r.mode}).`,
        runs: this.st.runs + 1,
        lastMode: r.mode,
        lastTrainedAt: Date.now(),
        ...(r.retrain ? { lastRetrain: r.retrain } : {}),
        ...(this.st.progressShown ? { progressShown: this.st.progressShown } : {}),
      };
      this.opts.log(`${this.st.message} ${r.retrain ? `${r.retrain.kind === 'update' ? 'An update' : 'A full fit'}: ${r.retrain.reason}.` : ''}`);
      if (confirm) {
        const n = r.model.stats.interactions.toLocaleString('en-US');
        vscode.window.setStatusBarMessage(`$(check) Latent: ${how.toLowerCase()} on ${n} interactions in ${shortDuration(r.elapsedMs)}`, CONFIRM_MS);
      }
      const kept = r.retrain?.kind === 'full' ? keptSettingsNote(r.model) : undefined;
      if (kept) this.opts.log(kept);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const cancelled = err instanceof TrainingCancelledError;
      if (cancelled && run.signal.reason === ('superseded' satisfies AbortReason)) {
        // Not the user's Cancel: a newer request stopped this stale run, and its follow-up is about to start.
        this.opts.log('training stopped: a newer request (new data) supersedes it; training again');
        return;
      }
      this.st = { ...this.st, state: cancelled ? 'cancelled' : 'failed', message, runs: this.st.runs + 1 };
      this.opts.log(`training ${cancelled ? 'cancelled' : 'failed'}: ${message}`);
      if (cancelled) return;
      if (this.failures.shouldShow(message, this.placement.current === 'notification')) void vscode.window.showWarningMessage(`Latent: ${message}`);
      else this.opts.log('(the same failure as the last background run: logged, not shown again until a run succeeds)');
    }
  }

  dispose(): void {
    this.scheduler.dispose();
    this.placement.dispose();
  }
}
