// Every command, view and context key Latent declares, in one place (package.json's contributes must agree: a unit
// test checks it). No vscode here, so the ids can be read by tests and by any module without pulling in the API.

export const COMMANDS = {
  retrain: 'latent.retrain',
  reset: 'latent.reset',
  showFactors: 'latent.showFactors',
  pause: 'latent.pause',
  resume: 'latent.resume',
  learnFromGit: 'latent.learnFromGit',
  notInterested: 'latent.notInterested',
  whyThis: 'latent.whyThis',
  goToRecommended: 'latent.goToRecommended',
  restoreDismissed: 'latent.restoreDismissed',
  showRecordedData: 'latent.showRecordedData',
  /** a recommended file's context menu, as the Explorer's */
  openToSide: 'latent.openToSide',
  revealInExplorer: 'latent.revealInExplorer',
  copyPath: 'latent.copyPath',
  copyRelativePath: 'latent.copyRelativePath',
  /** the tree item's click: internal, not in the palette nor in package.json */
  openRecommendation: 'latent.openRecommendation',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

export const VIEW_ID = 'latent.recommendations';
export const FACTORS_VIEW_TYPE = 'latent.factors';

/** `setContext` keys that package.json's `when` clauses read. */
export const CONTEXT_KEYS = {
  paused: 'latent.paused',
  /** true while "Learn from Git History" is offered: a folder is open and nothing was learned from its history yet */
  gitOffer: 'latent.gitOffer',
  /**
   * true once whether learning from git history is offered is known (at once without a folder): the welcome content
   * waits for it, or a new user would see the no-offer text for a second before the offer replaced it
   */
  offerKnown: 'latent.offerKnown',
  /** true when the folder has commits to learn from (set with gitOffer): the welcome shows "Learn from Git History" */
  gitHistory: 'latent.gitHistory',
  /** true once there is a model to rank by (trained from use or git history): the welcome no longer says nothing was learned */
  learned: 'latent.learned',
  /** 'all', 'some' or 'none' of the kinds suggested (latent.recommendKinds): the welcome says why nothing shows */
  kindsShown: 'latent.kindsShown',
} as const;

export type ContextKey = (typeof CONTEXT_KEYS)[keyof typeof CONTEXT_KEYS];

/** workspaceState keys. */
export const STATE_KEYS = {
  paused: 'latent.paused',
  /** the answer to the one-time "learn from git history?" question */
  gitBootstrapAnswer: 'latent.git.bootstrapAnswer',
} as const;
