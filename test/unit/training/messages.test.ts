import * as assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { asInteractions } from '../../../src/core/interaction';
import {
  interactionColumnsOf,
  encodeInteractions,
  encodeInteractionsAsync,
  parseFromWorker,
  parseToWorker,
  TrainingMessageError,
} from '../../../src/training/messages';
import { fitRecommender, type Interaction } from '../../../src/core/recommender';
import { encodeEventsAsync, eventColumnsOf, HOME_SGD_ROOM, parseModelShape, sharedEase, sharedPHome, sharedPMemory } from '../../../src/training/messages';
import { eventAt } from '../../../src/feedback/sessions';
import type { FeedbackEvent } from '../../../src/feedback/signal';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { sharedKernelMemoryBytes, sharedKernelMemoryOf } from '../../../src/core/sgdKernel';
import { fitRecommenderWithInverseSteps } from '../../../src/core/recommenderFit';
import { finishSteps } from '../../../src/core/train';
import { withWebAssembly } from '../core/helpers';

const data: Interaction[] = [
  { session: 's1', item: 'file:a.ts', time: 10, weight: 2 },
  { session: 's1', item: 'file:b.ts', time: 11, weight: 0.5 },
  { session: 's2', item: 'file:a.ts', time: 20, weight: 1 },
];

const model = fitRecommender(syntheticInteractions({ interactions: 300, items: 30, seed: 'msg' }), { epochs: 2 });

