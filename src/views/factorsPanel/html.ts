// The panel's HTML shell. Static except for the CSP source, two resource URIs and the nonce: everything the
// model says is added later by the script with textContent, never as markup.

export interface PanelHtmlInput {
  /** webview.cspSource */
  cspSource: string;
  /** Fresh per page load (see makeNonce); the only script allowed to run carries it. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** Escapes a value for a double-quoted attribute or text. The inputs come from VS Code, but cheap to be sure. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * default-src 'none' shuts everything off; styles and fonts only from the extension's own resources, scripts
 * only with this load's nonce. No 'unsafe-inline' for styles: the page sets no style attributes (computed
 * colours go through CSSOM custom properties, which CSP does not govern).
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function renderPanelHtml(p: PanelHtmlInput): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(p.nonce)) throw new Error('nonce must be base64 of at least 12 random bytes');
  const a = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(p.styleUri)}">
<title>Inside the model</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading" role="status">Loading the model...</p></main>
<script nonce="${a(p.nonce)}" src="${a(p.scriptUri)}"></script>
</body>
</html>`;
}
