// Base64 of the little-endian bytes of a Float32Array, without Buffer (core runs in browsers and workers too).
import { ModelFormatError } from './errors';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

function floatsToBytes(a: Float32Array): Uint8Array {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i], true);
  return bytes;
}

const CODES = Uint16Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = '='.charCodeAt(0);
/** characters decoded to a string at a time (a multiple of 4; far below the engines' argument limits) */
const CHARS_PER_PART = 8192;

export function encodeFloat32(a: Float32Array): string {
  const b = floatsToBytes(a);
  // Character codes into one reused buffer, a string made per 8,192: building the text a character at a time made
  // a cons string per step, which was most of the cost (and the garbage) of saving a model with 100k sessions.
  const parts: string[] = [];
  const out = new Uint16Array(CHARS_PER_PART);
  let o = 0;
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out[o++] = CODES[(n >> 18) & 63];
    out[o++] = CODES[(n >> 12) & 63];
    out[o++] = i + 1 < b.length ? CODES[(n >> 6) & 63] : PAD;
    out[o++] = i + 2 < b.length ? CODES[n & 63] : PAD;
    if (o === CHARS_PER_PART) {
      parts.push(String.fromCharCode.apply(null, out as unknown as number[]));
      o = 0;
    }
  }
  parts.push(String.fromCharCode.apply(null, out.subarray(0, o) as unknown as number[]));
  return parts.join('');
}

/** The bytes of a base64 string (standard alphabet, padded); `what` names it in the error. */
export function decodeBase64(s: string, what: string): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw new ModelFormatError(`${what}: not base64 (length ${String(s?.length)})`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const nBytes = (s.length / 4) * 3 - pad;
  const bytes = new Uint8Array(nBytes);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const ch = s.charCodeAt(i + j);
      const isPad = ch === 61 && i + j >= s.length - pad;
      const v = isPad ? 0 : ch < 128 ? LOOKUP[ch] : -1;
      if (v < 0) throw new ModelFormatError(`${what}: invalid base64 character at ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < nBytes) bytes[o++] = (n >> 16) & 255;
    if (o < nBytes) bytes[o++] = (n >> 8) & 255;
    if (o < nBytes) bytes[o++] = n & 255;
  }
  return bytes;
}

export function decodeFloat32(s: string, what: string): Float32Array {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw new ModelFormatError(`${what}: not base64 (length ${String(s?.length)})`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const nBytes = (s.length / 4) * 3 - pad;
  if (nBytes % 4 !== 0) throw new ModelFormatError(`${what}: ${nBytes} bytes is not a whole number of float32 values`);
  const bytes = decodeBase64(s, what);
  const out = new Float32Array(nBytes / 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
