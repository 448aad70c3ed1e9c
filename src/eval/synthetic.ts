// A synthetic session history for robustness checks of the shipped defaults on data they were not tuned on:
// a workspace of folders, "areas of work" spanning a few folders, areas that come and go over time, new files
// appearing, and noise files. Deterministic for a seed.
import { makeRng } from '../core/random';
import type { Interaction } from '../core/interaction';

export interface SyntheticOptions {
  sessions: number;
  folders: number;
  filesPerFolder: number;
  areas: number;
  seed: string | number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = { sessions: 2000, folders: 30, filesPerFolder: 12, areas: 20, seed: 7 };

export function syntheticHistory(opts: Partial<SyntheticOptions> = {}): Interaction[] {
  const o = { ...DEFAULT_SYNTHETIC, ...opts };
  const rng = makeRng(o.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)];
  const exts = ['ts', 'ts', 'ts', 'json', 'md', 'css'];
  // Files of a folder are born at different times: later sessions see new files.
  const files: Array<{ key: string; folder: number; born: number }> = [];
  for (let f = 0; f < o.folders; f++) {
    for (let j = 0; j < o.filesPerFolder; j++) {
      files.push({ key: `src/m${f}/f${j}.${pick(exts)}`, folder: f, born: Math.floor(rng() * rng() * o.sessions) });
    }
  }
  // Each area: 2-3 folders, files weighted by a Zipf-like popularity.
  const areas = Array.from({ length: o.areas }, () => {
    const folders = new Set<number>();
    const nf = 2 + Math.floor(rng() * 2);
    while (folders.size < nf) folders.add(Math.floor(rng() * o.folders));
    const members = files.filter((x) => folders.has(x.folder));
    return { members, weights: members.map((_, r) => 1 / (1 + ((r * 7919) % members.length))) };
  });
  const out: Interaction[] = [];
  let time = 1_600_000_000;
  let area = 0;
  for (let s = 0; s < o.sessions; s++) {
    // Work stays in an area for a while, then moves on.
    if (rng() < 0.15) area = Math.floor(rng() * o.areas);
    time += Math.floor(3600 * (0.5 + rng() * 30));
    const a = areas[area];
    const alive = a.members.map((m, r) => (m.born <= s ? a.weights[r] : 0));
    const total = alive.reduce((x, y) => x + y, 0);
    const size = 1 + Math.floor(rng() * rng() * 8);
    const chosen = new Set<string>();
    for (let t = 0; t < size && total > 0; t++) {
      let u = rng() * total;
      for (let r = 0; r < alive.length; r++) {
        u -= alive[r];
        if (u <= 0 && alive[r] > 0) {
          chosen.add(a.members[r].key);
          break;
        }
      }
    }
    if (rng() < 0.3) chosen.add(pick(files).key); // noise
    for (const key of chosen) out.push({ session: `syn${s}`, item: key, time, weight: 1 });
  }
  return out;
}
