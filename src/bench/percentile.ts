/** The p-quantile (0..1) of ascending `sorted` by the nearest-rank-below rule every bench figure uses. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
