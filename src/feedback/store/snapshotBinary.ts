// snapshot.bin (schema 3): the compacted events as columns of typed arrays, in checksummed blocks.
//
// Why columns: reading a million events from text was a million lines split and parsed (schema 2); here each block is
// a few typed-array views over the file's bytes, and only the event objects the store hands out are allocated.
// Why blocks with their own CRC-32: damage (a bad sector, a stray write, a file cut short) is found and told, and
// confined to the blocks it touches: a block that fails its checksum is still read value by value (as a damaged
// line of the text format was), keeping every event that is still valid, and a file cut short keeps the blocks before
// the cut.
//
// Layout (little-endian, every block starting at a multiple of 8):
//   prefix, 24 bytes: magic "LATNTSNP", schema u32 (3), header length u32, header CRC-32 u32, 0 u32
//   header: UTF-8 JSON (format, schema, savedAt, kinds, merged, evicted, counts, nameBlocks, eventBlocks), padded
//           with spaces; its CRC covers the padding
//   name blocks: up to NAMES_PER_BLOCK names each, one JSON string and a line break per name, padded with spaces;
//           the item names come first, then the window ids ("" = none)
//   event blocks: up to EVENTS_PER_BLOCK events each, as columns: t f64, amount f64, item u32, window u32,
//           from i32 (a rename's old item, -1 = none), kind u8 (an index into the header's kinds), zero-padded
import type { Steps } from '../../core/train';
import { FeedbackEvent, SIGNAL_KINDS, isEventAmount, isEventItem, isEventTime, isRenameSource, isSignalKind } from '../signal';
import { type EventColumns, StoredEvents, emptyColumnsSteps, kindIndexOf } from '../storedEvents';
import { CRC32_START, crc32, crc32Final, crc32Update } from './crc32';
import { STEP, rangeSteps } from './steps';

export const SNAPSHOT_BIN_SCHEMA = 3;
const MAGIC = 'LATNTSNP';
const PREFIX_BYTES = 24;
/** A million events make 123 blocks: a header of a few kB, and a cut-off file loses at most one block more. */
export const EVENTS_PER_BLOCK = 8192;
export const NAMES_PER_BLOCK = 1024;
/** t, amount (f64), item, window, from (32-bit), kind (8-bit) */
const BYTES_PER_EVENT = 29;
/** bytes checksummed between yield points */
const CRC_SLICE = 1 << 16;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface BlockInfo {
  /** names or events in the block */
  n: number;
  /** its length in the file, padding included */
  bytes: number;
  crc: number;
}

/** What a compacted snapshot holds besides its events. */
export interface SnapshotMeta {
  merged: Record<string, number>;
  evicted: { events: number; items: number };
}

/** What a damaged snapshot still gave: `kept` of the `expected` events (the header's count), and why it is damaged. */
export interface SnapshotDamage {
  why: string[];
  kept: number;
  expected: number;
}

export interface DecodedSnapshot extends SnapshotMeta {
  stored: StoredEvents;
  /** set when the file is damaged but its header was readable: every event still valid was kept */
  damage?: SnapshotDamage;
}

const pad8 = (n: number): number => (n + 7) & ~7;
const eventBlockBytes = (n: number): number => pad8(n * BYTES_PER_EVENT);

function* crcSteps(bytes: Uint8Array): Steps<number> {
  let state = CRC32_START;
  for (let at = 0; at < bytes.length; at += CRC_SLICE) {
    state = crc32Update(state, bytes, at, Math.min(bytes.length, at + CRC_SLICE));
    yield;
  }
  return crc32Final(state);
}

/** UTF-8 of `text` padded with spaces to a multiple of 8 bytes (JSON allows trailing whitespace). */
function paddedText(text: string): Uint8Array {
  const raw = new TextEncoder().encode(text);
  const out = new Uint8Array(pad8(raw.length)).fill(0x20);
  out.set(raw);
  return out;
}

/**
 * The file's bytes, as chunks to write one after another: events sorted by time (the caller's order is kept),
 * `meta` as the header says it.
 */
