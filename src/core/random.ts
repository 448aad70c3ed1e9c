// Seeded randomness: every trainer draws from here so a seed fully determines the result.
import seedrandom from 'seedrandom';

/** Uniform [0, 1) generator, deterministic for a seed (seedrandom's ARC4). */
export function makeRng(seed: string | number): () => number {
  const prng = seedrandom(String(seed));
  return () => prng();
}

/** n samples from N(0, std^2) via Box-Muller, as Float32Array. */
export function normalInit(n: number, std: number, rng: () => number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let i = 0; i < n; i += 2) {
    let u1 = rng();
    while (u1 <= 1e-12) u1 = rng();
    const u2 = rng();
    const r = std * Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * n samples from the uniform distribution on [-sqrt(3) std, sqrt(3) std) (deviation std), as Float32Array, from a
 * 32-bit generator (makeFastUint32): for many vectors that only need to start small and unlike each other.
 */
export function uniformInit(n: number, std: number, next: () => number, out: Float32Array = new Float32Array(n)): Float32Array {
  const half = std * Math.sqrt(3);
  for (let i = 0; i < n; i++) out[i] = half * (next() / 2147483648 - 1);
  return out;
}

/**
 * Fast 32-bit generator (xorshift128) seeded from a seedrandom stream, for hot loops (negative sampling)
 * where seedrandom's ARC4 would dominate the cost. Returns an integer in [0, 2^32).
 */
export function makeFastUint32(rng: () => number): () => number {
  let x = (rng() * 4294967296) >>> 0 || 1;
  let y = (rng() * 4294967296) >>> 0 || 2;
  let z = (rng() * 4294967296) >>> 0 || 3;
  let w = (rng() * 4294967296) >>> 0 || 4;
  return () => {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return w;
  };
}
