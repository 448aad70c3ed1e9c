// Reads the `latent.*` settings (and `files.exclude`) in one place, with the rules of schema.ts, so the tracker,
// the trainer, the panel and the git import never disagree about a value.
import * as vscode from 'vscode';
import type { ItemKind } from '../core/itemKey';
import {
  booleanSetting,
  gitBootstrapSetting,
  numberSetting,
  patternListSetting,
  recommendKindsSetting,
  DEFAULT_EXCLUDE,
  DEFAULT_NEVER_RECOMMEND,
  NUMBER_SETTINGS,
  type FilesExclude,
  type GitBootstrapSetting,
  type NumberSettingName,
} from './schema';

export type Settings = { readonly [K in NumberSettingName]: number } & {
  readonly enabled: boolean;
  readonly autoRetrain: boolean;
  readonly exclude: readonly string[];
  readonly neverRecommend: readonly string[];
  /** `latent.recommendKinds`: the kinds suggested */
  readonly recommendKinds: ReadonlySet<ItemKind>;
  readonly filesExclude: FilesExclude;
  readonly gitBootstrap: GitBootstrapSetting;
};

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('latent', scope);
  const filesExclude = vscode.workspace.getConfiguration('files', scope).get<unknown>('exclude');
  const numbers = Object.fromEntries(
    (Object.keys(NUMBER_SETTINGS) as NumberSettingName[]).map((name) => [name, numberSetting(name, c.get<unknown>(name))]),
  ) as { [K in NumberSettingName]: number };
  return {
    ...numbers,
    enabled: booleanSetting('enabled', c.get<unknown>('enabled')),
    autoRetrain: booleanSetting('autoRetrain', c.get<unknown>('autoRetrain')),
    exclude: patternListSetting(c.get<unknown>('exclude'), DEFAULT_EXCLUDE),
    neverRecommend: patternListSetting(c.get<unknown>('neverRecommend'), DEFAULT_NEVER_RECOMMEND),
    recommendKinds: recommendKindsSetting(c.get<unknown>('recommendKinds')),
    filesExclude: typeof filesExclude === 'object' && filesExclude !== null ? (filesExclude as FilesExclude) : {},
    gitBootstrap: gitBootstrapSetting(c.get<unknown>('git.bootstrap')),
  };
}
