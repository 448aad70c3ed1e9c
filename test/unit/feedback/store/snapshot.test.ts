// The text snapshots of earlier versions (snapshot.json, schema 1 and 2): still read, salvaged line by line when
// damaged, and migrated to snapshot.bin by the first compaction. (The binary format's own tests: snapshotBinary.test.ts.)
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useStores, ev } from './helpers';
import { finishSteps } from '../../../../src/core/train';
import { FeedbackEvent } from '../../../../src/feedback/signal';
import { decodeSnapshotBinSteps } from '../../../../src/feedback/store/snapshotBinary';
import { decodeLegacySnapshotSteps } from '../../../../src/feedback/store/snapshotLegacy';
import { encodeLegacySnapshotSteps } from './legacySnapshot';

const decodeSnapshotSteps = decodeLegacySnapshotSteps;
const encodeSnapshotSteps = encodeLegacySnapshotSteps;

/** Writes `events` into `d` as the schema-2 snapshot.json a version before snapshot.bin left. */
function writeLegacy(d: string, events: FeedbackEvent[], merged: Record<string, number> = {}): string {
  const file = path.join(d, 'snapshot.json');
  fs.writeFileSync(file, finishSteps(encodeSnapshotSteps(events, merged, { events: 0, items: 0 })).join(''));
  return file;
}

