// The extension-side face of training: a TrainingRunner plus VS Code progress UI (epoch, loss, Cancel).
import * as vscode from 'vscode';
import type { Interaction, RecommenderModel } from '../core/recommender';
import type { FeedbackEvent } from '../feedback/signal';
import type { ConfigOverrides } from './messages';
import {
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

  /** Same, with a cancellable notification showing epoch and loss. */
  trainWithProgress(interactions: readonly Interaction[], config: ConfigOverrides, watchdogMs?: number): Promise<TrainingResult> {
    return this.withProgress(`${interactions.length} interactions`, watchdogMs, (opts) => this.runner.run(interactions, config, opts));
  }

  /** From raw feedback events (sessionized in the worker), with the same progress notification. */
  trainEventsWithProgress(
    events: readonly FeedbackEvent[],
    gapMs: number,
    config: ConfigOverrides,
    watchdogMs?: number,
  ): Promise<TrainingResult> {
    return this.withProgress(`${events.length} events`, watchdogMs, (opts) => this.runner.runEvents(events, gapMs, config, opts));
  }

  private withProgress(
    what: string,
    watchdogMs: number | undefined,
    start: (opts: RunOptions) => Promise<TrainingResult>,
  ): Promise<TrainingResult> {
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Latent: training recommendations', cancellable: true },
        async (progress, token) => {
          progress.report({ message: `${what}, starting…` });
          let reported = 0;
          const result = await start({
            token,
            ...(watchdogMs !== undefined ? { watchdogMs } : {}),
            onProgress: (p) => {
              // withProgress increments are cumulative percentages.
              const pct = Math.min(100, (100 * p.epoch) / Math.max(1, p.epochs));
              progress.report({ message: `epoch ${p.epoch}/${p.epochs}, loss ${formatLoss(p.loss)}`, increment: pct - reported });
              reported = pct;
            },
          });
          this.last = result;
          return result;
        },
      ),
    );
  }

  /** Kills the running worker as a crash would (test API: proves a dead worker is survived). */
  terminateWorker(): Promise<void> {
    return this.runner.terminateCurrent();
  }

  dispose(): void {
    void this.runner.terminateCurrent();
  }
}

function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  return loss >= 100 ? loss.toFixed(1) : loss.toPrecision(4);
}
