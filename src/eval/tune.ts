// Tunes the shipped ranker on validation splits carved from the TRAINING part of each history only:
// the training sessions are split again by the same protocol (first 80% fit, last 20% validate), so the test
// sessions never influence a setting. Coordinate search; prints every trial and the best settings.
// Candidates it finds are then checked on the test splits and held-out synthetic histories with compare.ts.
// Run: npx tsc -p . && node out/src/eval/tune.js FILE.csv... [--synthetic]
import { readFileSync } from 'node:fs';
import { BASELINES } from '../core/baselines';
import { evaluateMethod, splitProtocol, type ProtocolSplit } from '../core/evalProtocol';
import { DEFAULT_RECOMMENDER_CONFIG, type RecommenderConfig } from '../core/recommender';
import { latentMethod } from '../core/recommenderMethods';
import { parseSessionsCsv } from '../core/sessionsCsv';
import { syntheticHistory } from './synthetic';

interface Target {
  name: string;
  validation: ProtocolSplit;
  bestBaseline: number;
}

function targets(files: string[], synthetic: boolean): Target[] {
  const data = files.map((f) => ({ name: f.split('/').pop() as string, rows: parseSessionsCsv(readFileSync(f, 'utf8')) }));
  if (synthetic) data.push({ name: 'synthetic', rows: syntheticHistory() });
  return data.map(({ name, rows }) => {
    const validation = splitProtocol(splitProtocol(rows).trainInteractions);
    const bestBaseline = Math.max(...BASELINES.map((m) => evaluateMethod(validation, m).ndcg10));
    return { name, validation, bestBaseline };
  });
}

/** Mean ratio of the ranker's validation NDCG@10 to the best baseline's: > 1 means it wins on average. */
function objective(ts: Target[], cfg: Partial<RecommenderConfig>): { score: number; per: number[] } {
  const per = ts.map((t) => evaluateMethod(t.validation, latentMethod(cfg)).ndcg10 / t.bestBaseline);
  return { score: per.reduce((a, b) => a + b, 0) / per.length, per };
}

// The blend is fixed (DEFAULT_RECOMMENDER_CONFIG) and EASE's ridge chosen per workspace; this tunes the MF model itself.
const GRID: Partial<Record<keyof RecommenderConfig, number[]>> = {
  factors: [16, 32, 64],
  alpha: [1, 5, 10, 40],
  negatives: [1, 2, 4, 8],
  lambda: [0.001, 0.01, 0.05],
  epochs: [10, 20, 30, 50],
  learningRate: [0.01, 0.03, 0.05, 0.1],
  halfLifeDays: [30, 90, 180, 730],
  foldInLambda: [0.1, 1, 10],
};

function main(): void {
  const args = process.argv.slice(2);
  const ts = targets(
    args.filter((a) => !a.startsWith('--')),
    args.includes('--synthetic'),
  );
  for (const t of ts) console.log(`${t.name}: ${t.validation.cases.length} validation cases, best baseline NDCG@10 ${t.bestBaseline.toFixed(4)}`);
  let best: Partial<RecommenderConfig> = {};
  let bestScore = objective(ts, best);
  console.log('start', bestScore.score.toFixed(4), bestScore.per.map((x) => x.toFixed(3)).join(' '));
  for (let round = 0; round < 2; round++) {
    let improved = false;
    for (const [key, values] of Object.entries(GRID) as Array<[keyof RecommenderConfig, number[]]>) {
      for (const v of values) {
        if ((best[key] ?? DEFAULT_RECOMMENDER_CONFIG[key]) === v) continue;
        const cand = { ...best, [key]: v };
        const r = objective(ts, cand);
        // Pareto rule: a change must help on every history. A mean-ratio rule chased the noise of chalk's 88
        // validation cases (factors 64, lambda 0.001, ... raised the mean 1.24 -> 1.30 on validation, and then lost
        // 7.7% on chalk's test split).
        const mark = r.per.every((x, i) => x > bestScore.per[i] + 1e-4) ? ' *' : '';
        console.log(`${key}=${v}`.padEnd(24), r.score.toFixed(4), r.per.map((x) => x.toFixed(3)).join(' '), mark);
        if (mark) {
          best = cand;
          bestScore = r;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  console.log('best', JSON.stringify(best), bestScore.score.toFixed(4), bestScore.per.map((x) => x.toFixed(3)).join(' '));
}

main();
