import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS, FACTORS_VIEW_TYPE, VIEW_ID } from '../../src/commands';

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    keybindings: { command: string; key: string; mac?: string }[];
    walkthroughs: { id: string; steps: { id: string; description: string; media: { markdown?: string }; completionEvents: string[] }[] }[];
  };
};

const ROOT = path.resolve(__dirname, '../../..');

const declaredIds = (): string[] => pkg.contributes.commands.map((c) => c.command);

describe('commands: the ids in one place', () => {
  it('package.json contributes exactly the public commands, the view (VS Code activates on it: no onView event to list) and the panel it activates on', () => {
    const declared = pkg.contributes.commands.map((c) => c.command).sort();
    const ours = Object.values(COMMANDS).filter((id) => id !== COMMANDS.openRecommendation).sort();
    assert.deepEqual(declared, ours);
    assert.ok(Object.values(pkg.contributes.views).flat().some((v) => v.id === VIEW_ID));
    // VS Code 1.74+ derives onView from contributes.views, and its manifest check flags a listed one as redundant.
    assert.ok(!pkg.activationEvents.some((e) => e.startsWith('onView:')));
    assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${FACTORS_VIEW_TYPE}`));
  });

  it('keybindings run declared commands: "Go to Recommended..." on the chord the README names', () => {
    for (const k of pkg.contributes.keybindings) assert.ok(declaredIds().includes(k.command), `${k.command} is declared`);
    const go = pkg.contributes.keybindings.filter((k) => k.command === COMMANDS.goToRecommended);
    assert.deepEqual(go.map((k) => [k.key, k.mac]), [['ctrl+k l', 'cmd+k l']]);
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    assert.match(readme, /Ctrl\+K L/);
  });

  it('the walkthrough links and waits on real commands and views, and its pages ship in the package', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    // VS Code's own commands the steps use: the view's generated focus command and the settings editor.
    const builtIn = [`${VIEW_ID}.focus`, 'workbench.action.openSettings'];
    const steps = pkg.contributes.walkthroughs.flatMap((w) => w.steps);
    assert.ok(steps.length >= 3);
    for (const s of steps) {
      const links = [...s.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
      assert.ok(links.length > 0, `${s.id} has a button`);
      for (const c of links) assert.ok(declaredIds().includes(c) || builtIn.includes(c), `${s.id}: ${c}`);
      for (const e of s.completionEvents) {
        const [kind, arg] = e.split(':');
        if (kind === 'onCommand') assert.ok(declaredIds().includes(arg), `${s.id}: ${e}`);
        else if (kind === 'onView') assert.equal(arg, VIEW_ID);
        else assert.equal(kind, 'onSettingChanged', `${s.id}: ${e}`);
      }
      const page = s.media.markdown;
      assert.ok(page && fs.existsSync(path.join(ROOT, page)), `${s.id}: ${page}`);
      assert.match(page, /^media\/walkthrough\/[\w-]+\.md$/);
    }
    assert.match(ignore, /^!media\/walkthrough\/\*\.md$/m, 'the pages are packaged');
  });
});
