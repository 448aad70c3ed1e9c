// Hand-made session history shared by the quality tests; expected values in the tests are worked out by hand.
import type { Interaction } from '../../../src/core/interaction';

export const DAY = 86400;

const rows: Array<[string, string, number]> = [
  // out of order on purpose: the protocol must sort sessions by time
  ['s10', 'b', 10],
  ['s10', 'y', 10],
  ['s1', 'a', 1],
  ['s1', 'b', 1],
  ['s2', 'a', 2],
  ['s2', 'b', 2],
  ['s2', 'c', 2],
  ['s3', 'b', 3],
  ['s3', 'c', 3],
  ['s4', 'c', 4],
  ['s4', 'd', 4],
  ['s5', 'a', 5],
  ['s5', 'd', 5],
  ['s6', 'a', 6],
  ['s6', 'b', 6],
  ['s6', 'a', 6], // repeated row: counted once per session
  ['s7', 'e', 7],
  ['s8', 'a', 8],
  ['s9', 'a', 9],
  ['s9', 'c', 9],
  ['s9', 'x', 9], // never seen in training: not a test item
];

export const TOY: Interaction[] = rows.map(([session, item, day]) => ({ session, item, time: day * DAY, weight: 1 }));

// Two areas of work: the UI (src/ui/*.ts) and the tests (test/*.ts); sessions stay within one area.
export const UI = ['file:src/ui/a.ts', 'file:src/ui/b.ts', 'file:src/ui/c.ts', 'file:src/ui/d.ts'];
export const TESTS = ['file:test/w.ts', 'file:test/x.ts', 'file:test/y.ts', 'file:test/z.ts'];
export function twoAreas(sessions = 60): Interaction[] {
  const out: Interaction[] = [];
  for (let s = 0; s < sessions; s++) {
    const area = s % 2 === 0 ? UI : TESTS;
    // rotate which 3 of the 4 files a session touches
    for (let j = 0; j < 3; j++) out.push({ session: `s${s}`, item: area[(Math.floor(s / 2) + j) % 4], time: 1000 + s * 3600, weight: 1 + j });
  }
  return out;
}
