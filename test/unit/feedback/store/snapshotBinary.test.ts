// snapshot.bin (schema 3): exact round trips, damage confined to the blocks it touches and told with counts, and the
// migration of a store an earlier version left (snapshot.json with journals half merged) without losing or doubling.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useStores, ev } from './helpers';
import { finishSteps } from '../../../../src/core/train';
import { FeedbackEvent } from '../../../../src/feedback/signal';
import { crc32 } from '../../../../src/feedback/store/crc32';
import { type DecodedSnapshot, EVENTS_PER_BLOCK, NAMES_PER_BLOCK, decodeSnapshotBinSteps, encodeSnapshotBinSteps } from '../../../../src/feedback/store/snapshotBinary';
import { encodeLegacySnapshotSteps } from './legacySnapshot';

/** The decoded file with its events as objects. */
function decode(buf: Uint8Array): Omit<DecodedSnapshot, 'stored'> & { events: FeedbackEvent[] } {
  const { stored, ...rest } = finishSteps(decodeSnapshotBinSteps(buf));
  return { ...rest, events: finishSteps(stored.eventsSteps()) };
}

const encode = (events: FeedbackEvent[], merged: Record<string, number> = {}): Buffer =>
  Buffer.concat(finishSteps(encodeSnapshotBinSteps(events, { merged, evicted: { events: 0, items: 0 } })));

/** Byte offsets of each block of a file, from its own header: [name blocks..., event blocks...]. */
function blocksOf(buf: Buffer): { nameAt: number[]; eventAt: number[] } {
  const headLen = buf.readUInt32LE(12);
  const head = JSON.parse(buf.toString('utf8', 24, 24 + headLen)) as { nameBlocks: { bytes: number }[]; eventBlocks: { bytes: number }[] };
  let at = 24 + headLen;
  const nameAt = head.nameBlocks.map((b) => ((at += b.bytes), at - b.bytes));
  const eventAt = head.eventBlocks.map((b) => ((at += b.bytes), at - b.bytes));
  return { nameAt, eventAt };
}

/** `n` events over `items` files, 3 windows, a rename now and then. */
function many(n: number, items: number): FeedbackEvent[] {
  return Array.from({ length: n }, (_, i): FeedbackEvent => {
    const t = 1_700_000_000_000 + i * 10;
    if (i % 997 === 996) return { t, item: `file:moved/f${i}.ts`, kind: 'rename', amount: 1, from: `file:src/f${i % items}.ts`, w: '2-w' };
    return { t, item: `file:src/f${(i * 7) % items}.ts`, kind: i % 3 ? 'edit' : 'dwell', amount: i % 3 ? 1 : 0.25 * (i % 40), w: `${i % 3}-w` };
  });
}

