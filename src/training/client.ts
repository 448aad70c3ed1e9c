// The extension-side face of training: a TrainingRunner plus VS Code progress UI (epoch, loss, Cancel).
import * as vscode from 'vscode';
import type { Interaction, RecommenderModel } from '../core/recommender';
import type { FeedbackEvent } from '../feedback/signal';
import type { ConfigOverrides } from './messages';
import {
  tokenFromSignal,
  TrainingRunner,
  type CancelToken,
  type RunOptions,
  type RunnerOptions,
  type TrainingProgress,
  type TrainingResult,
} from './runner';

export interface TrainOptions {
  onProgress?(p: TrainingProgress): void;
  token?: CancelToken;
}

export class TrainingClient implements vscode.Disposable {
  private readonly runner: TrainingRunner;
  private last: TrainingResult | undefined;

  constructor(opts: RunnerOptions) {
    this.runner = new TrainingRunner(opts);
  }

  get busy(): boolean {
    return this.runner.busy;
  }

  /** The last successful run (model, serialized form, worker or in-process). */
  get lastResult(): TrainingResult | undefined {
    return this.last;
  }

  /** Contract entry point (docs/CONTRACTS.md): trains off the event loop and resolves with the model. */
  async train(interactions: readonly Interaction[], config: ConfigOverrides, opts: TrainOptions = {}): Promise<RecommenderModel> {
    return (await this.trainResult(interactions, config, opts)).model;
  }

  async trainResult(interactions: readonly Interaction[], config: ConfigOverrides, opts: TrainOptions = {}): Promise<TrainingResult> {
    const result = await this.runner.run(interactions, config, opts);
    this.last = result;
    return result;
  }

  /** From raw feedback events (sessionized in the worker), no UI: the caller shows progress (TrainingProgressUi). */
  async trainEvents(events: readonly FeedbackEvent[], gapMs: number, config: ConfigOverrides, opts: RunOptions = {}): Promise<TrainingResult> {
    const result = await this.runner.runEvents(events, gapMs, config, opts);
    this.last = result;
    return result;
  }

  /** Same as trainResult, with a cancellable notification showing epoch and loss. */
  async trainWithProgress(interactions: readonly Interaction[], config: ConfigOverrides, watchdogMs?: number): Promise<TrainingResult> {
    const abort = new AbortController();
    const ui = openTrainingProgress(() => abort.abort());
    ui.say(`${interactions.length} interactions, starting…`);
    try {
      return await this.trainResult(interactions, config, {
        token: tokenFromSignal(abort.signal),
        ...(watchdogMs !== undefined ? { watchdogMs } : {}),
        onProgress: (p) => ui.report(p),
      });
    } finally {
      ui.close();
    }
  }

  /** Kills the running worker as a crash would (test API: proves a dead worker is survived). */
  terminateWorker(): Promise<void> {
    return this.runner.terminateCurrent();
  }

  dispose(): void {
    void this.runner.terminateCurrent();
  }
}

/** One progress notification, possibly spanning several runs (a superseded run and its follow-up). */
export interface TrainingProgressUi {
  /** epoch and loss; the bar only moves forward, so a follow-up run fills it from where the last one left it */
  report(p: TrainingProgress, prefix?: string): void;
  say(message: string): void;
  close(): void;
}

/** Opens the cancellable "Latent: training recommendations" notification; Cancel calls onCancel. */
export function openTrainingProgress(onCancel: () => void): TrainingProgressUi {
  type Step = { message?: string; increment?: number };
  let target: vscode.Progress<Step> | undefined;
  let pending: Step | undefined;
  let reported = 0;
  let close: () => void = () => undefined;
  const closed = new Promise<void>((r) => (close = r));
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Latent: training recommendations', cancellable: true },
    async (progress, token) => {
      target = progress;
      if (pending) progress.report(pending);
      const sub = token.onCancellationRequested(onCancel);
      try {
        await closed;
      } finally {
        sub.dispose();
      }
    },
  );
  // Until VS Code hands over the progress object, keep the newest message and the increments so far.
  const send = (step: Step): void => {
    if (target) target.report(step);
    else pending = { message: step.message ?? pending?.message, increment: (pending?.increment ?? 0) + (step.increment ?? 0) };
  };
  return {
    report: (p, prefix = '') => {
      // withProgress increments are cumulative percentages.
      const pct = Math.min(100, (100 * p.epoch) / Math.max(1, p.epochs));
      const increment = Math.max(0, pct - reported);
      reported = Math.max(reported, pct);
      send({ message: `${prefix}epoch ${p.epoch}/${p.epochs}, loss ${formatLoss(p.loss)}`, increment });
    },
    say: (message) => send({ message }),
    close,
  };
}

function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  return loss >= 100 ? loss.toFixed(1) : loss.toPrecision(4);
}
