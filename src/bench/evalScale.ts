// scale.eval26k (issue 10): `cli eval` of the shipped ranker and the baselines on a 26,000-file synthetic history
// (200,000 interactions), run as its own process so that its wall time and peak resident memory are its own.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from './hostStall';
import { syntheticInteractions } from './synthetic';

export interface Eval26kFigures {
  wallMs: number;
  /** peak resident memory of the eval process (VmHWM on Linux, else maxRSS) */
  peakMB: number;
}

export const EVAL26K_METHODS = 'popularity,mru,frecency,cooccurrence,latent';

/** The history of README's figure: file paths as a workspace has them, whole seconds. */
export function eval26kCsv(): string {
  const lines = ['session_id,item,timestamp'];
  for (const x of syntheticInteractions({ interactions: 200_000, items: 26_000, seed: 'eval26k' })) {
    lines.push(`${x.session},src/${x.item.replace(/[^A-Za-z0-9_./-]/g, '_')}.ts,${Math.round(x.time)}`);
  }
  return lines.join('\n') + '\n';
}

/** Preloaded into the child: prints `peakKB N` to stderr as it exits. */
const PEAK_PROBE = `process.on('exit', () => {
  let kb = process.resourceUsage().maxRSS;
  try {
    const m = /VmHWM:\\s*(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
    if (m) kb = Number(m[1]);
  } catch {}
  process.stderr.write('\\npeakKB ' + kb + '\\n');
});
`;

/** Runs `node <cli> eval` on that history; `cli` is the bundled dist/cli.js. */
export function measureEval26k(cli: string): Eval26kFigures {
  const scratch = scratchDir();
  try {
    const csv = path.join(scratch.root, 'h26k.csv');
    fs.writeFileSync(csv, eval26kCsv());
    // The child reports its own peak resident memory as it exits: VmHWM where /proc has it (Linux), else maxRSS. Not
    // maxRSS on Linux: it survives exec, so a child forked from a large parent (this bench) reports the parent's size.
    const probe = path.join(scratch.root, 'peak.js');
    fs.writeFileSync(probe, PEAK_PROBE);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['-r', probe, cli, 'eval', '--sessions', csv, '--methods', EVAL26K_METHODS, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const wallMs = performance.now() - t0;
    const rss = /peakKB (\d+)/.exec(r.stderr ?? '');
    if (r.status !== 0 || !rss) throw new Error(`eval26k: cli eval failed (status ${r.status}): ${(r.stderr ?? '').slice(-500)}`);
    return { wallMs, peakMB: Number(rss[1]) / 1024 };
  } finally {
    scratch.remove();
  }
}
