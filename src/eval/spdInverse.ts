// Times EASE's dense SPD inverse (invertSpd) alone on one n x n matrix: symmetric, entries uniform in [0, 1) off the
// diagonal and 0.6 n on it (so positive definite), from a fixed seed. Prints n, the path, milliseconds and P's trace.
// Run: npx tsc -p . && node out/src/eval/spdInverse.js [n] [auto|js]
import { invertSpd, type SpdInverseKernel } from '../core/ease';

function main(): void {
  const n = Number(process.argv[2] ?? 2000);
  const kernel = (process.argv[3] ?? 'auto') as SpdInverseKernel;
  let s = 12345;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i] = rnd();
    A[i * n + i] = 0.6 * n;
  }
  const t0 = performance.now();
  const P = invertSpd(A, n, kernel);
  const ms = performance.now() - t0;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += P[i * n + i];
  console.log(JSON.stringify({ n, kernel, ms: Math.round(ms), trace }));
}

main();
