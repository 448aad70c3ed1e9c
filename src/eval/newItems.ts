// How useful is the prior for files with no history? On each history's test split: for every test item never seen in
// training whose session also has known items, rank it (as a new candidate scored from its folder/extension
// neighbours) among all training items, with the session's known items as context. A new item without the prior
// could only be placed at random: expected HR@10 = 10 / candidates.
// Run: npx tsc -p . && node out/src/eval/newItems.js FILE.csv...
import { readFileSync } from 'node:fs';
import { splitProtocol } from '../core/evalProtocol';
import { fitRecommender, scoreItems } from '../core/recommender';
import { parseSessionsCsv } from '../core/sessionsCsv';

function main(): void {
  for (const file of process.argv.slice(2)) {
    const sp = splitProtocol(parseSessionsCsv(readFileSync(file, 'utf8')));
    const model = fitRecommender(sp.trainInteractions);
    const known = new Set(model.items);
    let cases = 0;
    let noPrior = 0;
    let hit = 0;
    let ndcg = 0;
    let randomHit = 0;
    for (const s of sp.test) {
      const ctx = s.items.filter((it) => known.has(it));
      const fresh = s.items.filter((it) => !known.has(it));
      if (ctx.length === 0) continue;
      for (const target of fresh) {
        const r = scoreItems(model, ctx.map((item) => ({ item, weight: 1 })), { candidates: [target], exclude: new Set(ctx) });
        cases++;
        const t = r.keys.indexOf(target);
        let candidates = 0;
        for (let i = 0; i < r.score.length; i++) if (r.candidate[i]) candidates++;
        randomHit += Math.min(1, 10 / candidates);
        if (t < 0) {
          noPrior++; // no folder/extension neighbour: cannot be ranked
          continue;
        }
        let rank = 0;
        for (let i = 0; i < r.score.length; i++) {
          if (i !== t && r.candidate[i] && (r.score[i] > r.score[t] || (r.score[i] === r.score[t] && i < t))) rank++;
        }
        if (rank < 10) {
          hit++;
          ndcg += 1 / Math.log2(rank + 2);
        }
      }
    }
    console.log(
      `${file.split('/').pop()}: ${cases} new-item cases (${noPrior} without any neighbour), ` +
        `HR@10 ${(hit / cases).toFixed(4)}, NDCG@10 ${(ndcg / cases).toFixed(4)}; random placement HR@10 ${(randomHit / cases).toFixed(4)}`,
    );
  }
}

main();
