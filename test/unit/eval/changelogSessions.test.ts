import * as assert from 'node:assert/strict';
import { LatentInputError } from '../../../src/core/errors';
import { parseChangeLog } from '../../../src/eval/changelogSessions';

// The shapes found in Debian's /usr/share/doc/*/changelog.gz: gitlog-to-changelog's (several commits under one
// header, a summary line each, a description paragraph before the files) and a hand-written entry in the old style.
const TEXT = [
  '2022-04-15  Pádraig Brady  <P@draigBrady.com>',
  '',
  '\tdoc: avoid unicode errors in texi conversion',
  '\tAvoid "Unicode character" errors.',
  '',
  '\t* doc/coreutils.texi (tr invocation): Avoid the @U{XXXX}',
  '\ttexi representation.',
  '\t* NEWS: Mention it.',
  '',
  '\ttail: detect closed stdout on Solaris',
  '\t* src/tail.c (check_output_alive): Use poll().',
  '\t* tests/tail-2/pipe-f.sh, src/tail.c [HAVE_POLL]: Likewise.',
  '',
  '\tmaint: a commit that names no file',
  '\tJust words.',
  '',
  '2022-04-14  Paul Eggert  <eggert@cs.ucla.edu>',
  '',
  '\tcp: omit an inline',
  '\t* gl/lib/targetdir.c: Omit it.',
  '\t* Fix the build.',
  '',
  'Tue Jan 15 12:00:00 1993  Jim Meyering  (meyering@example.org)',
  '',
  '\t* ls.c (main): Handle -l.',
  '',
  '\t* ls.c, dired.c: Share code.',
  '',
  'Copyright (C) 2022 Free Software Foundation, Inc.',
  '\t* not-a-change.c: indented text after the notice',
].join('\n');

describe('parseChangeLog (a GNU ChangeLog as sessions)', () => {
  const rows = parseChangeLog(TEXT);
  const sessions = [...new Set(rows.map((r) => r.session))];
  const itemsOf = (s: string): string[] => rows.filter((r) => r.session === s).map((r) => r.item);
  const timeOf = (s: string): number => rows.find((r) => r.session === s)?.time ?? NaN;

  it('makes one session per change, oldest first, with the files its * lines name, each once', () => {
    assert.deepEqual(
      sessions.map(itemsOf),
      // The file lists a day's newest change first: the tail change was made before the texi change above it.
      [['ls.c', 'dired.c'], ['gl/lib/targetdir.c'], ['src/tail.c', 'tests/tail-2/pipe-f.sh'], ['doc/coreutils.texi', 'NEWS']],
    );
    assert.ok(rows.every((r) => r.weight === 1));
  });

  it('dates a change by its header, a minute apart within a day in the order they were made', () => {
    const [old, day14, tail, texi] = sessions.map(timeOf);
    assert.equal(old, Date.UTC(1993, 0, 15) / 1000);
    assert.equal(day14, Date.UTC(2022, 3, 14) / 1000);
    assert.equal(tail, Date.UTC(2022, 3, 15) / 1000);
    assert.equal(texi, tail + 60);
  });

  it('refuses a text with no change that names a file', () => {
    assert.throws(() => parseChangeLog('2022-01-01  A  <a@b>\n\n\tJust words.\n'), LatentInputError);
    assert.throws(() => parseChangeLog(''), LatentInputError);
  });
});
