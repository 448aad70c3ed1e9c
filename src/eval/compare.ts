// Compares recommender settings on the TEST split of each history, with held-out synthetic histories as a
// robustness check (settings are never chosen here: tune.ts does that on validation splits).
// Run: npx tsc -p . && node out/src/eval/compare.js '{"factors":64}' '{}' -- FILE.csv...
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINES } from '../core/baselines';
import { evaluateMethod, splitProtocol } from '../core/evalProtocol';
import type { Interaction } from '../core/interaction';
import type { RecommenderConfig } from '../core/recommender';
import { latentMethod } from '../core/recommenderMethods';
import { parseSessionsCsv } from '../core/sessionsCsv';
import { syntheticHistory } from './synthetic';

/**
 * A real history of a different kind: ML-100K ratings as sessions of (user, day), items = movies. Days with more
 * than 20 ratings are bulk rating sprees (like bulk commits) and are left out to keep leave-one-out affordable.
 */
function ml100kSessions(): Interaction[] | undefined {
  const file = join(__dirname, '..', '..', '..', '..', 'shared', 'data', 'ml-100k', 'u.data');
  if (!existsSync(file)) return undefined;
  const bySession = new Map<string, Interaction[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [u, i, , ts] = line.split('\t');
    if (ts === undefined) continue;
    const session = `u${u}:d${Math.floor(Number(ts) / 86400)}`;
    const list = bySession.get(session) ?? [];
    list.push({ session, item: `movie:${i}`, time: Number(ts), weight: 1 });
    bySession.set(session, list);
  }
  return [...bySession.values()].filter((l) => l.length <= 20).flat();
}

function main(): void {
  const args = process.argv.slice(2);
  const sep = args.indexOf('--');
  const configs = (sep >= 0 ? args.slice(0, sep) : args).map((a) => JSON.parse(a) as Partial<RecommenderConfig>);
  const files = sep >= 0 ? args.slice(sep + 1) : [];
  const data: Array<{ name: string; rows: Interaction[] }> = files.map((f) => ({
    name: f.split('/').pop() as string,
    rows: parseSessionsCsv(readFileSync(f, 'utf8')),
  }));
  data.push({ name: 'synthetic-7', rows: syntheticHistory({ seed: 7 }) });
  data.push({ name: 'synthetic-8-small', rows: syntheticHistory({ seed: 8, sessions: 600, folders: 10, areas: 6 }) });
  data.push({ name: 'synthetic-9-wide', rows: syntheticHistory({ seed: 9, sessions: 3000, folders: 80, areas: 40 }) });
  const ml = ml100kSessions();
  if (ml) data.push({ name: 'ml100k-user-days', rows: ml });
  for (const d of data) {
    const sp = splitProtocol(d.rows);
    const base = BASELINES.map((m) => evaluateMethod(sp, m));
    const best = base.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
    const cols = configs.map((c) => evaluateMethod(sp, latentMethod(c)));
    console.log(
      `${d.name.padEnd(40)} cases ${String(sp.cases.length).padStart(5)}  best baseline ${best.method} ${best.ndcg10.toFixed(4)}  ` +
        cols.map((r) => `${r.ndcg10.toFixed(4)} (${(100 * (r.ndcg10 / best.ndcg10 - 1)).toFixed(1)}%, fit ${r.fitSeconds.toFixed(1)}s)`).join('  '),
    );
  }
}

main();
