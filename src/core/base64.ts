// Base64 of the little-endian bytes of a Float32Array, without Buffer (core runs in browsers and workers too).
import { ModelFormatError } from './errors';
import { asciiText } from './host';
import { finishSteps, type Steps } from './train';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Every UTF-16 code unit's 6-bit value, -1 when it is not in the alphabet (indexing needs no range check). */
const LOOKUP = new Int8Array(65536).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
/** On a little-endian host a Float32Array's own bytes are the format's: no per-value conversion. */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

function floatsToBytes(a: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i], true);
  return bytes;
}

const CODES = Uint16Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = '='.charCodeAt(0);

/** One decoder for every model saved by this thread. */
const ascii = asciiText();

export function encodeFloat32(a: Float32Array): string {
  return ascii(base64Bytes(floatsToBytes(a)));
}

/**
 * The base64 text of `b` as ASCII bytes, made into a string at once by the host's decoder: 3.3 times faster than
 * strings of 8,192 character codes joined (1.3 MB of factors: 3.8 ms against 12.6, a /tmp script), and one string of
 * garbage instead of an argument list and a string per part (the worker's largest allocation in a retrain at 20,000
 * events: 11 MB of its 66 MB, the heap profiler).
 */
function base64Bytes(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(b.length / 3) * 4);
  let o = 0;
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out[o++] = CODES[(n >> 18) & 63];
    out[o++] = CODES[(n >> 12) & 63];
    out[o++] = i + 1 < b.length ? CODES[(n >> 6) & 63] : PAD;
    out[o++] = i + 2 < b.length ? CODES[n & 63] : PAD;
  }
  return out;
}

/** The bytes of a base64 string (standard alphabet, padded); `what` names it in the error. */
export function decodeBase64(s: string, what: string): Uint8Array {
  return finishSteps(decodeBase64Steps(s, what));
}

/** Characters decoded between pauses of the steps (about a ms of work). */
const CHARS_PER_STEP = 1 << 16;

/** The padding and byte count a base64 string declares; throws unless it is a string of whole 4-character groups. */
function base64Size(s: string, what: string): { pad: number; nBytes: number } {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw new ModelFormatError(`${what}: not base64 (length ${String(s?.length)})`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return { pad, nBytes: (s.length / 4) * 3 - pad };
}

/** decodeBase64 in steps of CHARS_PER_STEP characters: a large field decoded on the extension host in slices. */
export function* decodeBase64Steps(s: string, what: string): Steps<Uint8Array> {
  const { pad, nBytes } = base64Size(s, what);
  const bytes = new Uint8Array(nBytes);
  // Whole groups (four characters, three bytes, no padding) in chunks, then the last group with its padding.
  const whole = pad > 0 ? s.length - 4 : s.length;
  for (let i = 0; i < whole; i += CHARS_PER_STEP) {
    wholeGroups(s, i, Math.min(whole, i + CHARS_PER_STEP), bytes, what);
    if (i + CHARS_PER_STEP < whole) yield;
  }
  let o = (whole / 4) * 3;
  for (let i = whole; i < s.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const ch = s.charCodeAt(i + j);
      const isPad = ch === 61 && i + j >= s.length - pad;
      const v = isPad ? 0 : LOOKUP[ch];
      if (v < 0) throw new ModelFormatError(`${what}: invalid base64 character at ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < nBytes) bytes[o++] = (n >> 16) & 255;
    if (o < nBytes) bytes[o++] = (n >> 8) & 255;
    if (o < nBytes) bytes[o++] = n & 255;
  }
  return bytes;
}

/** Characters [from, to) of s, whole unpadded groups, into their bytes (a plain function: generators run loops slower). */
function wholeGroups(s: string, from: number, to: number, bytes: Uint8Array, what: string): void {
  let o = (from / 4) * 3;
  for (let i = from; i < to; i += 4) {
    const a = LOOKUP[s.charCodeAt(i)];
    const b = LOOKUP[s.charCodeAt(i + 1)];
    const c = LOOKUP[s.charCodeAt(i + 2)];
    const d = LOOKUP[s.charCodeAt(i + 3)];
    if ((a | b | c | d) < 0) throw new ModelFormatError(`${what}: invalid base64 character at ${i + [a, b, c, d].findIndex((v) => v < 0)}`);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[o++] = n >> 16;
    bytes[o++] = (n >> 8) & 255;
    bytes[o++] = n & 255;
  }
}

export function decodeFloat32(s: string, what: string): Float32Array {
  return finishSteps(decodeFloat32Steps(s, what));
}

/** decodeFloat32 in steps (decodeBase64Steps). */
export function* decodeFloat32Steps(s: string, what: string): Steps<Float32Array> {
  const { nBytes } = base64Size(s, what);
  if (nBytes % 4 !== 0) throw new ModelFormatError(`${what}: ${nBytes} bytes is not a whole number of float32 values`);
  const bytes = yield* decodeBase64Steps(s, what);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer);
  const out = new Float32Array(nBytes / 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