export function* encodeSnapshotBinSteps(events: readonly FeedbackEvent[], meta: SnapshotMeta): Steps<Uint8Array[]> {
  if (!LITTLE_ENDIAN) throw new Error('the feedback snapshot format needs a little-endian machine');
  const n = events.length;
  const t = new Float64Array(n);
  const amount = new Float64Array(n);
  const item = new Uint32Array(n);
  const win = new Uint32Array(n);
  const from = new Int32Array(n);
  const kind = new Uint8Array(n);
  const items: string[] = [];
  const itemIx = new Map<string, number>();
  const windows: string[] = [];
  const windowIx = new Map<string, number>();
  const indexOf = (name: string): number => {
    let ix = itemIx.get(name);
    if (ix === undefined) itemIx.set(name, (ix = items.push(name) - 1));
    return ix;
  };
  for (let i = 0; i < n; i++) {
    const e = events[i];
    t[i] = e.t;
    amount[i] = e.amount;
    item[i] = indexOf(e.item);
    const w = e.w ?? '';
    let wi = windowIx.get(w);
    if (wi === undefined) windowIx.set(w, (wi = windows.push(w) - 1));
    win[i] = wi;
    from[i] = e.from === undefined ? -1 : indexOf(e.from);
    kind[i] = kindIndexOf(e.kind) ?? 0;
    if ((i & (STEP - 1)) === 0) yield;
  }

  const names = [...items, ...windows];
  const nameBlocks: Uint8Array[] = [];
  const nameInfo: BlockInfo[] = [];
  for (let at = 0; at < names.length; at += NAMES_PER_BLOCK) {
    const part = names.slice(at, at + NAMES_PER_BLOCK);
    const bytes = paddedText(part.map((x) => JSON.stringify(x) + '\n').join(''));
    nameBlocks.push(bytes);
    nameInfo.push({ n: part.length, bytes: bytes.length, crc: yield* crcSteps(bytes) });
  }

  const eventBlocks: Uint8Array[] = [];
  const eventInfo: BlockInfo[] = [];
  for (let at = 0; at < n; at += EVENTS_PER_BLOCK) {
    const m = Math.min(EVENTS_PER_BLOCK, n - at);
    const block = new Uint8Array(eventBlockBytes(m));
    const put = (col: Float64Array | Uint32Array | Int32Array | Uint8Array, offset: number): void => {
      block.set(new Uint8Array(col.buffer, at * col.BYTES_PER_ELEMENT, m * col.BYTES_PER_ELEMENT), offset);
    };
    put(t, 0);
    put(amount, 8 * m);
    put(item, 16 * m);
    put(win, 20 * m);
    put(from, 24 * m);
    put(kind, 28 * m);
    yield;
    eventBlocks.push(block);
    eventInfo.push({ n: m, bytes: block.length, crc: yield* crcSteps(block) });
  }

  const header = paddedText(
    JSON.stringify({
      format: 'latent-feedback-snapshot',
      schema: SNAPSHOT_BIN_SCHEMA,
      savedAt: Date.now(),
      kinds: [...SIGNAL_KINDS],
      merged: meta.merged,
      evicted: meta.evicted,
      items: items.length,
      windows: windows.length,
      events: n,
      nameBlocks: nameInfo,
      eventBlocks: eventInfo,
    }),
  );
  const prefix = new Uint8Array(PREFIX_BYTES);
  prefix.set(new TextEncoder().encode(MAGIC));
  const dv = new DataView(prefix.buffer);
  dv.setUint32(8, SNAPSHOT_BIN_SCHEMA, true);
  dv.setUint32(12, header.length, true);
  dv.setUint32(16, crc32(header), true);
  return [prefix, header, ...nameBlocks, ...eventBlocks];
}

/** Whether `buf` starts like a schema 3 snapshot (and not like a text one). */
export function isBinarySnapshot(buf: Uint8Array): boolean {
  return buf.length >= MAGIC.length && new TextDecoder().decode(buf.subarray(0, MAGIC.length)) === MAGIC;
}

const BAD = Symbol('bad name');