describe('feedback store: text snapshot of earlier versions', () => {
  const { open, dir } = useStores();

  it('a corrupt snapshot is moved aside, reported once in plain words, and recording continues', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'snapshot.json'), '{"format":"latent-feedback-snapshot","schema":1,"ite');
    const problems: string[] = [];
    const a = await open(d, { windowId: '1-c', onProblem: (m) => problems.push(m) });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /snapshot\.json is damaged.*moved aside.*recording continues/);
    const aside = fs.readdirSync(d).filter((n) => n.startsWith('snapshot.json.corrupt-'));
    assert.equal(aside.length, 1);
    assert.match(fs.readFileSync(path.join(d, aside[0]), 'utf8'), /"ite$/); // original kept for inspection
    a.append(ev(10));
    await a.compact();
    a.append(ev(11));
    assert.deepEqual((await a.events()).map((e) => e.t), [10, 11]);
    // Corrupt the new one: moved aside too, but the user is not told twice by the same window.
    fs.writeFileSync(path.join(d, 'snapshot.bin'), 'garbage');
    await a.events();
    assert.equal(problems.length, 1);
    assert.equal(fs.readdirSync(d).filter((n) => n.startsWith('snapshot.bin.corrupt-')).length, 1);
  });

  it('a snapshot from an unknown schema version is moved aside rather than misread', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'snapshot.json'), JSON.stringify({ format: 'latent-feedback-snapshot', schema: 99 }));
    const problems: string[] = [];
    await open(d, { onProblem: (m) => problems.push(m) });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /schema version 99/);
  });

  it('a schema-1 snapshot (one JSON object) is still read, and migrated to snapshot.bin with every event kept', async () => {
    const d = dir();
    const v1 = {
      format: 'latent-feedback-snapshot',
      schema: 1,
      savedAt: 1,
      items: ['file:a.ts', 'file:b,c.ts'],
      windows: ['', '7-w'],
      kinds: ['open', 'dwell', 'edit', 'snippet', 'extension', 'dismiss'],
      events: [1000, 0, 0, 1, 0, 2000, 1, 1, 12.5, 1, 3000, 0, 5, 1, 1],
      merged: { 'journal-7-w-0.jsonl': 10 },
      evicted: { events: 3, items: 1 },
    };
    fs.writeFileSync(path.join(d, 'snapshot.json'), JSON.stringify(v1));
    const problems: string[] = [];
    const a = await open(d, { windowId: '1-m', onProblem: (m) => problems.push(m) });
    const want = [
      { t: 1000, item: 'file:a.ts', kind: 'open', amount: 1 },
      { t: 2000, item: 'file:b,c.ts', kind: 'dwell', amount: 12.5, w: '7-w' },
      { t: 3000, item: 'file:a.ts', kind: 'dismiss', amount: 1, w: '7-w' },
    ];
    assert.deepEqual(await a.events(), want);
    assert.deepEqual(problems, []);
    assert.ok(fs.existsSync(path.join(d, 'snapshot.bin')), 'open() compacted it into the new format');
    assert.ok(!fs.existsSync(path.join(d, 'snapshot.json')), 'the text snapshot is gone once migrated');
    const back = finishSteps(decodeSnapshotBinSteps(fs.readFileSync(path.join(d, 'snapshot.bin'))));
    assert.equal(back.stored.length, 3);
    assert.deepEqual(back.evicted, { events: 3, items: 1 });
    await a.dispose();
    const b = await open(d, { windowId: '1-n' });
    assert.deepEqual(await b.events(), want);
  });

  it('a schema-2 snapshot cut short or with a bad line keeps every good row; the damaged file is put aside and the loss told', async () => {
    const cases: [string, (t: string) => string, number[], RegExp][] = [
      ['truncated tail', (t) => t.slice(0, t.length - 5), [1000, 2000, 3000], /ends in the middle of a line.*3 of its 4 events were salvaged and 1 lost/],
      ['last line gone', (t) => t.slice(0, t.lastIndexOf('\n', t.length - 2) + 1), [1000, 2000, 3000], /fewer lines than its header.*3 of its 4 events were salvaged and 1 lost/],
      ['bad item index', (t) => t.replace(/\n2000,1,/, '\n2000,9,'), [1000, 3000, 4000], /1 event line\(s\) are malformed.*3 of its 4 events were salvaged and 1 lost/],
      ['garbage row', (t) => t.replace(/\n3000,[^\n]*/, '\nx#y'), [1000, 2000, 4000], /1 event line\(s\) are malformed/],
      ['unreadable name', (t) => t.replace('"file:b.ts"', '"file:b.ts'), [1000, 3000, 4000], /1 item or window name\(s\) are unreadable/],
      ['line break added in a name', (t) => t.replace('"file:b.ts"', '"file:\nb.ts"'), [1000, 3000, 4000], /name\(s\) are unreadable/],
      ['line break removed between names', (t) => t.replace('"file:b.ts"\n', '"file:b.ts"'), [1000, 4000], /2 item or window name\(s\) are unreadable.*2 of its 4 events were salvaged and 2 lost/],
    ];
    for (const [label, damage, want, told] of cases) {
      const d = dir();
      const file = writeLegacy(d, [[1000, 'file:a.ts'], [2000, 'file:b.ts'], [3000, 'file:c.ts'], [4000, 'file:d.ts']].map(([t, item]) => ev(t as number, item as string)));
      const before = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, damage(before));
      assert.notEqual(fs.readFileSync(file, 'utf8'), before, label);
      const problems: string[] = [];
      const b = await open(d, { windowId: '1-t', onProblem: (m) => problems.push(m) });
      assert.equal(problems.length, 1, label);
      assert.match(problems[0], /snapshot\.json is damaged/, label);
      assert.match(problems[0], told, label);
      const got = await b.events();
      assert.deepEqual(got.map((e) => e.t), want, label);
      for (const e of got) assert.equal(e.item, { 1000: 'file:a.ts', 2000: 'file:b.ts', 3000: 'file:c.ts', 4000: 'file:d.ts' }[e.t], label);
      assert.equal(fs.readdirSync(d).filter((x) => x.startsWith('snapshot.json.corrupt-')).length, 1, label);
      // the salvaged rows are in the new snapshot: a fresh reader sees them without being told again
      const again: string[] = [];
      const c = await open(d, { windowId: '1-u', onProblem: (m) => again.push(m) });
      assert.deepEqual((await c.events()).map((e) => e.t), want, label);
      assert.deepEqual(again, [], label);
    }
  });

  it('a reader that finds a damaged snapshot sees its good rows, and has it rewritten by a compaction', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-s' });
    // As an earlier version left it (damaged): read, then migrated by the compaction the read asks for.
    fs.rmSync(path.join(d, 'snapshot.bin'));
    const file = writeLegacy(d, [ev(1000, 'file:a.ts'), ev(2000, 'file:b.ts')]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\n2000,1,/, '\n2000,9,'));
    assert.deepEqual((await a.events()).map((e) => e.t), [1000]);
    await a.flush(); // the compaction it asked for has run
    assert.equal(fs.readdirSync(d).filter((x) => x.startsWith('snapshot.json.corrupt-')).length, 1);
    assert.deepEqual((await a.events()).map((e) => e.t), [1000]);
  });

  it('a snapshot whose header is unreadable is moved aside whole (nothing in it can be trusted)', async () => {
    const d = dir();
    const file = writeLegacy(d, [ev(1000)]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"schema"', '"sch#ma"'));
    const problems: string[] = [];
    const b = await open(d, { windowId: '1-t', onProblem: (m) => problems.push(m) });
    assert.match(problems[0], /snapshot\.json is damaged.*none of its events could be read/);
    assert.deepEqual(await b.events(), []);
  });
});