describe('feedback store: binary snapshot format', () => {
  it('decodes what it encodes exactly: odd names (unicode, HTML, quotes, commas), windows, fractions, renames', () => {
    const events: FeedbackEvent[] = [
      { t: 1000, item: 'file:a,b.ts', kind: 'open', amount: 1 },
      { t: 1000.5, item: 'snippet:user/"q"', kind: 'dwell', amount: 0.1, w: '7-w' },
      { t: 2000, item: 'file:dir/<img src=x onerror=alert(1)>.md', kind: 'edit', amount: 3, w: '7-w' },
      { t: 2500, item: 'file:données/日本語 😀.ts', kind: 'open', amount: 1 },
      { t: 2600, item: "file:it's/new.ts", kind: 'rename', amount: 1, from: 'file:a,b.ts', w: '8-x' },
      { t: 3000, item: 'file:a,b.ts', kind: 'dismiss', amount: 1, w: '8-x' },
    ];
    const back = decode((encode(events, { 'journal-7-w-0.jsonl': 42 })));
    assert.deepEqual(back, { events, merged: { 'journal-7-w-0.jsonl': 42 }, evicted: { events: 0, items: 0 } });
    assert.deepEqual(decode((encode([]))), { events: [], merged: {}, evicted: { events: 0, items: 0 } });
  });

  it('round-trips many blocks of events and names, also from a buffer not aligned for its columns', () => {
    const big = many(EVENTS_PER_BLOCK * 2 + 123, NAMES_PER_BLOCK + 500);
    const buf = encode(big);
    assert.ok(blocksOf(buf).eventAt.length === 3 && blocksOf(buf).nameAt.length >= 2);
    assert.deepEqual(decode((buf)).events, big);
    // The same bytes 3 bytes into a larger buffer: the float columns cannot be viewed in place and are copied.
    const shifted = Buffer.alloc(buf.length + 3);
    buf.copy(shifted, 3);
    assert.deepEqual(decode((shifted.subarray(3))).events, big);
  });

  it('a block that fails its checksum is read value by value: only the event with a bad value is lost, and it is told', () => {
    const big = many(EVENTS_PER_BLOCK * 2 + 10, 300);
    const buf = encode(big);
    const { eventAt } = blocksOf(buf);
    buf[eventAt[1] + 28 * EVENTS_PER_BLOCK + 5] ^= 0x40; // the kind of event 5 of block 1: no such kind
    const back = decode((buf));
    const lost = EVENTS_PER_BLOCK + 5;
    assert.deepEqual(back.events, big.filter((_, i) => i !== lost));
    assert.deepEqual(back.damage, {
      why: ['1 block(s) fail their checksum (their values were checked one by one)', '1 event(s) are malformed'],
      kept: big.length - 1,
      expected: big.length,
    });
    // A padding byte: nothing is lost, but the damage is still told.
    const pad = encode(big.slice(0, 3));
    pad[pad.length - 1] ^= 0x01;
    const padded = decode((pad));
    assert.deepEqual(padded.events, big.slice(0, 3));
    assert.equal(padded.damage?.kept, 3);
  });

  it('a damaged name loses the events of that name only; a line break added among names loses that block of names', () => {
    const big = many(5000, NAMES_PER_BLOCK + 100);
    const buf = encode(big);
    const { nameAt } = blocksOf(buf);
    const itemsInOrder = [...new Set(big.flatMap((e) => [e.item, ...(e.from ? [e.from] : [])]))];
    const using = (lost: Set<string>) => big.filter((e) => !lost.has(e.item) && !(e.from !== undefined && lost.has(e.from)));
    const quote = Buffer.from(buf);
    quote[nameAt[1]] ^= 0x01; // the opening quote of the first name of block 1
    const one = decode((quote));
    assert.deepEqual(one.events, using(new Set([itemsInOrder[NAMES_PER_BLOCK]])));
    assert.match(one.damage?.why.join('; ') ?? '', /1 block\(s\) fail their checksum.*; 1 item or window name\(s\) are unreadable/);
    const brk = Buffer.from(buf);
    brk[nameAt[1] + 4] = 0x0a;
    const block = decode((brk));
    const want = using(new Set(itemsInOrder.slice(NAMES_PER_BLOCK)));
    assert.ok(want.length > 0 && want.length < big.length);
    // the windows' names are in block 1 too (after the items): every event there named a window
    assert.deepEqual(block.events, want.filter((e) => e.w === undefined));
  });

  it('a file cut short keeps the blocks before the cut; a damaged header or prefix is refused whole', () => {
    const big = many(EVENTS_PER_BLOCK + 50, 200);
    const buf = encode(big);
    const cut = decode((buf.subarray(0, buf.length - 10)));
    assert.deepEqual(cut.events, big.slice(0, EVENTS_PER_BLOCK));
    assert.match(cut.damage?.why[0] ?? '', /cut short \(1 of its \d+ blocks are missing\)/);
    const head = Buffer.from(buf);
    head[30] ^= 0x20;
    assert.throws(() => decode((head)), /header fails its checksum/);
    const magic = Buffer.from(buf);
    magic[0] = 0x7b;
    assert.throws(() => decode((magic)), /not a Latent feedback snapshot/);
    const schema = Buffer.from(buf);
    schema.writeUInt32LE(4, 8);
    assert.throws(() => decode((schema)), /schema version 4 is not 3/);
    assert.throws(() => decode((buf.subarray(0, 30))), /ends inside its header/);
  });

  it('an event that is not valid (NaN time, amount out of range, unknown kind) is dropped and counted, the rest kept', () => {
    const events = [ev(1000, 'file:a.ts'), ev(2000, 'file:b.ts'), ev(3000, 'file:c.ts')];
    const buf = encode(events);
    const at = blocksOf(buf).eventAt[0];
    // Rewrite a column value and the block's checksum (damage the checksum cannot see, e.g. a bug in a writer).
    buf.writeDoubleLE(Number.NaN, at + 8); // t of event 1
    const headLen = buf.readUInt32LE(12);
    const head = JSON.parse(buf.toString('utf8', 24, 24 + headLen)) as { eventBlocks: { crc: number }[] };
    const blockLen = buf.length - at;
    const fixed = JSON.stringify({ ...head, eventBlocks: [{ ...head.eventBlocks[0], crc: crc32(buf, at, at + blockLen) }] });
    const headBytes = Buffer.alloc(headLen, 0x20);
    headBytes.write(fixed);
    assert.ok(Buffer.byteLength(fixed) <= headLen);
    headBytes.copy(buf, 24);
    buf.writeUInt32LE(crc32(headBytes), 16);
    const back = decode((buf));
    assert.deepEqual(back.events.map((e) => e.t), [1000, 3000]);
    assert.deepEqual(back.damage, { why: ['1 event(s) are malformed'], kept: 2, expected: 3 });
  });
});

