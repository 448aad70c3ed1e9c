import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BOOLEAN_SETTINGS,
  DEFAULT_NEVER_RECOMMEND,
  gitBootstrapSetting,
  GIT_BOOTSTRAP_VALUES,
  NUMBER_SETTINGS,
  numberSetting,
  patternListSetting,
  RECOMMEND_KINDS,
  recommendKindsScope,
  recommendKindsSetting,
  type NumberSetting,
  type NumberSettingName,
} from '../../../src/config/schema';

interface DeclaredSetting {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  items?: { enum?: unknown[] };
  order?: number;
}
const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, DeclaredSetting> } };
};
const declared = pkg.contributes.configuration.properties;

describe('config/schema: the one set of setting rules', () => {
  it('agrees with package.json on every default and range, and declares no setting it does not know', () => {
    const names = Object.keys(NUMBER_SETTINGS) as NumberSettingName[];
    for (const name of names) {
      const s: NumberSetting = NUMBER_SETTINGS[name];
      const d = declared[`latent.${name}`];
      if (s.hidden) {
        assert.equal(d, undefined, `${name} is hidden but declared`);
        continue;
      }
      assert.ok(d, `latent.${name} is declared`);
      // Whole-number settings are declared as integers, so the Settings editor flags 32.5 instead of rounding it silently.
      assert.deepEqual([d.type, d.default, d.minimum, d.maximum], [s.integer ? 'integer' : 'number', s.default, s.minimum, s.maximum], name);
    }
    for (const [name, def] of Object.entries(BOOLEAN_SETTINGS)) assert.deepEqual([declared[`latent.${name}`]?.type, declared[`latent.${name}`]?.default], ['boolean', def]);
    assert.deepEqual(declared['latent.git.bootstrap']?.enum, [...GIT_BOOTSTRAP_VALUES]);
    const kinds = Object.keys(RECOMMEND_KINDS);
    assert.deepEqual([declared['latent.recommendKinds']?.items?.enum, declared['latent.recommendKinds']?.default], [kinds, kinds]);
    const known = new Set([...names.map((n) => `latent.${n}`), ...Object.keys(BOOLEAN_SETTINGS).map((n) => `latent.${n}`), 'latent.git.bootstrap', 'latent.exclude', 'latent.neverRecommend', 'latent.recommendKinds']);
    assert.deepEqual(declared['latent.neverRecommend']?.default, [...DEFAULT_NEVER_RECOMMEND]);
    assert.deepEqual(Object.keys(declared).filter((k) => !known.has(k)), []);
  });

  it('lists the settings in the Settings editor by what a user looks for first, not alphabetically', () => {
    const ordered = Object.entries(declared).sort((a, b) => (a[1].order ?? Infinity) - (b[1].order ?? Infinity)).map(([k]) => k);
    assert.ok(Object.values(declared).every((d) => Number.isInteger(d.order)), 'every setting has an order');
    assert.equal(new Set(Object.values(declared).map((d) => d.order)).size, ordered.length, 'no two share one');
    // On or off, then what is kept out and what is shown; the model's own knobs last.
    assert.deepEqual(ordered.slice(0, 3), ['latent.enabled', 'latent.exclude', 'latent.neverRecommend']);
    assert.deepEqual(ordered.slice(-2), ['latent.factors', 'latent.trainingWatchdogSeconds']);
  });

  it('reads the kinds to recommend: the ones named, every kind when the setting is not a list', () => {
    assert.deepEqual([...recommendKindsSetting(['files'])], ['file']);
    assert.deepEqual([...recommendKindsSetting(['extensions', 'bogus', 'snippets'])].sort(), ['extension', 'snippet']);
    assert.deepEqual([...recommendKindsSetting([])], []);
    assert.deepEqual([...recommendKindsSetting('files')].sort(), ['extension', 'file', 'snippet']);
    assert.deepEqual([...recommendKindsSetting(undefined)].sort(), ['extension', 'file', 'snippet']);
  });

  it('says whether all, some or none of the kinds are suggested, for the welcome that tells why the view is empty', () => {
    assert.equal(recommendKindsScope(recommendKindsSetting(undefined)), 'all');
    assert.equal(recommendKindsScope(recommendKindsSetting(['files', 'snippets', 'extensions', 'files'])), 'all');
    assert.equal(recommendKindsScope(recommendKindsSetting(['snippets'])), 'some');
    assert.equal(recommendKindsScope(recommendKindsSetting(['bogus'])), 'none');
    assert.equal(recommendKindsScope(recommendKindsSetting([])), 'none');
  });

  it('clamps numbers into range, rounds whole-number settings, and falls back to the default on junk', () => {
    assert.equal(numberSetting('factors', 1e9), 128);
    assert.equal(numberSetting('factors', 0.3), 1);
    assert.equal(numberSetting('factors', 12.6), 13);
    assert.equal(numberSetting('factors', Number.NaN), 32);
    assert.equal(numberSetting('factors', '16'), 32);
    assert.equal(numberSetting('sessionGapMinutes', 1e12), 1440);
    assert.equal(numberSetting('halfLifeDays', 0.7), 0.7);
    assert.equal(numberSetting('halfLifeDays', -3), 0.5);
    assert.equal(gitBootstrapSetting('always'), 'always');
    assert.equal(gitBootstrapSetting('sometimes'), 'ask');
    assert.deepEqual(patternListSetting(['a', ' ', 3, 'b'], ['x']), ['a', 'b']);
    assert.deepEqual(patternListSetting('a', ['x']), ['x']);
  });
});
