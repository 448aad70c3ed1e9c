// Sliced helpers shared by the journal, the snapshot and compaction: the extension host's event loop is shared with
// every other extension, so work over many events or lines runs as generator steps (core/train.ts) with yield points.
import type { Steps } from '../../core/train';
import type { FeedbackEvent } from '../signal';

/** Work units (events, lines) between yield points of the generator steps. */
export const STEP = 1024;

/**
 * Runs `body` over [0, n) in ranges of `size`, a step each. The loop lives in `body`, a plain function: a loop inside a
 * generator runs several times slower in V8, which made single steps of a few thousand rows take milliseconds.
 */
export function* rangeSteps(n: number, size: number, body: (lo: number, hi: number) => void): Steps<void> {
  for (let lo = 0; lo < n; lo += size) {
    body(lo, Math.min(n, lo + size));
    yield;
  }
}

/**
 * The order that sorts rows by time, stable (ties keep their order), or undefined when they are sorted already:
 * a natural merge sort of row numbers, written for nearly sorted input (runs of a snapshot and journals). The store's
 * columns and its event objects both sort through it.
 */
export function* timeOrderSteps(t: ArrayLike<number>): Steps<Int32Array | undefined> {
  const n = t.length;
  // Boundaries of the non-decreasing runs.
  const bounds = [0];
  yield* rangeSteps(n, STEP * 32, (lo, hi) => {
    for (let i = Math.max(1, lo); i < hi; i++) if (t[i] < t[i - 1]) bounds.push(i);
  });
  if (bounds.length === 1) return undefined;
  bounds.push(n);
  let src = new Int32Array(n);
  yield* rangeSteps(n, STEP * 32, (lo, hi) => {
    for (let i = lo; i < hi; i++) src[i] = i;
  });
  let dst = new Int32Array(n);
  let runs = bounds;
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r];
      const mid = runs[r + 1];
      const hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let a = lo;
      let b = mid;
      let o = lo;
      while (a < mid && b < hi) {
        // ties keep the earlier run first: stable, like Array.prototype.sort
        dst[o++] = t[src[b]] < t[src[a]] ? src[b++] : src[a++];
        if ((o & (STEP * 4 - 1)) === 0) yield;
      }
      while (a < mid) dst[o++] = src[a++];
      while (b < hi) dst[o++] = src[b++];
      next.push(hi);
      yield;
    }
    runs = next;
    [src, dst] = [dst, src];
  }
  return src;
}

/** Runs steps to the end in slices with turns of the event loop between them (the store's finishStepsAsync). */
export type Slicer = <T>(steps: Steps<T>) => Promise<T>;

/** Text chunks of about this many characters are written one at a time. */
export const CHUNK_CHARS = 1 << 16;

/**
 * Text gathered into chunks of about CHUNK_CHARS, each one flat string (Array.join) as soon as it is full. Built with
 * `+=` instead, a chunk is a tree of a small string and a cons cell per line that stays alive until written: for a
 * million lines that is millions of objects the host's scavenges copy into the old generation.
 */
export class ChunkBuilder {
  readonly chunks: string[] = [];
  private parts: string[] = [];
  private size = 0;

  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK_CHARS) this.cut();
  }

  /** The chunks, the last one possibly short; none for no text. */
  finish(): string[] {
    if (this.parts.length > 0) this.cut();
    return this.chunks;
  }

  private cut(): void {
    this.chunks.push(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/** Lines of `buf` in [start, end) (end just past a newline), decoded a slice at a time. */
export function* lineSteps(buf: Buffer, start: number, end: number, onLine: (line: string, index: number) => void): Steps<void> {
  let index = 0;
  for (let pos = start; pos < end; ) {
    // Decode about CHUNK_CHARS bytes up to a line end, then split: far cheaper than a toString per line.
    let stop = Math.min(end, pos + CHUNK_CHARS);
    if (stop < end) {
      const nl = buf.indexOf(0x0a, stop - 1);
      stop = nl < 0 || nl >= end ? end : nl + 1;
    }
    const lines = buf.toString('utf8', pos, stop).split('\n');
    pos = stop;
    // The text ends with a newline (or the end of the range): the last piece is empty or a line without one.
    const last = lines.length - 1;
    for (let i = 0; i < lines.length; i++) {
      if (i === last && lines[i] === '') break;
      onLine(lines[i], index++);
      // a chunk holds thousands of short lines (snapshot rows): parsing them all is more than one slice
      if ((i & (STEP / 4 - 1)) === STEP / 4 - 1) yield;
    }
    yield;
  }
}

/** How many lines `buf` has in [start, end) (end just past a newline), counted without decoding them. */
export function* countLinesSteps(buf: Buffer, start: number, end: number): Steps<number> {
  let n = 0;
  for (let pos = start; pos < end; n++) {
    const nl = buf.indexOf(0x0a, pos);
    pos = nl < 0 || nl >= end ? end : nl + 1;
    if ((n & (STEP * 8 - 1)) === 0) yield;
  }
  return n;
}

/** One array from several, copied in slices (a 200k-element copy is a few ms on its own). */
export function* concatSteps(parts: readonly FeedbackEvent[][]): Steps<FeedbackEvent[]> {
  const out: FeedbackEvent[] = [];
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      out.push(p[i]);
      if ((i & (STEP * 8 - 1)) === 0) yield;
    }
  }
  return out;
}
