// "Latent: Learn from Git History" and the offer to run it: the VS Code side of the cold start (trust, settings,
// cancellable progress, the one-time question and its remembered answer, the offer's context key). The work is in
// src/git/coldStart.ts.
//
// The offer shows in two places: the view's welcome content (its button, while latent.gitOffer is true) and, once,
// the question on first activation. Every route that learns (the palette, the welcome button, the question's
// "Learn from Git", latent.git.bootstrap "always") goes through run(), which withdraws the offer as soon as the
// import is saved. VS Code gives extensions no way to close a notification they showed (microsoft/vscode#134777):
// a question still open then is answered for the user, and its "Learn from Git" does not read the history twice.
import * as vscode from 'vscode';
import { STATE_KEYS } from '../commands';
import { ExclusionMatcher } from '../feedback/exclusion';
import { readSettings } from '../config/settings';
import { fileItemPrefix } from '../core/workspaceItem';
import { gitImportStamp } from './gitImport';
import {
  describeOutcome,
  hasGitHistory,
  learnFromGit,
  newestCommit,
  startupAction,
  type BootstrapAnswer,
  type LearnOutcome,
} from './coldStart';

/** What the command resolves with (the palette ignores it; tests and callers read it). */
export interface LearnResult {
  outcome: LearnOutcome;
  /** the sentence shown to the user */
  message: string;
}

export interface GitBootstrapDeps {
  context: vscode.ExtensionContext;
  folder: vscode.WorkspaceFolder;
  /** the feedback store folder (git-sessions.json is saved there, so Reset wipes it) */
  storeDir: string;
  /** trains on everything including the import (shows its own progress; never rejects) */
  retrain(): Promise<void>;
  /** a model or an import exists already: the offer on activation is not made */
  hasData(): Promise<boolean>;
  /** history was imported already (git-sessions.json in the store) */
  hasImport(): Promise<boolean>;
  /** sets the latent.gitOffer context key: true while learning from git history is offered */
  setOffer(on: boolean): Promise<void>;
  /** sets the latent.gitHistory context key: true when the folder has commits to learn from (the welcome's button) */
  setHistory(on: boolean): Promise<void>;
  log(line: string): void;
}

export interface GitBootstrap extends vscode.Disposable {
  /** The command's work: read, save, retrain, tell. Concurrent calls share the run in flight. */
  learn(): Promise<LearnResult>;
  /** First activation: run, ask or skip per latent.git.bootstrap and the remembered answer. */
  onActivation(): Promise<'run' | 'ask' | 'skip'>;
  /**
   * At startup and every half hour (workspace.ts): when history was imported and a folder's newest commit is not one
   * the import ended at (commits made or pulled since), reads it again without a notification (latent.git.bootstrap
   * "never" or latent.enabled off: not); the next automatic retrain learns it. Resolves with what the read did, or
   * undefined when nothing was read.
   */
  refreshIfBehind(): Promise<LearnResult | undefined>;
  /** Offers learning again if the store has no import (after Reset); resolves once the context key is set. */
  refreshOffer(): Promise<void>;
  /** Resolves (never rejects) once the offer's context key was first set, or could not be. */
  readonly offerKnown: Promise<void>;
}

const ASK_TEXT =
  'Latent can learn a first model from this repository\'s git history: files changed together in recent commits ' +
  'are likely to be worked on together. It reads the history locally; nothing leaves this machine.';
const BUTTONS: Record<BootstrapAnswer, string> = { learn: 'Learn from Git', 'not-now': 'Not now', never: 'Never' };

const ALREADY_LEARNED =
  'Latent: this repository\'s git history has been learned already. "Latent: Learn from Git History" reads it again, newer commits included.';

