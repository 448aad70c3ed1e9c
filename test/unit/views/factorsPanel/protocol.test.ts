import * as assert from 'node:assert/strict';
import { ProtocolError } from '../../../../src/core/check';
import { MAX_STRING, parseHostMessage, parseWebviewMessage } from '../../../../src/views/factorsPanel/protocol';
import { buildPanelState } from '../../../../src/views/factorsPanel/state';

describe('webviewProtocol', () => {
  it('accepts the three webview messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'open', item: 'file:a.ts' }), { type: 'open', item: 'file:a.ts' });
    assert.deepEqual(parseWebviewMessage({ type: 'why', item: 'file:a.ts' }), { type: 'why', item: 'file:a.ts' });
  });

  it('rejects anything else with a ProtocolError naming the field', () => {
    const bad: unknown[] = [
      null,
      'ready',
      [],
      { type: 'run', command: 'rm' },
      { type: 'open' },
      { type: 'open', item: 42 },
      { type: 'open', item: '' },
      { type: 'open', item: 'x'.repeat(MAX_STRING + 1) },
      { type: 'open', item: 'file:a.ts', uri: 'file:///etc/passwd' },
      { type: 'ready', extra: 1 },
    ];
    for (const m of bad) assert.throws(() => parseWebviewMessage(m), ProtocolError, JSON.stringify(m)?.slice(0, 80));
    assert.throws(() => parseWebviewMessage({ type: 'open', item: 1 }), /message\.item: expected a string, got number/);
  });

  it('checks the whole state on the webview side', () => {
    const st = buildPanelState({ model: undefined, context: [] });
    assert.deepEqual(parseHostMessage({ type: 'state', state: st }).type, 'state');
    const broken = JSON.parse(JSON.stringify(st)) as { toy: { update: { steps: { prediction: unknown }[] } } };
    broken.toy.update.steps[0].prediction = 'NaN';
    assert.throws(() => parseHostMessage({ type: 'state', state: broken }), /message\.state\.toy\.update\.steps\[0\]\.prediction/);
    assert.throws(() => parseHostMessage({ type: 'state', state: { ...st, v: 2 } }), ProtocolError);
    assert.throws(() => parseHostMessage({ type: 'eval', code: 'alert(1)' }), ProtocolError);
  });
});
