// `npm start [folder]`: builds Latent, makes sure code-server is installed (first run: into .cache/), starts a real
// VS Code (code-server 1.100.3) with Latent installed on the folder (default: sample-workspace/), prints the URL
// to open in a browser, and runs until Ctrl-C. User data (including what Latent learned) persists in
// .cache/start/ between runs; `Latent: Reset All Data` clears Latent's part. Set PORT to choose the port
// (default 8080, or a free one). code-server listens on 127.0.0.1 only, without a password.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, appendFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DependencyError, ensureDeps, ensureNodeModules } from './ensure-deps.mjs';
import { CACHE, ROOT } from './lib/env.mjs';

const folder = resolve(process.argv[2] ?? join(ROOT, 'sample-workspace'));
if (!existsSync(folder) || !statSync(folder).isDirectory()) {
  process.stderr.write(`npm start: ${folder} is not a folder\n`);
  process.exit(2);
}

try {
  ensureNodeModules();
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed (see above)');
  ensureDeps({ browser: false }); // you bring the browser
} catch (e) {
  process.stderr.write(`npm start: ${e instanceof DependencyError ? e.message : e.message ?? e}\n`);
  process.exit(1);
}

const { startServer, freePort } = await (await import('./lib/harness.mjs')).loadHarness();
const home = join(CACHE, 'start');
mkdirSync(home, { recursive: true });
const logFile = join(home, 'code-server.log');
const wanted = Number(process.env.PORT ?? 8080);
const port = (await portIsFree(wanted)) ? wanted : await freePort();

const server = await startServer({
  workspace: folder,
  installExtensions: [ROOT],
  userDataDir: join(home, 'user-data'),
  extensionsDir: join(home, 'extensions'),
  port,
  onOutput: (t) => appendFileSync(logFile, t),
  settings: { 'workbench.startupEditor': 'readme' },
});

process.stdout.write(`
  Latent is running in VS Code (code-server) on ${folder}

    Open:  ${server.workbenchUrl()}

  Click the Latent icon in the activity bar. After changing the code, run \`npm run build\` and reload the page.
  Log: ${logFile}
  Ctrl-C stops it.
`);

function portIsFree(p) {
  return import('node:net').then(
    (net) => new Promise((res) => {
      const srv = net.createServer();
      srv.once('error', () => res(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => res(true)));
    }),
  );
}

const code = await server.exited;
process.stderr.write(`code-server stopped (exit ${code}); see ${logFile}\n`);
process.exit(code ?? 1);
