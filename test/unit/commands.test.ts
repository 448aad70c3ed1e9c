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
  };
};

const declaredIds = (): string[] => pkg.contributes.commands.map((c) => c.command);

describe('commands: the ids in one place', () => {
  it('package.json contributes exactly the public commands, and the view and panel ids it activates on', () => {
    const declared = pkg.contributes.commands.map((c) => c.command).sort();
    const ours = Object.values(COMMANDS).filter((id) => id !== COMMANDS.openRecommendation).sort();
    assert.deepEqual(declared, ours);
    assert.ok(Object.values(pkg.contributes.views).flat().some((v) => v.id === VIEW_ID));
    assert.ok(pkg.activationEvents.includes(`onView:${VIEW_ID}`));
    assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${FACTORS_VIEW_TYPE}`));
  });

  it('keybindings run declared commands: "Go to Recommended..." on the chord the README names', () => {
    for (const k of pkg.contributes.keybindings) assert.ok(declaredIds().includes(k.command), `${k.command} is declared`);
    const go = pkg.contributes.keybindings.filter((k) => k.command === COMMANDS.goToRecommended);
    assert.deepEqual(go.map((k) => [k.key, k.mac]), [['ctrl+k l', 'cmd+k l']]);
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    assert.match(readme, /Ctrl\+K L/);
  });
});