describe('feedback store: binary snapshot on disk', () => {
  const { open, dir } = useStores();

  it('a store writes snapshot.bin; a damaged block is put aside with the loss told, the rest kept and rewritten', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-s', maxEvents: 1_000_000 });
    const big = many(EVENTS_PER_BLOCK + 300, 400).map(({ w: _w, ...e }) => e);
    for (const e of big) a.append(e);
    await a.dispose();
    const file = path.join(d, 'snapshot.bin');
    const buf = fs.readFileSync(file);
    const n = (JSON.parse(buf.toString('utf8', 24, 24 + buf.readUInt32LE(12))) as { events: number }).events;
    buf[blocksOf(buf).eventAt[1] + 20 * (n - EVENTS_PER_BLOCK) + 3] ^= 0x10; // a window index of block 1: no such window
    fs.writeFileSync(file, buf);
    const problems: string[] = [];
    const b = await open(d, { windowId: '1-t', maxEvents: 1_000_000, onProblem: (m) => problems.push(m) });
    assert.equal(problems.length, 1);
    const told = `snapshot.bin is damaged (1 block(s) fail their checksum (their values were checked one by one); 1 event(s) are malformed). ${n - 1} of its ${n} events were salvaged and 1 lost; the damaged file was moved aside to snapshot.bin.corrupt-`;
    assert.ok(problems[0].includes(told), problems[0]);
    const stored = (await b.events()).length;
    assert.equal(stored, n - 1);
    assert.equal(fs.readdirSync(d).filter((x) => x.startsWith('snapshot.bin.corrupt-')).length, 1);
    const again: string[] = [];
    const c = await open(d, { windowId: '1-u', maxEvents: 1_000_000, onProblem: (m) => again.push(m) });
    assert.equal((await c.events()).length, stored);
    assert.deepEqual(again, []);
  });

  it('migrates an earlier version\'s store (snapshot.json and a half-merged journal): nothing lost, nothing doubled', async () => {
    const d = dir();
    const old = [ev(1000, 'file:a.ts'), ev(2000, 'file:<b>.ts', 'edit', 2), { ...ev(3000, 'file:c.ts', 'dwell', 12.5), w: '5-w' }];
    // A journal of a window that is gone: its first two lines were merged into the text snapshot, the third was not.
    const lines = [ev(2500, 'file:j1.ts'), ev(2600, 'file:j2.ts'), ev(4000, 'file:j3.ts')].map((e) => JSON.stringify(e) + '\n');
    const journal = 'journal-999999999-gone-0.jsonl';
    fs.writeFileSync(path.join(d, journal), lines.join(''));
    const mergedBytes = Buffer.byteLength(lines[0] + lines[1]);
    const merged = [...old, { ...ev(2500, 'file:j1.ts'), w: '999999999-gone' }, { ...ev(2600, 'file:j2.ts'), w: '999999999-gone' }];
    fs.writeFileSync(
      path.join(d, 'snapshot.json'),
      finishSteps(encodeLegacySnapshotSteps(merged.sort((x, y) => x.t - y.t), { [journal]: mergedBytes }, { events: 0, items: 0 })).join(''),
    );
    const problems: string[] = [];
    const a = await open(d, { windowId: '1-m', onProblem: (m) => problems.push(m) });
    const want = [1000, 2000, 2500, 2600, 3000, 4000];
    assert.deepEqual((await a.events()).map((e) => e.t), want);
    assert.deepEqual(problems, []);
    assert.deepEqual(fs.readdirSync(d).filter((n) => !n.startsWith('journal-1-m')).sort(), ['snapshot.bin']);
    await a.dispose();
    const b = await open(d, { windowId: '1-n' });
    const got = await b.events();
    assert.deepEqual(got.map((e) => e.t), want);
    assert.deepEqual(got.find((e) => e.t === 3000), { t: 3000, item: 'file:c.ts', kind: 'dwell', amount: 12.5, w: '5-w' });
  });

  it('a compaction with nothing new (every journal line in the snapshot) leaves snapshot.bin as it is; one with new lines rewrites it', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-q' });
    for (const t of [1000, 2000]) a.append(ev(t));
    await a.dispose();
    const file = path.join(d, 'snapshot.bin');
    const stamp = (): string => {
      const s = fs.statSync(file);
      return `${s.ino}:${s.mtimeMs}:${s.size}`;
    };
    const before = stamp();
    const b = await open(d, { windowId: '1-r' }); // its start compacts: nothing to fold in
    assert.equal(await b.compact(), true);
    assert.equal(stamp(), before, 'not rewritten');
    assert.deepEqual((await b.events()).map((e) => e.t), [1000, 2000]);
    b.append(ev(3000));
    assert.equal(await b.compact(), true);
    const after = stamp();
    assert.notEqual(after, before, 'rewritten with the new line');
    // Its close seals its journal, whose lines the snapshot holds: the journal goes, the snapshot stays as it is.
    assert.ok(fs.readdirSync(d).some((n) => n.startsWith('journal-1-r')));
    await b.dispose();
    assert.equal(stamp(), after);
    assert.deepEqual(fs.readdirSync(d).filter((n) => n.startsWith('journal-')), []);
    const c = await open(d, { windowId: '1-s' });
    assert.deepEqual((await c.events()).map((e) => e.t), [1000, 2000, 3000]);
    c.append(ev(4000));
    await c.dispose();
    const e = await open(d, { windowId: '1-t' });
    assert.deepEqual((await e.events()).map((x) => x.t), [1000, 2000, 3000, 4000]);
  });

  it('after a crash between writing snapshot.bin and removing snapshot.json, the binary one wins and the text one goes', async () => {
    const d = dir();
    const a = await open(d, { windowId: '1-s' });
    a.append(ev(1000));
    await a.dispose();
    // The text snapshot the migration read (older: it lacks 1000 and holds 500), as a crash would have left it.
    fs.writeFileSync(path.join(d, 'snapshot.json'), finishSteps(encodeLegacySnapshotSteps([ev(500)], {}, { events: 0, items: 0 })).join(''));
    const b = await open(d, { windowId: '1-t' });
    assert.deepEqual((await b.events()).map((e) => e.t), [1000]);
    assert.ok(!fs.existsSync(path.join(d, 'snapshot.json')));
  });
});
