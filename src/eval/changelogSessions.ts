// A GNU ChangeLog as sessions: each change's files, as a commit's are. GNU projects write one (by hand, or from git
// with gitlog-to-changelog), and Debian installs many as /usr/share/doc/<package>/changelog.gz: real histories of
// what was changed together, to check the ranker on histories its settings were never chosen on.
import { LatentInputError } from '../core/errors';
import type { Interaction } from '../core/interaction';

/** `2022-04-15  Name  <mail>`, or the older `Tue Jan 15 12:00:00 1993  Name  (mail)`. */
const ISO_HEADER = /^(\d{4})-(\d{2})-(\d{2})\b/;
const OLD_HEADER = /^[A-Z][a-z]{2} +([A-Z][a-z]{2}) +(\d{1,2}) +(?:\d{1,2}:\d{2}(?::\d{2})? +)?(?:[A-Z]{2,5} +)?(\d{4})\b/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The day an entry's header names (unix seconds at 00:00 UTC), or undefined for any other line. */
function headerDay(line: string): number | undefined {
  const iso = ISO_HEADER.exec(line);
  if (iso) return dayOf(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const old = OLD_HEADER.exec(line);
  if (old) return dayOf(Number(old[3]), MONTHS.indexOf(old[1]) + 1, Number(old[2]));
  return undefined;
}

function dayOf(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  return Date.UTC(y, m - 1, d) / 1000;
}

/**
 * The files of a `* a.c, b/c.h (fn): text` line: the names before the first `(`, `[` or `:`, split at commas. A
 * name with a space in it is prose (`* Fix the build.`), not a file.
 */
function filesOf(line: string): string[] {
  const head = line.replace(/^\*\s*/, '').split(/[([:]/, 1)[0];
  return head
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '' && !/\s/.test(f));
}

/**
 * Sessions of a ChangeLog's text, oldest first: one per change (under a header, a change starts at a summary line
 * after a blank line once the change before it has named files; a hand-written entry without summaries is one
 * change), its items the files its `*` lines name, each once. A change's time is its day plus a minute per change
 * of that day before it (the file lists the newest first), so that one day's changes keep their order.
 * Throws LatentInputError when no change names a file.
 */
export function parseChangeLog(text: string): Interaction[] {
  const changes: Array<{ day: number; files: Set<string> }> = [];
  let day: number | undefined;
  let current: { day: number; files: Set<string> } | undefined;
  let afterBlank = false;
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') {
      afterBlank = true;
      continue;
    }
    if (!/^\s/.test(raw)) {
      // A header opens an entry; any other line at the margin (a copyright notice, Local Variables) closes one.
      day = headerDay(raw);
      current = undefined;
      afterBlank = false;
      continue;
    }
    if (day === undefined) continue;
    const line = raw.trim();
    const star = line.startsWith('*');
    if (current === undefined || (!star && afterBlank && current.files.size > 0)) {
      current = { day, files: new Set() };
      changes.push(current);
    }
    if (star) for (const f of filesOf(line)) current.files.add(f);
    afterBlank = false;
  }
  const out: Interaction[] = [];
  const perDay = new Map<number, number>();
  let n = 0;
  for (let c = changes.length - 1; c >= 0; c--) {
    const { day: d, files } = changes[c];
    if (files.size === 0) continue;
    const before = perDay.get(d) ?? 0;
    perDay.set(d, before + 1);
    const session = `change-${n++}`;
    for (const item of files) out.push({ session, item, time: d + 60 * before, weight: 1 });
  }
  if (out.length === 0) throw new LatentInputError('no ChangeLog entry names a file (expected lines like "* src/a.c (fn): ..." under "YYYY-MM-DD  Name  <mail>")');
  return out;
}
