// Fault injection for the feedback store (issue 11): seeded corruptions (truncations and byte flips at random offsets
// of the snapshot, a journal and both model files, and things in the lock's place), and kill -9 of a child window at
// random moments. Asserted: no crash; nothing acknowledged lost beyond 1 s of events; every good row of a damaged file
// kept; damage that loses data is moved aside and told; a bad model never loaded nor made the backup.
// Prints the counts. Seed: LATENT_FAULT_SEED (default below); kills: LATENT_FAULT_KILLS (default 20).
// LATENT_FAULT_DWELL=<n> also kills n reading windows (dwell ticks) after 1-3 s each and measures the dwell lost
// (2 by default: it takes ~2.5 s a kill; 0 skips it).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { NUMBER_SETTINGS } from '../../../../src/config/schema';
import { FeedbackEvent } from '../../../../src/feedback/signal';
import { finishSteps } from '../../../../src/core/train';
import { DEFAULT_FLUSH_MS, FeedbackStore } from '../../../../src/feedback/store/feedbackStore';
import { decodeSnapshotBinSteps } from '../../../../src/feedback/store/snapshotBinary';
import { useTempDirs } from './helpers';

const SEED = process.env.LATENT_FAULT_SEED ?? 'issue-11';
const KILLS = Number(process.env.LATENT_FAULT_KILLS ?? 20);
const CORRUPTIONS = 200;
const BUDGET_MS = 1000;
const PERIOD_MS = 10; // the child appends 100 events a second

/** mulberry32 seeded from a string: the same corruptions and kill moments on every run with the same seed. */
function rng(seed: string): () => number {
  let a = 0;
  for (const c of seed) a = (Math.imul(a ^ c.charCodeAt(0), 2654435761) + 1) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (e: FeedbackEvent) => `${e.t}|${e.item}|${e.kind}|${e.amount}`;

/** How many of `want` are missing from `got` (as multisets of events; the window tag is not compared). */
function missing(want: readonly FeedbackEvent[], got: readonly FeedbackEvent[]): FeedbackEvent[] {
  const have = new Map<string, number>();
  for (const e of got) have.set(key(e), (have.get(key(e)) ?? 0) + 1);
  const out: FeedbackEvent[] = [];
  for (const e of want) {
    const n = have.get(key(e)) ?? 0;
    if (n > 0) have.set(key(e), n - 1);
    else out.push(e);
  }
  return out;
}

const modelCheck = (text: string): void => {
  const m = JSON.parse(text) as { v?: unknown; pad?: unknown };
  if (typeof m.v !== 'number' || typeof m.pad !== 'string') throw new Error('not a test model');
};

const DWELL_KILLS = Number(process.env.LATENT_FAULT_DWELL ?? 2);

const totals = { corruptions: 0, told: 0, kills: 0, acked: 0, lostInBudget: 0, lostBeyond: 0, worstLossMs: 0 };
const dwellLosses: number[] = [];

/** Starts faultChild.js as window `run` in `dir`; `lines` gets its stdout line by line. */
function startChild(dir: string, run: number, mode: string, lines: (line: string) => void) {
  const p = spawn(process.execPath, [path.join(__dirname, 'faultChild.js'), dir, String(run), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      lines(out.slice(0, nl));
      out = out.slice(nl + 1);
    }
  });
  p.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<NodeJS.Signals | number | null>((r) => p.once('exit', (code, signal) => r(signal ?? code)));
  return { kill: () => p.kill('SIGKILL'), exited, stderr: () => err };
}