export function createGitBootstrap(deps: GitBootstrapDeps): GitBootstrap {
  let running: Promise<LearnResult> | undefined;
  // Whether history was learned in this workspace (an import is saved); the offer stands while it is false.
  let learned = false;
  const offer = async (on: boolean): Promise<void> => {
    learned = !on;
    await deps.setOffer(on);
  };
  /** The workspace's folders on this disk (where git can run), or the first folder when none is. */
  const foldersOnDisk = (): readonly vscode.WorkspaceFolder[] => {
    const onDisk = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    return onDisk.length > 0 ? onDisk : [deps.folder];
  };
  // Whether a folder has commits to learn from (any of a multi-root workspace's): one git probe each, shared by the
  // offer and the decision on activation, and none while the workspace is untrusted (no git command runs there;
  // trust only goes from not granted to granted).
  let history: Promise<boolean> | undefined;
  const hasHistory = (): Promise<boolean> => {
    if (!vscode.workspace.isTrusted) return Promise.resolve(false);
    history ??= Promise.all(foldersOnDisk().map((f) => hasGitHistory(f.uri.fsPath))).then((h) => h.some(Boolean));
    return history;
  };
  const refreshOffer = async (): Promise<void> => {
    const imported = await deps.hasImport();
    // The welcome's "Learn from Git History" only where there are commits to learn from: in a folder without any
    // (not a repository, or ignored in one) it led to a message saying so.
    if (!imported) await deps.setHistory(await hasHistory());
    // A run that finished while the store was read has already withdrawn the offer: never put it back.
    if (!learned || !imported) await offer(!imported);
  };

  /**
   * The command's run, or (`quiet`) the refresh of an import the repository has moved past: then the progress is a
   * status bar spinner, the outcome goes to the log only, and the next automatic retrain learns the new commits.
   */
  const run = async (quiet = false): Promise<LearnResult> => {
    const cfg = readSettings(deps.folder.uri);
    // Every folder on disk of a multi-root workspace, each named as the tracker names its files (the folder's name
    // first) and read with its own exclusions: the same rules as recording (latent.exclude and files.exclude), so
    // an excluded file is never imported either.
    const open = vscode.workspace.workspaceFolders?.length ?? 0;
    const folders = foldersOnDisk().map((f) => {
      const c = readSettings(f.uri);
      const matcher = new ExclusionMatcher(c.exclude, c.filesExclude);
      return { folder: f.uri.fsPath, isExcluded: (p: string) => matcher.isExcluded(p), itemPrefix: fileItemPrefix(f.name, open) };
    });
    const outcome = await vscode.window.withProgress(
      quiet
        ? { location: vscode.ProgressLocation.Window, title: 'Latent: reading new commits' }
        : { location: vscode.ProgressLocation.Notification, title: 'Latent: reading git history', cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        progress.report({ message: `up to ${cfg['git.maxCommits']} recent commits…` });
        return learnFromGit({
          ...folders[0],
          more: folders.slice(1),
          trusted: vscode.workspace.isTrusted,
          maxCommits: cfg['git.maxCommits'],
          signal: ac.signal,
          storeDir: deps.storeDir,
        }).finally(() => sub.dispose());
      },
    );
    const message = describeOutcome(outcome);
    deps.log(`learn from git${quiet ? ' (new commits since the import)' : ''}: ${message}`);
    if (quiet) return { outcome, message };
    if (outcome.kind === 'learned') {
      // The import is saved: the offer goes at once, by whichever route this run came, and the one-time question
      // counts as answered (before the retrain, which may take a while).
      await offer(false);
      await deps.context.workspaceState.update(STATE_KEYS.gitBootstrapAnswer, 'learn');
      await deps.retrain();
      void vscode.window.showInformationMessage(`Latent: ${message}`);
    } else if (outcome.kind === 'failed') {
      void vscode.window.showWarningMessage(`Latent: ${message}`);
    } else {
      void vscode.window.showInformationMessage(`Latent: ${message}`);
    }
    return { outcome, message };
  };

  const learn = (): Promise<LearnResult> => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };

  // An import the repository has moved past (commits made or pulled since): read again, quietly.
  const refreshIfBehind = async (): Promise<LearnResult | undefined> => {
    const s = readSettings();
    if (!vscode.workspace.isTrusted || !s.enabled || s.gitBootstrap === 'never') return undefined;
    const stamp = await gitImportStamp(deps.storeDir);
    if (stamp === undefined) return undefined;
    const newest = await Promise.all(foldersOnDisk().map((f) => newestCommit(f.uri.fsPath)));
    // A folder's newest commit the import did not end at (a file from before heads were kept: one newer than it).
    const { heads, importedAt } = stamp;
    const moved = newest.some((c) => c !== undefined && (heads ? !heads.includes(c.hash) : c.seconds * 1000 > importedAt));
    if (!moved) return undefined;
    running ??= run(true).finally(() => {
      running = undefined;
    });
    return running;
  };

  const ask = async (): Promise<void> => {
    const picked = await vscode.window.showInformationMessage(`Latent: ${ASK_TEXT}`, BUTTONS.learn, BUTTONS['not-now'], BUTTONS.never);
    const answer = (Object.keys(BUTTONS) as BootstrapAnswer[]).find((k) => BUTTONS[k] === picked);
    // Closing the notification is no answer: the offer comes back next time. Any button is remembered.
    if (!answer) return;
    // Learned meanwhile by another route (the notification could not be withdrawn): the answer is moot.
    if (learned) {
      if (answer === 'learn') void vscode.window.showInformationMessage(ALREADY_LEARNED);
      return;
    }
    await deps.context.workspaceState.update(STATE_KEYS.gitBootstrapAnswer, answer);
    if (answer === 'learn') await learn();
  };

  // Decided once per window; only a check that trust held back is made again (when trust is granted).
  let decided: Promise<'run' | 'ask' | 'skip'> | undefined;
  let heldBackByTrust = false;
  const onActivation = (): Promise<'run' | 'ask' | 'skip'> => {
    decided ??= decide();
    return decided;
  };
  const decide = async (): Promise<'run' | 'ask' | 'skip'> => {
    const { gitBootstrap: setting, enabled } = readSettings();
    // Latent turned off (latent.enabled): no question and no import on its own; the command still learns when asked.
    if (setting === 'never' || !enabled) {
      if (!enabled) deps.log('git bootstrap on activation: skip (latent.enabled is off)');
      return 'skip';
    }
    const stored = deps.context.workspaceState.get<unknown>(STATE_KEYS.gitBootstrapAnswer);
    const answer = stored === 'learn' || stored === 'not-now' || stored === 'never' ? stored : undefined;
    const action = startupAction({
      setting,
      answer,
      trusted: vscode.workspace.isTrusted,
      hasData: await deps.hasData(),
      hasHistory: await hasHistory(),
    });
    heldBackByTrust = !vscode.workspace.isTrusted;
    deps.log(`git bootstrap on activation: ${action} (setting ${setting}, answer ${answer ?? 'none'}, trusted ${!heldBackByTrust})`);
    if (action === 'run') void learn();
    if (action === 'ask') void ask();
    return action;
  };

  const subs = [
    // Trust granted later: the offer that trust held back can be made now.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void refreshOffer().catch((err: unknown) => deps.log(`could not check for a git history import: ${String(err)}`));
      if (!heldBackByTrust) return;
      heldBackByTrust = false;
      decided = decide();
    }),
  ];
  const offerKnown = refreshOffer().catch((err: unknown) => deps.log(`could not check for a git history import: ${String(err)}`));
  return {
    learn,
    onActivation,
    refreshIfBehind,
    refreshOffer,
    offerKnown,
    dispose: () => {
      for (const s of subs) s.dispose();
    },
  };
}
