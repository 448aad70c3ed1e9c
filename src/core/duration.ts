/**
 * A short span as people read it: "40 ms" under a second, "1.5 s", "30 s" above (one decimal at most). A retrain in a
 * kept worker thread can take a few dozen ms, which seconds alone showed as "0.0 s".
 */
export function shortDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
