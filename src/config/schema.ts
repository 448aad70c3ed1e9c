// Every `latent.*` setting: its default and the range package.json declares, and the one rule that turns whatever
// the user wrote into a usable value (a number outside the range is clamped to it, anything unusable is the
// default). No vscode here: the settings reader (settings.ts) and a test against package.json both use it.
import type { ItemKind } from '../core/itemKey';

export interface NumberSetting {
  readonly default: number;
  readonly minimum: number;
  readonly maximum: number;
  /** rounded to a whole number (after clamping) */
  readonly integer?: boolean;
  /** a tuning knob for tests, not declared in package.json */
  readonly hidden?: boolean;
}

export const NUMBER_SETTINGS = {
  sessionGapMinutes: { default: 30, minimum: 1, maximum: 1440 },
  idleSeconds: { default: 60, minimum: 5, maximum: 3600 },
  halfLifeDays: { default: 180, minimum: 0.5, maximum: 3650 },
  retrainAfterEvents: { default: 50, minimum: 1, maximum: 100_000, integer: true },
  trainingWatchdogSeconds: { default: 60, minimum: 5, maximum: 3600 },
  maxRecommendations: { default: 10, minimum: 1, maximum: 100, integer: true },
  factors: { default: 32, minimum: 1, maximum: 128, integer: true },
  // A first model from the newest N commits, chosen on the commit histories' training parts (docs/quality-notes.md,
  // twenty-second pass): the shipped ranker's NDCG@10 on the cases after them rises with N, prettier 0.422 / 0.466 /
  // 0.488 / 0.502 / 0.504 at 500 / 1,000 / 2,000 / 3,000 / 5,000, vscode-pull-request-github 0.403 / 0.436 / 0.451 /
  // 0.447 (every one of its 2,986); the bench times the import at 3,000 (hostStallMaxMs.gitImport).
  'git.maxCommits': { default: 3000, minimum: 1, maximum: 100_000, integer: true },
  deletedFileRetentionDays: { default: 30, minimum: 0, maximum: 3650 },
  editCoalesceSeconds: { default: 30, minimum: 0, maximum: 3600, hidden: true },
  // Dwell is recorded every tick; a crash (kill -9) loses at most one tick plus the store's flush delay (250 ms).
  // 0.75 s: a tick plus the store's 250 ms flush delay is at most the 1 s a kill -9 may lose (issue 11)
  dwellTickSeconds: { default: 0.75, minimum: 0.5, maximum: 300, hidden: true },
  extensionPollSeconds: { default: 30, minimum: 1, maximum: 3600, hidden: true },
} as const satisfies Record<string, NumberSetting>;

export type NumberSettingName = keyof typeof NUMBER_SETTINGS;

export const BOOLEAN_SETTINGS = { enabled: true, autoRetrain: true } as const;
export type BooleanSettingName = keyof typeof BOOLEAN_SETTINGS;

export const GIT_BOOTSTRAP_VALUES = ['ask', 'always', 'never'] as const;
/** `latent.recommendKinds`: the setting's words for the item kinds (core/itemKey.ts), all of them by default. */
export const RECOMMEND_KINDS = { files: 'file', snippets: 'snippet', extensions: 'extension' } as const satisfies Record<string, ItemKind>;
export type RecommendKindName = keyof typeof RECOMMEND_KINDS;
export type GitBootstrapSetting = (typeof GIT_BOOTSTRAP_VALUES)[number];

/** The value to use for a number setting, whatever was written: clamped into range, the default when unusable. */
export function numberSetting(name: NumberSettingName, raw: unknown): number {
  const s: NumberSetting = NUMBER_SETTINGS[name];
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return s.default;
  const clamped = Math.min(s.maximum, Math.max(s.minimum, raw));
  return s.integer ? Math.min(s.maximum, Math.max(s.minimum, Math.round(clamped))) : clamped;
}

export function booleanSetting(name: BooleanSettingName, raw: unknown): boolean {
  return typeof raw === 'boolean' ? raw : BOOLEAN_SETTINGS[name];
}

export function gitBootstrapSetting(raw: unknown): GitBootstrapSetting {
  return GIT_BOOTSTRAP_VALUES.find((v) => v === raw) ?? 'ask';
}

/** The kinds `latent.recommendKinds` names (unknown words dropped); every kind when the setting is not a list. */
export function recommendKindsSetting(raw: unknown): ReadonlySet<ItemKind> {
  const names = Object.keys(RECOMMEND_KINDS) as RecommendKindName[];
  const picked = Array.isArray(raw) ? names.filter((n) => raw.includes(n)) : names;
  return new Set(picked.map((n) => RECOMMEND_KINDS[n]));
}

/** How many of the kinds `latent.recommendKinds` lets Latent suggest (the view's welcome tells why it is empty). */
export function recommendKindsScope(kinds: ReadonlySet<ItemKind>): 'all' | 'some' | 'none' {
  return kinds.size === 0 ? 'none' : kinds.size < Object.keys(RECOMMEND_KINDS).length ? 'some' : 'all';
}

/** The user's patterns, blanks dropped; the defaults when the setting is not a list. */
export function patternListSetting(raw: unknown, fallback: readonly string[]): readonly string[] {
  return Array.isArray(raw) ? raw.filter((p): p is string => typeof p === 'string' && p.trim() !== '') : fallback;
}

/** Default of `latent.exclude` (package.json repeats it; a unit test keeps the two equal). */
export const DEFAULT_EXCLUDE: readonly string[] = [
  '**/.env*',
  '**/*.env',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/*.crt',
  '**/*.cer',
  '**/*.der',
  '**/*.jks',
  '**/*.keystore',
  '**/*.kdbx',
  '**/id_rsa*',
  '**/id_dsa*',
  '**/id_ecdsa*',
  '**/id_ed25519*',
  '**/.ssh/**',
  '**/.aws/**',
  '**/.gnupg/**',
  '**/.netrc',
  '**/.npmrc',
  '**/.pypirc',
  '**/.htpasswd',
  '**/credentials*',
  '**/*secret*',
  '**/.git/**',
  '**/node_modules/**',
];

/** `files.exclude` shape: `true` excludes; `{ when: ... }` sibling conditions are not evaluated (kept recorded). */
export type FilesExclude = Record<string, boolean | { when: string } | null | undefined>;

/**
 * Default of `latent.neverRecommend` (package.json repeats it; a unit test keeps the two equal): files that change in
 * many commits (a dependency bump rewrites the lockfile) but that nobody opens next: lockfiles, minified and
 * generated bundles, build output. They still count as context; they are just never suggested.
 */
export const DEFAULT_NEVER_RECOMMEND: readonly string[] = [
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lockb',
  '**/Cargo.lock',
  '**/Gemfile.lock',
  '**/poetry.lock',
  '**/Pipfile.lock',
  '**/composer.lock',
  '**/go.sum',
  '**/*.min.js',
  '**/*.min.css',
  '**/*.map',
  '**/dist/**',
  '**/out/**',
  '**/build/**',
  '**/coverage/**',
];