/** A typed-array view of `n` elements at byte `offset` of `buf`, copied when the offset is not aligned for it. */
function column<T extends Float64Array | Uint32Array | Int32Array>(
  Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; readonly BYTES_PER_ELEMENT: number },
  buf: Uint8Array,
  offset: number,
  n: number,
): T {
  const at = buf.byteOffset + offset;
  if (at % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(buf.buffer, at, n);
  return new Ctor(new Uint8Array(buf.subarray(offset, offset + n * Ctor.BYTES_PER_ELEMENT)).buffer, 0, n); // a copy
}

function checkBlocks(v: unknown, total: number, what: string, size?: (n: number) => number): BlockInfo[] {
  if (!Array.isArray(v)) throw new Error(`its ${what} block table is missing`);
  let sum = 0;
  for (const b of v as Partial<BlockInfo>[]) {
    const ok =
      typeof b === 'object' && b !== null && Number.isInteger(b.n) && (b.n as number) > 0 && Number.isInteger(b.bytes) &&
      (b.bytes as number) % 8 === 0 && (size === undefined || b.bytes === size(b.n as number)) && Number.isInteger(b.crc);
    if (!ok) throw new Error(`its ${what} block table is malformed`);
    sum += b.n as number;
  }
  if (sum !== total) throw new Error(`its ${what} blocks hold ${sum} ${what}s, not the ${total} its header says`);
  return v as BlockInfo[];
}

/**
 * Reads a schema 3 file. Throws when its prefix or header is unreadable or fails its checksum (nothing can be trusted
 * then). Damage after the header (a block that fails its checksum, a file cut short, an event that is not valid) keeps
 * every sound event and says what was lost in `damage`; a damaged name block loses the events of those names only.
 */
export function* decodeSnapshotBinSteps(buf: Uint8Array): Steps<DecodedSnapshot> {
  if (!isBinarySnapshot(buf) || buf.length < PREFIX_BYTES) throw new Error('not a Latent feedback snapshot');
  const dv = new DataView(buf.buffer, buf.byteOffset, PREFIX_BYTES);
  const schema = dv.getUint32(8, true);
  if (schema !== SNAPSHOT_BIN_SCHEMA) throw new Error(`schema version ${schema} is not ${SNAPSHOT_BIN_SCHEMA}`);
  if (!LITTLE_ENDIAN) throw new Error('the feedback snapshot format needs a little-endian machine');
  const headLen = dv.getUint32(12, true);
  if (PREFIX_BYTES + headLen > buf.length) throw new Error('the file ends inside its header');
  const headBytes = buf.subarray(PREFIX_BYTES, PREFIX_BYTES + headLen);
  if (crc32(headBytes) !== dv.getUint32(16, true)) throw new Error('its header fails its checksum');
  const head = JSON.parse(new TextDecoder().decode(headBytes)) as Record<string, unknown>;
  const counts = [head.items, head.windows, head.events];
  if (head.format !== 'latent-feedback-snapshot' || !Array.isArray(head.kinds) || !counts.every((c) => Number.isInteger(c) && (c as number) >= 0)) {
    throw new Error('missing or malformed fields');
  }
  const [nItems, nWindows, nEvents] = counts as number[];
  const merged = checkOffsets(head.merged);
  const evicted = evictedOf(head.evicted as { events?: unknown; items?: unknown } | undefined);
  const nameBlocks = checkBlocks(head.nameBlocks, nItems + nWindows, 'name');
  const eventBlocks = checkBlocks(head.eventBlocks, nEvents, 'event', eventBlockBytes);
  const kinds = (head.kinds as unknown[]).map((k) => (isSignalKind(k) ? k : undefined));

  let at = PREFIX_BYTES + headLen;
  let cut = 0;
  let failed = 0;
  /** the block's bytes (undefined when the file is cut short before its end) and whether they pass its checksum */
  function* block(b: BlockInfo): Steps<{ bytes: Uint8Array; sound: boolean } | undefined> {
    const start = at;
    at += b.bytes;
    if (at > buf.length) {
      cut++;
      return undefined;
    }
    const bytes = buf.subarray(start, at);
    const sound = (yield* crcSteps(bytes)) === b.crc;
    if (!sound) failed++;
    return { bytes, sound };
  }

  const names: (string | typeof BAD)[] = [];
  let badNames = 0;
  for (const b of nameBlocks) {
    const got = yield* block(b);
    const part = got === undefined ? undefined : namesOf(got.bytes, b.n);
    for (let i = 0; i < b.n; i++) {
      const name = part === undefined ? BAD : part[i];
      names.push(name);
      if (name === BAD) badNames++;
    }
    yield;
  }
  // Which names a valid event may use, checked once per name (an item key's check is a parse).
  const itemOk = new Uint8Array(nItems);
  yield* rangeSteps(nItems, STEP, (lo, hi) => {
    for (let i = lo; i < hi; i++) itemOk[i] = names[i] !== BAD && isEventItem(names[i]) ? 1 : 0;
  });
  const kindOf = Int16Array.from(kinds, (k) => (k === undefined ? -1 : (kindIndexOf(k) ?? -1)));
  // a window's index in the stored table: -1 for none (''), -2 for an unreadable name
  const windowOut = Int32Array.from({ length: nWindows }, (_, w) => (names[nItems + w] === BAD ? -2 : names[nItems + w] === '' ? -1 : w));
  const check: RowCheck = { kindOf, itemOk, windowOut, renameKind: kindIndexOf('rename') as number, names, nItems };
  const out = yield* emptyColumnsSteps(nEvents);
  let kept = 0;
  let badRows = 0;
  for (const b of eventBlocks) {
    const got = yield* block(b);
    if (got === undefined) continue;
    const { bytes } = got;
    const m = b.n;
    const t = column(Float64Array, bytes, 0, m);
    const amount = column(Float64Array, bytes, 8 * m, m);
    const item = column(Uint32Array, bytes, 16 * m, m);
    const win = column(Uint32Array, bytes, 20 * m, m);
    const from = column(Int32Array, bytes, 24 * m, m);
    const kind = bytes.subarray(28 * m, 29 * m);
    const before = kept;
    for (let lo = 0; lo < m; lo += ROWS_PER_STEP) {
      kept = copyValidRows({ t, amount, item, win, from, kind }, lo, Math.min(m, lo + ROWS_PER_STEP), out, kept, check);
      yield;
    }
    badRows += m - (kept - before);
  }
  const cols = kept === nEvents ? out : {
    ...out,
    t: out.t.slice(0, kept),
    amount: out.amount.slice(0, kept),
    item: out.item.slice(0, kept),
    window: out.window.slice(0, kept),
    kind: out.kind.slice(0, kept),
    from: out.from.slice(0, kept),
  };
  // Names that are unreadable stay in the tables as '' (no kept event refers to them).
  const table = names.map((x) => (x === BAD ? '' : x));
  const stored = new StoredEvents({ ...cols, items: table.slice(0, nItems), windows: table.slice(nItems) });

  const why: string[] = [];
  if (cut > 0) why.push(`the file is cut short (${cut} of its ${nameBlocks.length + eventBlocks.length} blocks are missing)`);
  if (failed > 0) why.push(`${failed} block(s) fail their checksum (their values were checked one by one)`);
  if (badNames > 0) why.push(`${badNames} item or window name(s) are unreadable`);
  if (badRows > 0) why.push(`${badRows} event(s) are malformed`);
  if (at < buf.length) why.push('the file has bytes past its last block');
  const snap: DecodedSnapshot = { stored, merged, evicted };
  if (why.length > 0) snap.damage = { why, kept, expected: nEvents };
  return snap;
}

const ROWS_PER_STEP = 2048;

interface BlockColumns {
  t: Float64Array;
  amount: Float64Array;
  item: Uint32Array;
  win: Uint32Array;
  from: Int32Array;
  kind: Uint8Array;
}

interface RowCheck {
  /** header kind index -> SIGNAL_KINDS index, -1 unknown */
  kindOf: Int16Array;
  /** 1 where the item name is a valid event item */
  itemOk: Uint8Array;
  windowOut: Int32Array;
  renameKind: number;
  names: readonly (string | typeof BAD)[];
  nItems: number;
}

/**
 * Copies the valid rows among [lo, hi) of a block to `out` from row `kept` on; returns the new count. checkEvent's
 * rules (signal.ts) on the columns: a row is kept only when it is a valid event. A plain function, not part of the
 * generator, so the engine optimizes the loop.
 */
function copyValidRows(src: BlockColumns, lo: number, hi: number, out: EventColumns, kept: number, c: RowCheck): number {
  const { kindOf, itemOk, windowOut, renameKind, names, nItems } = c;
  for (let i = lo; i < hi; i++) {
    const k = src.kind[i] < kindOf.length ? kindOf[src.kind[i]] : -1;
    const ii = src.item[i];
    const wi = src.win[i];
    const fi = src.from[i];
    const w = wi < windowOut.length ? windowOut[wi] : -2;
    const ok =
      k >= 0 && ii < nItems && itemOk[ii] === 1 && w !== -2 && isEventTime(src.t[i]) && isEventAmount(src.amount[i]) &&
      (k === renameKind ? fi >= 0 && fi < nItems && itemOk[fi] === 1 && isRenameSource(names[fi], names[ii] as string) : fi === -1);
    if (!ok) continue;
    out.t[kept] = src.t[i];
    out.amount[kept] = src.amount[i];
    out.item[kept] = ii;
    out.window[kept] = w;
    out.kind[kept] = k;
    out.from[kept] = fi;
    kept++;
  }
  return kept;
}

/**
 * The `n` names of a name block, each BAD that is not a JSON string; undefined when the block does not have `n` lines
 * (a line break added or removed: which name is on which line is then unknown).
 */
function namesOf(bytes: Uint8Array, n: number): (string | typeof BAD)[] | undefined {
  const lines = new TextDecoder().decode(bytes).split('\n');
  lines.pop(); // the padding after the last line break
  while (lines.length > n && lines[lines.length - 1].trim() === '') lines.pop(); // a padding byte turned line break
  if (lines.length !== n) return undefined;
  return lines.map((line) => {
    try {
      const v: unknown = JSON.parse(line);
      return typeof v === 'string' ? v : BAD;
    } catch {
      return BAD;
    }
  });
}

/** The header's journal offsets; throws when they are not what a snapshot writes. */
export function checkOffsets(merged: unknown): Record<string, number> {
  if (typeof merged !== 'object' || merged === null || Object.values(merged).some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error('malformed journal offsets');
  }
  return { ...(merged as Record<string, number>) };
}

/** The header's eviction counts (zeros when missing). */
export function evictedOf(evicted: { events?: unknown; items?: unknown } | undefined): { events: number; items: number } {
  return evicted && Number.isFinite(evicted.events) && Number.isFinite(evicted.items)
    ? { events: evicted.events as number, items: evicted.items as number }
    : { events: 0, items: 0 };
}
