// Issue 9: the Gramian SGD trainer and the EASE item model as options of the shipped ranker.
import * as assert from 'node:assert/strict';
import { LatentInputError } from '../../../src/core/errors';
import { deserializeRecommender, fitRecommender, recommend, resolveConfig, serializeRecommender } from '../../../src/core/recommender';
import { twoAreas, UI } from './toyData';


describe('recommender options: trainer and item model', () => {
  it('validates the new settings', () => {
    assert.throws(() => resolveConfig({ trainer: 'bpr' as never }), LatentInputError);
    assert.throws(() => resolveConfig({ itemModel: 'knn' as never }), LatentInputError);
    assert.throws(() => resolveConfig({ easeLambda: 0 }), LatentInputError);
    assert.throws(() => resolveConfig({ easeMaxItems: 0 }), LatentInputError);
  });

  // the sampled trainer with its former settings (lambda 0.01, fold-in lambda 1)
  const settings = { gramian: {}, sampled: { lambda: 0.01, foldInLambda: 1 } };
  for (const trainer of ['gramian', 'sampled'] as const) {
    it(`MF alone (${trainer}) ranks the context's area first`, () => {
      const model = fitRecommender(twoAreas(), { trainer, ...settings[trainer], coocWeight: 0, priorWeight: 0, autoBlend: false, factors: 8, epochs: 40 });
      const ui = recommend(model, [{ item: UI[0], weight: 1 }], { n: 3, exclude: new Set([UI[0]]) }).map((r) => r.item);
      assert.deepEqual([...ui].sort(), UI.slice(1));
    });
  }

  it('the EASE item model keeps the nonzero weights (either sign) of the most used items and survives serialization', () => {
    const model = fitRecommender(twoAreas(), { itemModel: 'ease', easeMaxItems: 6, autoBlend: false, factors: 4, epochs: 5 });
    const nb = model.neighbours;
    let rowsWithNeighbours = 0;
    for (let i = 0; i < model.items.length; i++) if (nb.indptr[i + 1] > nb.indptr[i]) rowsWithNeighbours++;
    assert.ok(rowsWithNeighbours <= 6);
    for (const v of nb.values) assert.ok(v !== 0);
    // co-use never crosses areas in this history: B is block diagonal, the weights across are exactly 0
    for (let i = 0; i < model.items.length; i++) {
      const area = model.items[i].startsWith('file:src/');
      for (let t = nb.indptr[i]; t < nb.indptr[i + 1]; t++) assert.equal(model.items[nb.indices[t]].startsWith('file:src/'), area);
    }
    const back = deserializeRecommender(serializeRecommender(model));
    assert.equal(back.config.itemModel, 'ease');
    assert.deepEqual(Array.from(back.neighbours.indices), Array.from(nb.indices));
  });

  it('maxCellSteps bounds the epochs of a large history (never below 5), and the model records what ran', () => {
    const data = twoAreas();
    const full = fitRecommender(data, { autoBlend: false, factors: 4, epochs: 30 });
    assert.equal(full.config.epochs, 30);
    assert.equal(full.training.losses.length, 30);
    const bounded = fitRecommender(data, { autoBlend: false, factors: 4, epochs: 30, maxCellSteps: data.length * 12 });
    assert.equal(bounded.config.epochs, 12);
    assert.equal(bounded.training.losses.length, 12);
    const floor = fitRecommender(data, { autoBlend: false, factors: 4, epochs: 30, maxCellSteps: 1 });
    assert.equal(floor.config.epochs, 5);
    assert.throws(() => resolveConfig({ maxCellSteps: 0 }), LatentInputError);
  });
});
