// EASE kept live (easeLive.ts): sessions added or taken back by Sherman-Morrison, and items bordered in, give the P a
// fresh solve gives; the stored table built from P keeps each row's largest weights, ties by item index.
import { strict as assert } from 'node:assert';
import { easeWeight, fitEaseInverseSteps, invertSpd } from '../../../src/core/ease';
import { easeGramWeights } from '../../../src/core/easeSessionWeights';
import { easeAddItems, easeAddSession, easeAddSessionsSteps, easeLiveOf, easeNeighboursSteps, easeSwapInNewItems, easeSwapItem } from '../../../src/core/easeLive';
import { makeRng } from '../../../src/core/random';
import { makeEaseLiveWasmKernel, sharedKernelMemory } from '../../../src/core/sgdKernel';
import { finishSteps } from '../../../src/core/train';
import { bitsEqual, withWebAssembly } from './helpers';

function randomSessions(n: number, nItems: number, seed: string): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => {
    const s = new Set<number>();
    const size = 2 + Math.floor(rng() * 4);
    while (s.size < size) s.add(Math.floor(rng() * nItems));
    return [...s];
  });
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let t = 0; t < a.length; t++) d = Math.max(d, Math.abs(a[t] - b[t]));
  return d;
}

/** P of the live state reordered to the fresh solve's item order. */
function inOrder(live: ReturnType<typeof easeLiveOf>, kept: Int32Array): Float64Array {
  const m = kept.length;
  const out = new Float64Array(m * m);
  const n = live.kept.length;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) out[a * m + b] = live.P[(live.position.get(kept[a]) as number) * n + (live.position.get(kept[b]) as number)];
  }
  return out;
}

