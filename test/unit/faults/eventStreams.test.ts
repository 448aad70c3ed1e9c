// Fault injection for the path from a recorded event to a recommendation: seeded random event streams with absurd
// values mixed in (NaN, Infinity, 1e39, negative amounts, far-future and zero times, keys that leave the workspace,
// unknown kinds). What the recorder's check refuses must be refused with a typed error; what it accepts must train
// and rank without an untyped crash or a non-finite score. Prints the counts.
import * as assert from 'node:assert/strict';
import { LatentInputError } from '../../../src/core/errors';
import { isConfinedPath, parseItemKey } from '../../../src/core/itemKey';
import { makeRng } from '../../../src/core/random';
import { fitRecommender, recommend } from '../../../src/core/recommender';
import { sessionize } from '../../../src/feedback/sessions';
import { checkEvent, MAX_AMOUNT, type FeedbackEvent } from '../../../src/feedback/signal';
import { inThePast } from '../../../src/training/job';
import { asColumns, asInteractions } from '../../../src/core/interaction';

const STREAMS = Number(process.env.LATENT_FUZZ_STREAMS ?? 200);
const NOW = Date.UTC(2026, 11, 1);

function randomStream(rng: () => number): unknown[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const files = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'test/a.test.ts', 'README.md', 'web/<img src=x>.ts', 'ünï/ß.ts'];
  const badItems = ['file:../../../../etc/passwd', 'file:/etc/passwd', 'file:', 'a.ts', 'file:a\\..\\b', 'folder:x', ''];
  const badAmounts = [Number.NaN, Number.POSITIVE_INFINITY, 1e39, -1, MAX_AMOUNT * 2];
  const badTimes = [Number.NaN, -5, Date.UTC(2100, 0, 1), Number.POSITIVE_INFINITY];
  const out: unknown[] = [];
  const n = 20 + Math.floor(rng() * 80);
  let t = NOW - 30 * 86_400_000;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rng() * 3_600_000);
    const e: Record<string, unknown> = {
      t,
      item: `file:${pick(files)}`,
      kind: pick(['open', 'dwell', 'edit', 'snippet', 'extension', 'dismiss']),
      amount: 1 + Math.floor(rng() * 60),
    };
    const r = rng();
    if (r < 0.05) e.amount = pick(badAmounts);
    else if (r < 0.1) e.t = pick(badTimes);
    else if (r < 0.15) e.item = pick(badItems);
    else if (r < 0.17) e.kind = 'look';
    else if (r < 0.18) out.push(null);
    out.push(e);
  }
  return out;
}

describe('fault injection: random event streams, from recording to ranking', function () {
  this.timeout(120_000);

  it(`${STREAMS} seeded streams: bad events refused with a typed error, the rest train and rank to finite scores`, () => {
    const rng = makeRng('issue-11-streams');
    const totals = { streams: 0, events: 0, refused: 0, trained: 0, tooLittle: 0, recommendations: 0 };
    for (let s = 0; s < STREAMS; s++) {
      const accepted: FeedbackEvent[] = [];
      for (const raw of randomStream(rng)) {
        totals.events++;
        try {
          checkEvent(raw as FeedbackEvent);
          accepted.push(raw as FeedbackEvent);
        } catch (err) {
          assert.ok(err instanceof LatentInputError, `untyped error for ${JSON.stringify(raw)}: ${String(err)}`);
          totals.refused++;
        }
      }
      for (const e of accepted) {
        assert.ok(Number.isFinite(e.t) && Number.isFinite(e.amount) && e.amount <= MAX_AMOUNT);
        const key = parseItemKey(e.item);
        assert.ok(key.kind !== 'file' || isConfinedPath(key.name), e.item);
      }
      const data = asInteractions(inThePast(asColumns(sessionize(accepted, 30 * 60_000)), NOW));
      totals.streams++;
      if (data.length === 0) {
        totals.tooLittle++;
        continue;
      }
      const model = fitRecommender(data, { factors: 4, epochs: 3, seed: s });
      totals.trained++;
      assert.ok(model.trainedAt <= NOW / 1000, 'no age is measured from a future time');
      for (const v of model.mf.itemFactors) assert.ok(Number.isFinite(v), 'finite factors');
      const recs = recommend(model, data.slice(0, 2).map((x) => ({ item: x.item, weight: x.weight })), { n: 5 });
      for (const r of recs) assert.ok(Number.isFinite(r.score), `finite score for ${r.item}`);
      totals.recommendations += recs.length;
    }
    console.log(
      `      streams fuzzed: ${totals.streams}, events ${totals.events} (${totals.refused} refused with a typed error), ` +
        `${totals.trained} trained, ${totals.tooLittle} with nothing to train on, ${totals.recommendations} recommendations, all finite`,
    );
    assert.equal(totals.streams, STREAMS);
    assert.ok(totals.refused > 0 && totals.trained > STREAMS / 2);
  });
});
