// The extension-side face of training: a TrainingRunner plus VS Code progress UI (epoch, loss, Cancel).
import * as vscode from 'vscode';
import type { FeedbackEvent } from '../feedback/signal';
import type { StoredEvents } from '../feedback/storedEvents';
import type { ConfigOverrides } from './messages';
import {
  TrainingRunner,
  type RunOptions,
  type RunnerOptions,
  type TrainingProgress,
  type TrainingResult,
  type WarmStart,
} from './runner';

export class TrainingClient implements vscode.Disposable {
  private readonly runner: TrainingRunner;

  constructor(opts: RunnerOptions) {
    this.runner = new TrainingRunner(opts);
  }

  /** From raw feedback events (sessionized in the worker), no UI: the caller shows progress (TrainingProgressUi). */
  trainEvents(events: readonly FeedbackEvent[] | StoredEvents, gapMs: number, config: ConfigOverrides, opts: RunOptions = {}, warm: WarmStart = {}): Promise<TrainingResult> {
    return this.runner.runEvents(events, gapMs, config, opts, warm);
  }

  /** Kills the running worker as a crash would (test API: proves a dead worker is survived). */
  terminateWorker(): Promise<void> {
    return this.runner.terminateCurrent();
  }

  /** True while a thread that finished a retrain waits for the next (test API: Reset must end it). */
  get threadKept(): boolean {
    return this.runner.hasIdleWorker;
  }

  /** Ends the thread kept for the next retrain (Reset: nothing of the last one stays in its memory). */
  endIdleWorker(): void {
    void this.runner.endIdle();
  }

  dispose(): void {
    void this.runner.dispose();
  }
}

/** One progress indicator, possibly spanning several runs (a superseded run and its follow-up). */
export interface TrainingProgressUi {
  /** epoch and loss; the bar only moves forward, so a follow-up run fills it from where the last one left it */
  report(p: TrainingProgress, prefix?: string): void;
  say(message: string): void;
  close(): void;
}

/**
 * Opens the cancellable "Latent: training recommendations" notification (Cancel calls onCancel), or with `quiet` the
 * same progress in the status bar, where VS Code offers no Cancel.
 */
export function openTrainingProgress(onCancel: () => void, quiet = false): TrainingProgressUi {
  type Step = { message?: string; increment?: number };
  let target: vscode.Progress<Step> | undefined;
  let pending: Step | undefined;
  let reported = 0;
  let close: () => void = () => undefined;
  const closed = new Promise<void>((r) => (close = r));
  void vscode.window.withProgress(
    { location: quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title: 'Latent: training recommendations', cancellable: !quiet },
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