describe('EASE kept live (Sherman-Morrison)', () => {
  const nItems = 12;
  const sessions = randomSessions(60, nItems, 'ease-live');

  it('adding sessions one by one gives the P of a solve on all of them', () => {
    const live = easeLiveOf(finishSteps(fitEaseInverseSteps(sessions.slice(0, 40), nItems, 5, nItems)));
    for (const s of sessions.slice(40)) easeAddSession(live, s, 1);
    const fresh = finishSteps(fitEaseInverseSteps(sessions, nItems, 5, nItems));
    // every item is used in the first 40 sessions, so both keep all of them
    assert.equal(live.kept.length, fresh.kept.length);
    assert.ok(maxAbsDiff(inOrder(live, fresh.kept), fresh.P) < 1e-12);
  });

  it('sessions weighted by recency: P counts each its weight, and one added live counts what the newest does (both paths)', () => {
    // A fit on the first 40 with weights w, then 20 sessions added live at the newest's weight: the solve on all 60
    // with those same weights (the older ones' decay waits for the next full fit).
    const w = easeGramWeights(40, 10);
    assert.ok(w[39] > 1 && w[0] < w[39] / 8 && Math.abs(w.reduce((a, b) => a + b, 0) - 40) < 1e-9, 'newest heaviest, mean 1');
    const start = finishSteps(fitEaseInverseSteps(sessions.slice(0, 40), nItems, 5, nItems, { gram: w }));
    assert.equal(start.sessionWeight, w[39]);
    const all = Float64Array.from([...w, ...new Array<number>(20).fill(w[39])]);
    const fresh = finishSteps(fitEaseInverseSteps(sessions, nItems, 5, nItems, { gram: all }));
    const unweighted = finishSteps(fitEaseInverseSteps(sessions, nItems, 5, nItems));
    for (const wasm of [true, false]) {
      const live = easeLiveOf({ ...start, P: start.P.slice() });
      const go = (): void => void finishSteps(easeAddSessionsSteps(live, sessions.slice(40).map((items) => ({ items, sign: 1 as const }))));
      if (wasm) go();
      else withWebAssembly(undefined, go);
      assert.ok(maxAbsDiff(inOrder(live, fresh.kept), fresh.P) < 1e-12, `wasm=${wasm}`);
      assert.ok(maxAbsDiff(inOrder(live, unweighted.kept), unweighted.P) > 1e-6, `wasm=${wasm}: the weights matter`);
    }
    // Taken back at the same weight, a session added live leaves no trace.
    const live = easeLiveOf({ ...start, P: start.P.slice() });
    easeAddSession(live, sessions[50], 1);
    easeAddSession(live, sessions[50], -1);
    assert.ok(maxAbsDiff(live.P, start.P) < 1e-12);
  });

  it('a run of changes in WebAssembly leaves P bit-identical to easeAddSession one by one, without it too (m odd and even)', () => {
    for (const m of [11, 12]) {
      const changes = [
        ...sessions.slice(40).map((items) => ({ items, sign: 1 as const })),
        { items: sessions[45], sign: -1 as const },
        { items: [0, 0, 3, 99], sign: 1 as const }, // a repeated item counts once; 99 is not kept
        { items: [99], sign: 1 as const }, // nothing kept: no change
      ];
      const start = finishSteps(fitEaseInverseSteps(sessions.slice(0, 40), nItems, 5, m));
      const one = easeLiveOf({ ...start, P: start.P.slice() });
      for (const c of changes) easeAddSession(one, c.items, c.sign);
      const run = easeLiveOf({ ...start, P: start.P.slice() });
      finishSteps(easeAddSessionsSteps(run, changes));
      assert.ok(bitsEqual(run.P, one.P), `m=${m}: WebAssembly`);
      assert.ok(!bitsEqual(run.P, start.P), `m=${m}: P moved`);
      const js = easeLiveOf({ ...start, P: start.P.slice() });
      withWebAssembly(undefined, () => finishSteps(easeAddSessionsSteps(js, changes)));
      assert.ok(bitsEqual(js.P, one.P), `m=${m}: JS`);
    }
  });

  it('in a shared kernel memory (the worker\'s P) the run works on P where it lies, to the same bits as on a copy', () => {
    const changes = sessions.slice(40).map((items) => ({ items, sign: 1 as const }));
    const start = finishSteps(fitEaseInverseSteps(sessions.slice(0, 40), nItems, 5, 12));
    const m = start.kept.length;
    const copy = easeLiveOf({ ...start, P: start.P.slice() });
    const copyKernel = finishSteps(easeAddSessionsSteps(copy, changes));
    assert.ok(copyKernel && !copyKernel.inPlace);
    const home = sharedKernelMemory(m);
    assert.ok(home);
    const P = new Float64Array(home.memory.buffer, 0, m * m);
    P.set(start.P);
    const shared = easeLiveOf({ ...start, P });
    const kernel = finishSteps(easeAddSessionsSteps(shared, changes));
    assert.ok(kernel?.inPlace && kernel.P.buffer === P.buffer && kernel.P.byteOffset === 0, 'the kernel over P itself');
    assert.equal(shared.P, P);
    assert.ok(bitsEqual(P, copy.P));
    // The table from the kernel that worked in place, as from the JS pass.
    const viaKernel = finishSteps(easeNeighboursSteps(shared, nItems, 4, undefined, kernel));
    const viaJs = finishSteps(easeNeighboursSteps(copy, nItems, 4));
    assert.deepEqual(viaKernel, viaJs);
  });

  it('a change that would leave P indefinite is refused, and the changes before it stay applied (both paths)', () => {
    const start = finishSteps(fitEaseInverseSteps(sessions.slice(0, 40), nItems, 5, nItems));
    const one = easeLiveOf({ ...start, P: start.P.slice() });
    easeAddSession(one, sessions[50], 1);
    for (const wasm of [true, false]) {
      const live = easeLiveOf({ ...start, P: start.P.slice() });
      // taking back a session twice that was never added: 1 - x'Px falls to 0 or below on the second
      const bad = [{ items: sessions[50], sign: 1 as const }, ...Array.from({ length: 40 }, () => ({ items: [0, 1, 2, 3, 4, 5], sign: -1 as const }))];
      const go = (): void => void finishSteps(easeAddSessionsSteps(live, bad));
      assert.throws(() => (wasm ? go() : withWebAssembly(undefined, go)), /not positive definite/);
      assert.ok(!bitsEqual(live.P, start.P), `wasm=${wasm}: the first change stays`);
      // exactly the changes before the refused one, as easeAddSession one by one leaves them (in WebAssembly some
      // were still pending in a batch when the refusal came)
      const seq = easeLiveOf({ ...start, P: start.P.slice() });
      assert.throws(() => bad.forEach((c) => easeAddSession(seq, c.items, c.sign)), /not positive definite/);
      assert.ok(bitsEqual(live.P, seq.P), `wasm=${wasm}: the changes before the refused one`);
    }
  });

  it('taking a session back and adding it with more items is a session that went on', () => {
    const live = easeLiveOf(finishSteps(fitEaseInverseSteps(sessions.slice(0, 41), nItems, 5, nItems)));
    const longer = [...new Set([...sessions[40], 0, 1])];
    easeAddSession(live, sessions[40], -1);
    easeAddSession(live, longer, 1);
    const fresh = finishSteps(fitEaseInverseSteps([...sessions.slice(0, 40), longer], nItems, 5, nItems));
    assert.ok(maxAbsDiff(inOrder(live, fresh.kept), fresh.P) < 1e-12);
  });

  it('at the cap, a new item takes a kept slot: P is the inverse over the new kept set, as a solve on it gives', () => {
    const lambda = 5;
    const live = easeLiveOf(finishSteps(fitEaseInverseSteps(sessions, nItems, lambda, 8)));
    const victim = live.kept[3];
    const newcomer = nItems; // a 13th item, no session yet
    easeSwapItem(live, victim, newcomer);
    const later = [[newcomer, live.kept[0], live.kept[1]], [newcomer, victim, live.kept[2]], [live.kept[0], live.kept[5]]];
    for (const s of later) easeAddSession(live, s, 1);
    // The solve: G over exactly the kept items (the victim gone) from every session, lambda on the diagonal.
    const kept = Int32Array.from(live.kept);
    const m = kept.length;
    const at = new Map(Array.from(kept, (item, p) => [item, p] as const));
    const G = new Float64Array(m * m);
    for (const s of [...sessions, ...later]) {
      const rows = s.filter((i) => at.has(i)).map((i) => at.get(i) as number);
      for (const a of rows) for (const b of rows) G[a * m + b] += 1;
    }
    for (let a = 0; a < m; a++) G[a * m + a] += lambda;
    assert.ok(maxAbsDiff(inOrder(live, kept), invertSpd(G, m)) < 1e-10);
    assert.ok(!live.position.has(victim));
    assert.throws(() => easeSwapItem(live, victim, 99), /not kept/);
  });

  it('new items replace the kept items with the fewest votes, only while they have more', () => {
    const live = easeLiveOf(finishSteps(fitEaseInverseSteps(sessions, nItems, 5, 4)));
    const votes = new Float64Array(nItems + 3);
    live.kept.forEach((item, p) => (votes[item] = 10 + p)); // kept[0] has the fewest
    votes[nItems] = 11.5; // beats kept[0] (10) and kept[1] (11)
    votes[nItems + 1] = 20; // beats everything
    votes[nItems + 2] = 1; // beats nothing
    const [k0, k1, k2] = live.kept;
    assert.equal(easeSwapInNewItems(live, [nItems, nItems + 1, nItems + 2], votes, 10), 2);
    // The strongest newcomer takes the weakest slot, the next the next: 20 > 10, 11.5 > 11; 1 < 12 stops.
    assert.ok(live.position.has(nItems + 1) && live.position.has(nItems) && !live.position.has(nItems + 2));
    assert.ok(!live.position.has(k0) && !live.position.has(k1) && live.position.has(k2));
    assert.equal(live.kept.length, 4);
  });

  it('a new item is bordered in while under the cap, and learns from the sessions that follow', () => {
    const live = easeLiveOf(finishSteps(fitEaseInverseSteps(sessions, nItems, 5, nItems)));
    assert.equal(easeAddItems(live, [nItems, nItems + 1], nItems + 1), 1, 'one slot left under the cap');
    const more = [[nItems, 0, 3], [nItems, 3]];
    for (const s of more) easeAddSession(live, s, 1);
    const fresh = finishSteps(fitEaseInverseSteps([...sessions, ...more], nItems + 2, 5, nItems + 1));
    assert.ok(maxAbsDiff(inOrder(live, fresh.kept), fresh.P) < 1e-12);
    assert.equal(live.position.has(nItems + 1), false);
  });

  it('grows P in place in the buffer it is in (a worker keeps one buffer for P), to the same values as in a new array', () => {
    const inv = finishSteps(fitEaseInverseSteps(sessions, nItems, 5, nItems));
    const m = inv.kept.length;
    const apart = easeLiveOf({ ...inv, P: inv.P.slice() });
    // P at the start of a buffer with room for more, its tail dirty (a P of an earlier, larger model).
    const buffer = new ArrayBuffer(8 * (m + 3) ** 2);
    new Float64Array(buffer).fill(7);
    const inPlace = easeLiveOf({ ...inv, P: new Float64Array(buffer, 0, m * m) });
    inPlace.P.set(inv.P);
    assert.equal(easeAddItems(apart, [nItems, nItems + 1, nItems + 2], nItems + 3), 3);
    assert.equal(easeAddItems(inPlace, [nItems, nItems + 1, nItems + 2], nItems + 3, (length) => new Float64Array(buffer, 0, length)), 3);
    assert.equal(inPlace.P.buffer, buffer);
    assert.deepEqual(Array.from(inPlace.P), Array.from(apart.P));
    assert.throws(() => easeAddItems(easeLiveOf({ ...inv, P: new Float64Array(buffer, 8, m * m) }), [nItems], nItems + 1, (length) => new Float64Array(buffer, 0, length)), /must start where it starts/);
  });

  it('the table keeps each row largest weights by size, ties by item index, as a full sort would', () => {
    const inv = finishSteps(fitEaseInverseSteps(sessions, nItems, 5, nItems));
    const m = inv.kept.length;
    const kept = Array.from(inv.kept);
    for (const keep of [0, 3, 5, 20]) {
      const table = finishSteps(easeNeighboursSteps({ kept, P: inv.P }, nItems, keep));
      for (let c = 0; c < m; c++) {
        const item = kept[c];
        const expected = kept
          .map((j, q) => ({ j, w: easeWeight(inv.P, m, c, q) }))
          .filter((x) => x.w !== 0)
          .sort((a, b) => Math.abs(b.w) - Math.abs(a.w) || a.j - b.j)
          .slice(0, keep);
        const from = table.indptr[item];
        const to = table.indptr[item + 1];
        assert.deepEqual(Array.from(table.indices.subarray(from, to)), expected.map((x) => x.j), `row of item ${item}, ${keep} kept`);
        assert.deepEqual(Array.from(table.values.subarray(from, to)), expected.map((x) => x.w));
      }
    }
    // With the previous table as a hint (the bound it gives is exact whenever enough entries pass it): the same table,
    // also after P moved.
    const live = easeLiveOf(inv);
    const before = finishSteps(easeNeighboursSteps(live, nItems, 3));
    for (const more of [[0, 1, 2], [3, 4], [5, 0, 7]]) easeAddSession(live, more, 1);
    const plain = finishSteps(easeNeighboursSteps(live, nItems, 3));
    const hinted = finishSteps(easeNeighboursSteps(live, nItems, 3, before));
    assert.deepEqual(hinted, plain);
    // ties: a P whose off-diagonal weights are all equal in size keeps the lowest item indices
    const P = new Float64Array([1, 0.5, -0.5, 0.5, 1, 0.5, -0.5, 0.5, 1]);
    const t = finishSteps(easeNeighboursSteps({ kept: [2, 0, 1], P }, 3, 1));
    assert.deepEqual(Array.from(t.indices), [1, 0, 0]);
    // and with a hint (candidates by bound, then sorted): both tied neighbours of each row, the lower item first
    const two = finishSteps(easeNeighboursSteps({ kept: [2, 0, 1], P }, 3, 2));
    assert.deepEqual(Array.from(two.indices), [1, 2, 0, 2, 0, 1]);
    assert.deepEqual(finishSteps(easeNeighboursSteps({ kept: [2, 0, 1], P }, 3, 2, two)), two);
  });

  it("the kernel's bounded pass lists the entries the JS loop lists, with the same float32 weights", () => {
    for (const n of [41, 40]) {
      const inv = finishSteps(fitEaseInverseSteps(randomSessions(150, n, `cands-${n}`), n, 3, n));
      const m = inv.kept.length;
      const kernel = makeEaseLiveWasmKernel(inv.P, m);
      assert.ok(kernel, 'WebAssembly with SIMD (Node 20 has it)');
      for (let j = 0; j < m; j++) kernel.D[j] = inv.P[j * m + j];
      const w = new Float32Array(m);
      const rng = makeRng(`bounds-${n}`);
      for (let c = 0; c < m; c++) {
        for (let j = 0; j < m; j++) w[j] = -inv.P[c * m + j] / kernel.D[j];
        // bounds exactly at an entry's size (it must be listed: the cheap test may not drop it) and just above it
        const at = Math.abs(w[(c + 1 + Math.floor(rng() * (m - 1))) % m]);
        for (const bound of [at, at * (1 + 2 ** -40), at / 2, 1e-30]) {
          const count = kernel.weightCands(c, bound);
          const expected: number[] = [];
          for (let j = 0; j < m; j++) if (j !== c && Math.abs(w[j]) >= bound) expected.push(j);
          assert.deepEqual(Array.from(kernel.C.subarray(0, count)), expected, `m ${m}, row ${c}, bound ${bound}`);
          for (const j of expected) assert.ok(Object.is(kernel.W[j], w[j]), `weight ${c},${j}`);
        }
      }
    }
  });

  it('the table after an update is the same with the kernel that took the changes', () => {
    for (const n of [37, 36]) {
      const sessions = randomSessions(120, n, `table-${n}`);
      const inv = finishSteps(fitEaseInverseSteps(sessions, n, 4, n));
      for (const keep of [3, 8]) {
        const live = easeLiveOf({ ...inv, P: inv.P.slice() });
        const before = finishSteps(easeNeighboursSteps(live, n, keep));
        const kernel = finishSteps(easeAddSessionsSteps(live, randomSessions(9, n, `more-${n}`).map((items) => ({ items, sign: 1 as const }))));
        assert.ok(kernel, 'the WebAssembly path took the changes');
        const plain = finishSteps(easeNeighboursSteps({ kept: live.kept, P: live.P.slice() }, n, keep));
        assert.deepEqual(finishSteps(easeNeighboursSteps(live, n, keep, before, kernel)), plain, `${n} items, ${keep} kept`);
      }
    }
  });
});
