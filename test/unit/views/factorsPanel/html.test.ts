import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, escapeHtml, renderPanelHtml } from '../../../../src/views/factorsPanel/html';

describe('factorsPanelHtml', () => {
  const input = {
    cspSource: 'https://*.vscode-cdn.net',
    nonce: 'abcdefghijklmnopqrstuvwx',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/webview/main.css',
  };

  it('locks the page down: default-src none, scripts only by nonce, no inline styles', () => {
    const csp = contentSecurityPolicy(input.cspSource, input.nonce);
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-abcdefghijklmnopqrstuvwx'$/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\s|\*;/);
    const html = renderPanelHtml(input);
    assert.ok(html.includes(`content="${csp.replace(/'/g, '&#39;')}"`));
    // Exactly one script, carrying the nonce, loading the bundle.
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.ok(html.includes(`<script nonce="${input.nonce}" src="${input.scriptUri}"></script>`));
    assert.doesNotMatch(html, /style=/);
    // The page is not one live region (every step would re-read it all); it says it is loading until drawn.
    assert.doesNotMatch(html, /aria-live/);
    assert.match(html, /<main id="app" aria-busy="true"><p class="loading" role="status">/);
  });

  it('refuses a weak nonce and escapes what it interpolates', () => {
    assert.throws(() => renderPanelHtml({ ...input, nonce: 'short' }), /nonce/);
    assert.throws(() => renderPanelHtml({ ...input, nonce: '"><script>alert(1)</script>xxxxxxxx' }), /nonce/);
    assert.equal(escapeHtml(`<img src=x onerror="alert('1')">&`), '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
    const html = renderPanelHtml({ ...input, scriptUri: 'x"><script>alert(1)</script>' });
    assert.equal(html.match(/<script/g)?.length, 1);
  });
});