describe('training messages', () => {
  it("keeps a job's P in one shared buffer: the one handed back while it is large enough, else a new one sized for the cap", () => {
    const handed = new Float64Array(new SharedArrayBuffer(8 * 25), 0, 9).fill(3);
    const newP = sharedPMemory(handed, 10);
    const a = newP(16);
    assert.equal(a.buffer, handed.buffer, 'room for 4 x 4 in a buffer of 25');
    assert.deepEqual([a.length, a.byteOffset, a[0]], [16, 0, 3], 'a view from its start, holding the old P until written');
    const b = newP(36);
    assert.ok(b.buffer instanceof SharedArrayBuffer && b.buffer !== handed.buffer);
    assert.ok(b.buffer.byteLength >= 8 * 100, 'sized for 10 kept items');
    assert.ok(sharedKernelMemoryOf(b), "a shared WebAssembly memory's, where an update's kernel works on P in place");
    assert.ok(b.every((x) => x === 0));
    assert.equal(newP(49).buffer, b.buffer, 'then kept');
    const plain = withWebAssembly(undefined, () => sharedPMemory(undefined, 10)(36));
    assert.ok(plain.buffer instanceof SharedArrayBuffer && sharedKernelMemoryOf(plain) === undefined, 'without WebAssembly: plain shared memory');
    assert.equal(plain.buffer.byteLength, 8 * 100);
    // A P outside shared memory (or not at a buffer's start) is not written over: a new buffer.
    assert.ok(sharedPMemory(new Float64Array(25), 10)(16).buffer instanceof SharedArrayBuffer);
    const e = { key: 'k', lambda: 1, kept: Int32Array.of(0, 1), P: new Float64Array([1, 2, 3, 4]), sessionWeight: 1 };
    const shared = sharedEase(e);
    assert.ok(shared.P.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(Array.from(shared.P), [1, 2, 3, 4]);
    assert.equal(sharedEase(shared), shared, 'already shared: no copy');
  });

  it('a full fit with no P to take the new one works in a new home for P: P is made where it is kept, the model the same', () => {
    const history = syntheticInteractions({ interactions: 3000, items: 120, seed: 'home' });
    const cfg = { epochs: 3, autoBlend: false, easeMaxItems: 100 };
    const plain = finishSteps(fitRecommenderWithInverseSteps(history, cfg));
    const asked: number[] = [];
    const home = sharedPHome(100);
    const inHome = finishSteps(fitRecommenderWithInverseSteps(history, cfg, undefined, true, { home: (bytes) => (asked.push(bytes), home(bytes)) }));
    assert.equal(asked.length, 1, 'asked for once, by the SGD');
    const P = inHome.inverse?.P as Float64Array;
    const memory = sharedKernelMemoryOf(P);
    assert.ok(memory, "P starts a shared memory that is a home for P (no copy out of EASE's workspace)");
    assert.ok(memory.memory.buffer.byteLength >= Math.max(asked[0], sharedKernelMemoryBytes(100)), "room for the SGD's problem and for P at the cap");
    assert.deepEqual(Array.from(P), Array.from(plain.inverse?.P ?? []), 'the same P');
    assert.deepEqual(inHome.model.mf.itemFactors, plain.model.mf.itemFactors, 'the same factors');
    assert.deepEqual(inHome.model.neighbours, plain.model.neighbours);
    // With a P of the replaced model to take the new one, no home is asked for.
    const again: number[] = [];
    finishSteps(fitRecommenderWithInverseSteps(history, cfg, undefined, true, { easeP: new Float64Array(P.length), home: (bytes) => (again.push(bytes), home(bytes)) }));
    assert.deepEqual(again, []);
    // An SGD that needs more than HOME_SGD_ROOM times P's room works in a memory of its own: the host keeps the home.
    assert.equal(sharedPHome(100)(HOME_SGD_ROOM * sharedKernelMemoryBytes(100) + 1), undefined);
    assert.ok(sharedPHome(100)(HOME_SGD_ROOM * sharedKernelMemoryBytes(100)));
  });

  it('round-trips interactions through the columnar encoding, interning repeated keys', () => {
    const enc = encodeInteractions(data);
    assert.deepEqual(enc.sessions, ['s1', 's2']);
    assert.deepEqual(enc.items, ['file:a.ts', 'file:b.ts']);
    assert.deepEqual(asInteractions(interactionColumnsOf(enc)), data);
  });

  it('encodes asynchronously in chunks with the same result', async () => {
    const many: Interaction[] = [];
    for (let i = 0; i < 1000; i++) many.push({ session: `s${i % 7}`, item: `file:${i % 13}.ts`, time: i, weight: 1 + (i % 3) });
    assert.deepEqual(asInteractions(interactionColumnsOf(await encodeInteractionsAsync(many, 64))), many);
  });

  it('rejects a non-finite weight when encoding, naming the row', () => {
    assert.throws(
      () => encodeInteractions([{ session: 's', item: 'file:x', time: 1, weight: Number.NaN }]),
      (e: unknown) => e instanceof TrainingMessageError && /interaction 0 \(file:x\)/.test(e.message),
    );
  });

  it('accepts a well-formed train request and keeps the cancel flag', () => {
    const flag = new SharedArrayBuffer(4);
    const req = parseToWorker({ type: 'train', id: 3, data: encodeInteractions(data), config: { epochs: 5 }, cancelFlag: flag });
    assert.equal(req.id, 3);
    assert.equal(req.cancelFlag, flag);
    assert.equal(req.config.epochs, 5);
  });

  it('rejects malformed train requests with a typed error', () => {
    const good = { type: 'train', id: 1, data: encodeInteractions(data), config: {} };
    const bad: unknown[] = [
      null,
      { ...good, type: 'fit' },
      { ...good, id: -1 },
      { ...good, id: 1.5 },
      { ...good, config: { epochs: Number.POSITIVE_INFINITY } },
      { ...good, config: { epochs: [1] } },
      { ...good, data: { ...good.data, time: new Float32Array(3) } },
      { ...good, data: { ...good.data, itemIndex: Int32Array.from([0, 1, 7]) } },
      { ...good, data: { ...good.data, weight: new Float64Array(2) } },
      { ...good, cancelFlag: new ArrayBuffer(4) },
      { ...good, config: { toString: 1 } },
      { ...good, config: JSON.parse('{"__proto__": {"epochs": 1}}') as unknown },
      { ...good, config: { notASetting: 3 } },
    ];
    for (const b of bad) assert.throws(() => parseToWorker(b), TrainingMessageError, JSON.stringify(b));
    assert.deepEqual(parseToWorker({ ...good, config: { epochs: 3, trainer: 'sampled' } }).config, { epochs: 3, trainer: 'sampled' });
  });

  it('parses every worker reply and rejects wrong shapes', () => {
    assert.deepEqual(parseFromWorker({ type: 'progress', id: 1, epoch: 2, epochs: 5, loss: 0.5, elapsedMs: 9 }), {
      type: 'progress',
      id: 1,
      epoch: 2,
      epochs: 5,
      loss: 0.5,
      elapsedMs: 9,
    });
    assert.equal(parseFromWorker({ type: 'done', id: 1, model: '{}', structured: model, elapsedMs: 3 }).type, 'done');
    assert.equal(parseFromWorker({ type: 'cancelled', id: 1 }).type, 'cancelled');
    assert.equal(parseFromWorker({ type: 'failed', id: 1, errorName: 'LatentInputError', message: 'k=0' }).type, 'failed');
    for (const b of [
      'done',
      { type: 'done', id: 1, model: 42, structured: model, elapsedMs: 3 },
      { type: 'done', id: 1, model: '{}', elapsedMs: 3 },
      { type: 'progress', id: 1, epoch: 'two', epochs: 5, loss: 1, elapsedMs: 1 },
      { type: 'failed', id: 1, message: 'no name' },
      { type: 'shrug', id: 1 },
    ]) {
      assert.throws(() => parseFromWorker(b), TrainingMessageError);
    }
  });

  it('checks the structure of a model from the worker: dimensions, array types, neighbour indices', () => {
    assert.equal(parseModelShape(structuredClone(model)).items.length, model.items.length);
    const broken: ((m: typeof model) => void)[] = [
      (m) => (m.mf.itemFactors = m.mf.itemFactors.subarray(1)),
      (m) => (m.prior = new Float32Array(0)),
      (m) => (m.items = m.items.slice(1)),
      (m) => (m.neighbours.indices[0] = m.items.length),
      (m) => ((m as { version: number }).version = 1),
      (m) => m.training.losses.pop(),
      (m) => (m.training.losses[0] = Number.NaN),
      (m) => ((m.training.heldOut as { value: number | null }).value = 1.5),
      (m) => (m.training.heldOut = { k: 10, value: null, cases: 0, reason: '' }),
      (m) => delete (m as { training?: unknown }).training,
      (m) => ((m.mf as { itemBias: unknown }).itemBias = Array.from(m.mf.itemBias)),
      (m) => (m.mf.sessionGram = m.mf.sessionGram.subarray(1)),
      (m) => m.training.lastRow?.x.pop(),
      (m) => m.training.lastRow && (m.training.lastRow.row = m.mf.nSessions),
    ];
    assert.ok(model.training.lastRow, 'the model records a training row (its checks above are exercised)');
    for (const b of broken) {
      const m = structuredClone(model);
      b(m);
      assert.throws(() => parseModelShape(m), TrainingMessageError);
    }
  });

  it('round-trips feedback events (with and without window ids) and validates the event request', async () => {
    const events: FeedbackEvent[] = [
      { t: 1000, item: 'file:a.ts', kind: 'open', amount: 1, w: 'win1' },
      { t: 2000, item: 'file:a.ts', kind: 'dwell', amount: 42.5 },
      { t: 3000, item: 'snippet:user/log', kind: 'snippet', amount: 1, w: 'win2' },
      { t: 4000, item: 'file:b.ts', kind: 'dismiss', amount: 1, w: 'win1' },
    ];
    const enc = await encodeEventsAsync(events, 1);
    // read back as the worker reads them: the columns, an event at a time where one is needed
    assert.deepEqual(events.map((_, i) => eventAt(eventColumnsOf(enc), i)), events);
    const req = parseToWorker({ type: 'train-events', id: 2, events: enc, gapMs: 60_000, config: {} });
    assert.equal(req.type, 'train-events');
    const good = { type: 'train-events', id: 2, events: enc, gapMs: 60_000, config: {} };
    for (const b of [
      { ...good, gapMs: 0 },
      { ...good, events: { ...enc, kindIndex: Uint8Array.from([0, 1, 2, 99]) } },
      { ...good, events: { ...enc, windowIndex: Int32Array.from([0, -2, 1, 0]) } },
      { ...good, events: { ...enc, amount: new Float64Array(1) } },
    ]) {
      assert.throws(() => parseToWorker(b), TrainingMessageError);
    }
    await assert.rejects(encodeEventsAsync([{ t: 1, item: 'file:x', kind: 'open', amount: Number.NaN }]), TrainingMessageError);
  });

  it('checks the model to update and its EASE memory: text, rows inside the model, P square and finite, a session weight > 0', async () => {
    const enc = await encodeEventsAsync([{ t: 1000, item: 'file:a.ts', kind: 'open', amount: 1 }], 1);
    const ease = { key: 'k', lambda: 10, kept: Int32Array.from([0, 1]), P: Float64Array.from([1, 0, 0, 1]), sessionWeight: 1.5 };
    const moves = [{ t: 5, from: 'file:a.ts', to: 'file:b.ts' }];
    const good = { type: 'train-events', id: 3, events: enc, gapMs: 60_000, config: {}, previous: '{}', ease, full: true, moves };
    const req = parseToWorker(good);
    assert.ok(req.type === 'train-events' && req.previous === '{}' && req.ease?.kept.length === 2 && req.ease.sessionWeight === 1.5 && req.full === true);
    assert.deepEqual(req.moves, moves);
    for (const b of [
      { ...good, previous: 42 },
      { ...good, full: 'yes' },
      { ...good, moves: [{ t: Number.NaN, from: 'file:a.ts', to: 'file:b.ts' }] },
      { ...good, moves: [{ t: 5, from: 'file:a.ts' }] },
      { ...good, ease: { ...ease, P: Float64Array.from([1, 0, 0]) } },
      { ...good, ease: { ...ease, P: Float64Array.from([1, 0, 0, Number.NaN]) } },
      { ...good, ease: { ...ease, kept: Int32Array.from([0, -1]) } },
      { ...good, ease: { ...ease, lambda: 0 } },
      { ...good, ease: { ...ease, sessionWeight: 0 } },
      { ...good, ease: { ...ease, sessionWeight: Number.POSITIVE_INFINITY } },
      { ...good, ease: { key: 'k', lambda: 10, kept: ease.kept, P: ease.P } },
    ]) {
      assert.throws(() => parseToWorker(b), TrainingMessageError);
    }
    // From the worker: the rows must be items of the model it sent.
    const done = { type: 'done', id: 3, model: '{}', structured: model, elapsedMs: 1, retrain: { kind: 'update', reason: 'r' } };
    const inside = { ...ease, kept: Int32Array.from([0, model.items.length - 1]) };
    const parsed = parseFromWorker({ ...done, ease: inside });
    assert.ok(parsed.type === 'done' && parsed.ease?.kept[1] === model.items.length - 1 && parsed.retrain?.kind === 'update');
    assert.throws(() => parseFromWorker({ ...done, ease: { ...ease, kept: Int32Array.from([0, model.items.length]) } }), TrainingMessageError);
    assert.throws(() => parseFromWorker({ ...done, retrain: { kind: 'partial', reason: 'r' } }), TrainingMessageError);
  });

  it('an EASE memory in a shared WebAssembly memory crosses threads with it: P is that memory on both sides, and a P that is not comes without it', async () => {
    const P = sharedPMemory(undefined, 3)(4);
    P.set([2, 0.5, 0.5, 2]);
    const home = sharedKernelMemoryOf(P);
    assert.ok(home);
    const enc = await encodeEventsAsync([{ t: 1000, item: 'file:a.ts', kind: 'open', amount: 1 }], 1);
    const ease = { key: 'k', lambda: 10, kept: Int32Array.from([0, 1]), P, sessionWeight: 1, memory: home.memory };
    const { port1, port2 } = new MessageChannel();
    try {
      const received = new Promise<unknown>((resolve) => port2.once('message', resolve));
      port1.postMessage({ type: 'train-events', id: 4, events: enc, gapMs: 60_000, config: {}, previous: '{}', ease });
      const req = parseToWorker(await received);
      assert.ok(req.type === 'train-events' && req.ease?.memory !== undefined);
      const there = req.ease.P;
      assert.deepEqual(Array.from(there), [2, 0.5, 0.5, 2]);
      assert.ok(sharedKernelMemoryOf(there), 'taken as a home for P on the receiving side');
      there[1] = 7;
      assert.equal(P[1], 7, 'one memory, not a copy');
      // A copy of P sent with the memory (a caller keeping P as it was) is taken as it came, without the memory.
      const other = { ...ease, P: Float64Array.from([9, 9, 9, 9]) };
      const back = new Promise<unknown>((resolve) => port2.once('message', resolve));
      port1.postMessage({ type: 'train-events', id: 5, events: enc, gapMs: 60_000, config: {}, previous: '{}', ease: other });
      const req2 = parseToWorker(await back);
      assert.ok(req2.type === 'train-events' && req2.ease !== undefined);
      assert.deepEqual(Array.from(req2.ease.P), [9, 9, 9, 9]);
      assert.equal(req2.ease.memory, undefined);
    } finally {
      port1.close();
    }
  });
});
