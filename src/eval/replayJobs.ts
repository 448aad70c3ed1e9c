// `cli eval --protocol replay` with its methods spread over processes. Methods share nothing during a replay (each
// sees the same sessions in the same order and keeps its own model), so replaying them side by side gives the same
// figures as one process, in the time of the slowest share instead of the sum: on 2 cores, prettier's replay of all
// eight methods. Each share is this same CLI run with `--methods <share> --jobs 1 --json`.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatentInputError } from '../core/errors';
import type { Interaction } from '../core/interaction';
import type { ReplayReport } from '../core/replay';
import { validateInteraction } from '../core/trainingData';

/**
 * A history the parent has already built (a git import: seconds on a large repository) handed to its shares as a
 * file, so that each share reads it instead of importing again. `--history-json FILE` reads it back.
 */
export function shareHistory(rows: readonly Interaction[]): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'latent-replay-'));
  const file = join(dir, 'history.json');
  writeFileSync(file, JSON.stringify(rows));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The history shareHistory wrote, checked as any history is. */
export function readSharedHistory(file: string): Interaction[] {
  let rows: unknown;
  try {
    rows = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LatentInputError(`shared history ${file} could not be read: ${(e as Error).message}`);
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new LatentInputError(`shared history ${file} holds no interactions`);
  (rows as Interaction[]).forEach(validateInteraction);
  return rows as Interaction[];
}

/** Shares in the order to start them: the slowest first (measured on prettier), the counting baselines together. */
export function replayShares(methods: readonly string[]): string[][] {
  const alone = ['ials', 'ease', 'latent', 'mf'];
  const shares = alone.filter((m) => methods.includes(m)).map((m) => [m]);
  const rest = methods.filter((m) => !alone.includes(m));
  return rest.length > 0 ? [...shares, rest] : shares;
}

function runShare(script: string, argv: readonly string[], share: readonly string[], running: Set<ChildProcess>): Promise<ReplayReport> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [script, ...argv, '--methods', share.join(','), '--jobs', '1', '--json'],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        running.delete(child);
        if (err) {
          reject(new Error(`the replay of ${share.join(', ')} failed: ${stderr.trim() || err.message}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as ReplayReport);
        } catch {
          reject(new Error(`the replay of ${share.join(', ')} printed no report: ${stdout.slice(0, 200)}`));
        }
      },
    );
    running.add(child);
  });
}

/**
 * Runs `shares` with at most `jobs` at once (`script argv` is this CLI's eval command without --methods, --jobs and
 * --json) and merges their reports, methods in `order`.
 */
export async function replayInProcesses(script: string, argv: readonly string[], shares: readonly string[][], jobs: number, order: readonly string[]): Promise<ReplayReport> {
  const reports: ReplayReport[] = new Array<ReplayReport>(shares.length);
  const running = new Set<ChildProcess>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < shares.length) {
      const s = next++;
      reports[s] = await runShare(script, argv, shares[s], running);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, shares.length) }, worker));
  } catch (e) {
    // One share failed: the report cannot be whole, so the others stop too (and no new one starts).
    next = shares.length;
    for (const c of running) c.kill();
    throw e;
  }
  const methods = reports.flatMap((r) => r.methods);
  methods.sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
  return { dataset: reports[0].dataset, methods };
}