describe('feedback store: text snapshot format (schema 2)', () => {
  const events: FeedbackEvent[] = [
    { t: 1000, item: 'file:a,b.ts', kind: 'open', amount: 1 },
    { t: 1000.5, item: 'snippet:user/"q"', kind: 'dwell', amount: 0.1, w: '7-w' },
    { t: 3000, item: 'file:a,b.ts', kind: 'dismiss', amount: 1, w: '8-x' },
  ];

  it('decodes what schema 2 wrote exactly (items with commas and quotes, windows, fractions)', () => {
    const text = finishSteps(encodeSnapshotSteps(events, { 'journal-7-w-0.jsonl': 42 }, { events: 5, items: 2 })).join('');
    const back = finishSteps(decodeSnapshotSteps(Buffer.from(text)));
    assert.deepEqual(back, { events, merged: { 'journal-7-w-0.jsonl': 42 }, evicted: { events: 5, items: 2 } });
  });

  it('tells when a file\'s lines do not add up to its header, keeping every good row', () => {
    const text = finishSteps(encodeSnapshotSteps(events, {}, { events: 0, items: 0 })).join('');
    const back = finishSteps(decodeSnapshotSteps(Buffer.from(text + '5000,0,0,1,0\n')));
    assert.deepEqual(back.damage, { why: ['the file has more lines than its header says'], kept: 4, expected: 3 });
    assert.equal(back.events.length, 4);
  });

  it('decodes a large snapshot (many chunks, rows streamed) exactly, and realigns its names after a removed line break', () => {
    const big: FeedbackEvent[] = Array.from({ length: 60_000 }, (_, i) => ({
      t: 1_700_000_000_000 + i,
      item: `file:src/f${(i * 7) % 3000}.ts`,
      kind: i % 2 ? 'edit' : 'open',
      amount: 1,
      w: `${i % 3}-w`,
    }));
    const text = finishSteps(encodeSnapshotSteps(big, {}, { events: 0, items: 0 })).join('');
    assert.deepEqual(finishSteps(decodeSnapshotSteps(Buffer.from(text))).events, big);
    // The line break after name 100 removed: names 100 and 101 are lost (one line), the names after them realigned.
    const damaged = text.replace('"file:src/f700.ts"\n', '"file:src/f700.ts"');
    const back = finishSteps(decodeSnapshotSteps(Buffer.from(damaged)));
    const lost = new Set(['file:src/f700.ts', 'file:src/f707.ts']);
    assert.deepEqual(back.events, big.filter((e) => !lost.has(e.item)));
    assert.match(back.damage?.why.join('; ') ?? '', /2 item or window name\(s\) are unreadable/);
  });
});