describe('feedback store: fault injection', function () {
  this.timeout(60_000);
  const dir = useTempDirs();

  after(() => {
    console.log(
      `faults: ${totals.corruptions} corruptions tried (${totals.told} told and moved aside), ${totals.kills} kills survived, ` +
        `${totals.acked} events acknowledged, ${totals.lostInBudget} lost within ${BUDGET_MS / 1000} s (worst ${totals.worstLossMs} ms), ` +
        `${totals.lostBeyond} acknowledged events lost beyond ${BUDGET_MS / 1000} s (seed ${SEED})` +
        (dwellLosses.length > 0 ? `; dwell: ${dwellLosses.length} kills, lost ${dwellLosses.map((x) => x.toFixed(2)).join(' ')} s` : ''),
    );
  });

  it(`survives ${CORRUPTIONS} seeded corruptions of snapshot, journal, model files and lock, keeping every good row`, async () => {
    const rand = rng(`${SEED}/corrupt`);
    const int = (n: number) => Math.floor(rand() * n);
    // The fixture: a snapshot of 60 events (12 items, 2 windows, all gone), a gone window's journal of 20 unmerged
    // events, a model and its backup. Times are distinct; kinds that are never merged at compaction.
    const base = Date.UTC(2026, 0, 1); // fixed, so the same seed flips the same characters
    const kinds = ['open', 'edit', 'snippet'] as const;
    const snapEvents: FeedbackEvent[] = Array.from({ length: 60 }, (_, i) => ({ t: base + i * 1000, item: `file:src/m${i % 12}.ts`, kind: kinds[i % 3], amount: 1 + (i % 4) }));
    const journalEvents: FeedbackEvent[] = Array.from({ length: 20 }, (_, i) => ({ t: base + 100_000 + i * 1000, item: `snippet:user/s${i % 5}`, kind: 'snippet', amount: 1 }));
    const model = JSON.stringify({ v: 2, pad: 'model-two'.repeat(40) });
    const prev = JSON.stringify({ v: 1, pad: 'model-one'.repeat(40) });
    const fixture = dir();
    for (const [w, part] of [['999999998-a', snapEvents.slice(0, 30)], ['999999998-b', snapEvents.slice(30)]] as const) {
      const s = await FeedbackStore.open(fixture, { windowId: w, flushIntervalMs: 0, compactIntervalMs: 0 });
      for (const e of part) s.append(e);
      await s.dispose();
    }
    const s0 = await FeedbackStore.open(fixture, { flushIntervalMs: 0, compactIntervalMs: 0 });
    await s0.saveModel(prev);
    await s0.saveModel(model);
    await s0.dispose();
    const journalName = 'journal-999999997-j-0.jsonl';
    fs.writeFileSync(path.join(fixture, journalName), journalEvents.map((e) => JSON.stringify(e) + '\n').join(''));
    const files = new Map(fs.readdirSync(fixture).map((n) => [n, fs.readFileSync(path.join(fixture, n))]));
    assert.deepEqual([...files.keys()].sort(), [journalName, 'model.json', 'model.prev.json', 'snapshot.bin']);

    // The snapshot's shape, to bound what one corruption may cost: where its header, names and events are, which
    // name line each byte is on, and which events each name holds (its item's or its window's).
    const snapBuf = files.get('snapshot.bin')!;
    const headLen = snapBuf.readUInt32LE(12);
    const head = JSON.parse(snapBuf.toString('utf8', 24, 24 + headLen)) as { items: number; windows: number; nameBlocks: { bytes: number }[]; eventBlocks: unknown[] };
    assert.deepEqual([head.nameBlocks.length, head.eventBlocks.length], [1, 1]);
    const namesStart = 24 + headLen;
    const eventsStart = namesStart + head.nameBlocks[0].bytes;
    const nameText = snapBuf.toString('latin1', namesStart, eventsStart);
    const names = nameText.split('\n').slice(0, head.items + head.windows).map((l) => JSON.parse(l) as string);
    const stored = finishSteps(finishSteps(decodeSnapshotBinSteps(snapBuf)).stored.eventsSteps());
    const lineAt = (text: string, at: number) => text.slice(0, at).split('\n').length - 1;
    /** Events of the snapshot that name line `j` (0-based) holds. */
    const usingName = (j: number) => stored.filter((e) => (j < head.items ? e.item === names[j] || e.from === names[j] : e.w === names[j])).length;

    const targets = ['snapshot.bin', journalName, 'model.json', 'model.prev.json', 'compact.lock'] as const;
    const d = dir();
    for (let trial = 0; trial < CORRUPTIONS; trial++) {
      for (const n of fs.readdirSync(d)) fs.rmSync(path.join(d, n), { recursive: true, force: true });
      for (const [n, buf] of files) fs.writeFileSync(path.join(d, n), buf);
      const target = targets[trial < 10 ? 4 : int(4)];
      const truncate = rand() < 0.4;
      const label = `trial ${trial}: ${truncate ? 'truncate' : 'flip a byte of'} ${target}`;
      let offset = 0;
      let damagedByte = -1;
      let silentOk = false;
      if (target === 'compact.lock') {
        // something else in the lock's place: a folder (trial < 5) or a garbage file (a crashed holder)
        if (trial < 5) fs.mkdirSync(path.join(d, target));
        else fs.writeFileSync(path.join(d, target), 'garbage');
        const old = new Date(Date.now() - 120_000);
        fs.utimesSync(path.join(d, target), old, old);
        silentOk = trial >= 5; // a stale lock file is simply taken over
      } else {
        const buf = Buffer.from(files.get(target)!);
        offset = int(buf.length);
        if (truncate) {
          fs.writeFileSync(path.join(d, target), buf.subarray(0, offset));
          // a journal cut right after a line end looks like one that was never written further
          silentOk = target === journalName && (offset === 0 || buf[offset - 1] === 0x0a);
        } else {
          buf[offset] ^= 1 + int(255);
          damagedByte = buf[offset];
          fs.writeFileSync(path.join(d, target), buf);
        }
      }
      totals.corruptions++;

      const problems: string[] = [];
      let store: FeedbackStore;
      try {
        store = await FeedbackStore.open(d, { windowId: `${process.pid}-f`, flushIntervalMs: 0, compactIntervalMs: 0, onProblem: (m) => problems.push(m) });
      } catch (err) {
        assert.fail(`${label} at ${offset}: open threw ${String(err)}`);
      }
      const got = await store.events();
      const lostSnap = missing(snapEvents, got).length;
      const lostJournal = missing(journalEvents, got).length;
      const loaded = await store.loadModel(modelCheck);
      assert.equal(await store.compact(), true, `${label}: compaction goes on`);
      // saving puts the sound one of the two as the backup, never the damaged one
      await store.saveModel(JSON.stringify({ v: 3, pad: 'model-three' }), modelCheck);
      fs.rmSync(path.join(d, 'model.json'));
      const backup = await store.loadModel(modelCheck);
      await store.dispose();
      const aside = fs.readdirSync(d).filter((n) => n.includes('.corrupt-'));

      if (target === 'snapshot.bin') {
        // prefix and header: anything may be lost; cut short: the blocks from the cut on (here: all of it); a name:
        // the events of that name (of all names, when a line break was added or removed); an event's value: that event
        let bound = snapEvents.length;
        if (!truncate && offset >= eventsStart) bound = 1;
        else if (!truncate && offset >= namesStart) {
          const line = lineAt(nameText, offset - namesStart);
          const lineBreak = snapBuf[offset] === 0x0a || damagedByte === 0x0a;
          bound = line >= names.length ? 0 : lineBreak ? snapEvents.length : usingName(line);
        }
        assert.ok(lostSnap <= bound, `${label} at ${offset}: lost ${lostSnap} snapshot events, at most ${bound} may go`);
        assert.equal(lostJournal, 0, `${label}: the journal's events are untouched`);
      } else if (target === journalName) {
        const text = files.get(journalName)!.toString('utf8');
        const line = lineAt(text, offset);
        const bound = truncate ? journalEvents.length - line : 2;
        assert.ok(lostJournal <= bound, `${label} at ${offset}: lost ${lostJournal} journal events, at most ${bound} may go`);
        assert.equal(lostSnap, 0, `${label}: the snapshot's events are untouched`);
      } else {
        assert.equal(lostSnap + lostJournal, 0, `${label}: no event lost`);
      }
      // Nothing goes silently: lost events (not just altered values) are told and their file moved aside.
      const count = got.length;
      if (count < snapEvents.length + journalEvents.length && !silentOk) {
        assert.ok(problems.length > 0 && aside.length > 0, `${label} at ${offset}: ${snapEvents.length + journalEvents.length - count} events gone silently`);
      }
      // A model is loaded exactly as saved, or not at all; a damaged one is told and moved aside.
      if (target === 'model.json') {
        assert.equal(loaded, prev, `${label} at ${offset}: the backup is used`);
        assert.equal(backup, prev, `${label}: the good backup is kept`);
      } else if (target === 'model.prev.json') {
        assert.equal(loaded, model, label);
        assert.equal(backup, model, `${label}: the sound model became the backup`);
      } else {
        assert.equal(loaded, model, label);
      }
      // (a damaged backup behind a sound model.json is never read: the next save simply replaces it)
      if (target === 'model.json') {
        assert.ok(aside.some((n) => n.startsWith(`${target}.corrupt-`)), `${label}: moved aside`);
        assert.ok(problems.some((m) => m.includes(target)), `${label}: told`);
      }
      if (target === 'compact.lock' && trial < 5) {
        assert.ok(aside.some((n) => n.startsWith('compact.lock.corrupt-')) && problems.some((m) => m.includes('compact.lock is not a file')), label);
      }
      if (problems.length > 0) totals.told++;
    }
  });

  it(`kill -9 at ${KILLS} random moments loses at most ${BUDGET_MS} ms of acknowledged events (flush, compaction and model saves in flight)`, async () => {
    const rand = rng(`${SEED}/kill`);
    const d = dir();
    const problems: string[] = [];
    // A live window in this process keeps appending and compacting meanwhile: the lock is contended, and taken over
    // from a killed holder.
    const live = await FeedbackStore.open(d, { windowId: `${process.pid}-live`, compactIntervalMs: 200, segmentBytes: 2048, onProblem: (m) => problems.push(m) });
    const liveEvents: FeedbackEvent[] = [];
    let liveSeq = 0;
    const liveTimer = setInterval(() => {
      const e: FeedbackEvent = { t: Date.now(), item: `file:live/e${liveSeq++}.ts`, kind: 'edit', amount: 1 };
      live.append(e);
      liveEvents.push(e);
    }, 25);
    const acked: FeedbackEvent[][] = [];
    let modelsSaved = 0;
    try {
      for (let run = 0; run < KILLS; run++) {
        const mine: FeedbackEvent[] = [];
        let ready: () => void = () => undefined;
        const isReady = new Promise<void>((r) => (ready = r));
        const c = startChild(d, run, String(PERIOD_MS), (line) => {
          if (line === 'ready') return ready();
          if (line.startsWith('model ')) return void (modelsSaved++);
          const [seq, t] = line.split(' ').map(Number);
          mine.push({ t, item: `file:k${run}/e${seq}.ts`, kind: 'open', amount: 1 });
        });
        await Promise.race([isReady, c.exited]);
        await new Promise((r) => setTimeout(r, 100 + rand() * 600));
        c.kill();
        assert.equal(await c.exited, 'SIGKILL', `run ${run}: the child was killed, it did not crash (${c.stderr()})`);
        acked.push(mine);
        totals.kills++;
      }
    } finally {
      clearInterval(liveTimer);
    }
    await live.dispose();
    // A fresh window reads everything back; the dead windows' journals are merged (and removed) by its opening.
    const r = await FeedbackStore.open(d, { windowId: `${process.pid}-r`, onProblem: (m) => problems.push(m) });
    const got = await r.events();
    const model = await r.loadModel(modelCheck);
    await r.dispose();
    assert.deepEqual(missing(liveEvents, got), [], 'the live window lost nothing');
    if (modelsSaved > 0) assert.ok(model !== undefined, `${modelsSaved} models were saved: one survives the kills`);
    assert.deepEqual(fs.readdirSync(d).filter((n) => n.startsWith('model') && n.includes('.corrupt-')), [], 'no model file was damaged by a kill');
    const lines: string[] = [];
    for (const mine of acked) {
      const lost = missing(mine, got);
      totals.acked += mine.length;
      // worth of the loss: from the first lost event to the last acknowledged one, plus one period
      const lossMs = lost.length === 0 ? 0 : mine[mine.length - 1].t - Math.min(...lost.map((e) => e.t)) + PERIOD_MS;
      totals.worstLossMs = Math.max(totals.worstLossMs, lossMs);
      if (lossMs <= BUDGET_MS) totals.lostInBudget += lost.length;
      else totals.lostBeyond += lost.length;
      lines.push(`${mine.length}/${lost.length}/${lossMs}`);
    }
    console.log(`      kill -9 runs (acknowledged/lost/ms of loss): ${lines.join(' ')}; ${modelsSaved} model saves, none damaged`);
    assert.equal(totals.lostBeyond, 0, `events lost beyond ${BUDGET_MS} ms: ${lines.join(' ')}`);
    assert.ok(totals.acked > KILLS * 5, 'the children did append');
  });

  (DWELL_KILLS > 0 ? it : it.skip)(`kill -9 of ${DWELL_KILLS} reading windows loses at most one dwell tick plus the flush delay`, async () => {
    const rand = rng(`${SEED}/dwell`);
    const d = dir();
    const tick = NUMBER_SETTINGS.dwellTickSeconds.default;
    const runs: { start: number; killed: number }[] = [];
    for (let run = 0; run < DWELL_KILLS; run++) {
      let started: (t: number) => void = () => undefined;
      const start = new Promise<number>((r) => (started = r));
      const c = startChild(d, run, 'dwell', (line) => line.startsWith('start ') && started(Number(line.slice(6))));
      const t0 = await Promise.race([start, c.exited.then(() => NaN)]);
      assert.ok(Number.isFinite(t0), `dwell run ${run} started (${c.stderr()})`);
      await new Promise((r) => setTimeout(r, 1000 + rand() * 2000));
      const killed = Date.now();
      c.kill();
      assert.equal(await c.exited, 'SIGKILL', c.stderr());
      runs.push({ start: t0, killed });
    }
    const r = await FeedbackStore.open(d, { windowId: `${process.pid}-r` });
    const got = await r.events();
    await r.dispose();
    for (const [run, { start, killed }] of runs.entries()) {
      const kept = got.filter((e) => e.kind === 'dwell' && e.item === `file:dwell/k${run}.ts`).reduce((sum, e) => sum + e.amount, 0);
      dwellLosses.push((killed - start) / 1000 - kept);
    }
    console.log(`      dwell kill -9 runs (s of focus lost): ${dwellLosses.map((x) => x.toFixed(3)).join(' ')}`);
    // By design at most a tick plus the flush delay (1 s). Timers fire late on a loaded machine (seen: 1.07 s lost in
    // one of 6 kills with a benchmark running on both cores), so the check allows 0.3 s of lateness; the printed
    // figures are the measurement.
    for (const lost of dwellLosses) assert.ok(lost <= tick + DEFAULT_FLUSH_MS / 1000 + 0.3, `dwell lost ${lost.toFixed(3)} s`);
  });
});
