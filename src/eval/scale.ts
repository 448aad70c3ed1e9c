// How the shipped ranker's fit scales to a large workspace (issue 9: 30,000 items must train within 300 MB extra and
// 60 s): a synthetic history with `items` distinct items, fitted with the defaults; prints wall time and heap/RSS
// growth. Run: npx tsc -p . && node out/src/eval/scale.js [items] [interactions]
import { syntheticInteractions } from '../bench/synthetic';
import { fitRecommender } from '../core/recommender';

function main(): void {
  const items = Number(process.argv[2] ?? 30000);
  const interactions = Number(process.argv[3] ?? 200000);
  const data = syntheticInteractions({ interactions, items, seed: 'scale' });
  const distinct = new Set(data.map((x) => x.item)).size;
  const before = process.memoryUsage();
  let peakRss = before.rss;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const model = fitRecommender(data);
  const seconds = (performance.now() - t0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  clearInterval(timer);
  console.log(
    JSON.stringify({
      items: distinct,
      interactions: data.length,
      sessions: model.stats.sessions,
      fitSeconds: seconds,
      rssBeforeMB: Math.round(before.rss / 2 ** 20),
      rssAfterMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      // sampled every 50 ms on the event loop: the fit is synchronous, so this only sees the end; see /usr/bin/time
      neighbourEntries: model.neighbours.indices.length,
      blendCases: model.stats.blendCases,
    }),
  );
}

main();
