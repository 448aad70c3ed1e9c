// "Show Recorded Data" as text: the numbers from the summary, every workspace name escaped, no claim without data.
import { strict as assert } from 'node:assert';
import { finishSteps } from '../../../../src/core/train';
import { summarizeRecordedSteps } from '../../../../src/feedback/recordedSummary';
import type { FeedbackEvent } from '../../../../src/feedback/signal';
import { StoredEvents } from '../../../../src/feedback/storedEvents';
import { escapeMarkdown, recordedDataMarkdown, type RecordedDataInfo } from '../../../../src/views/recordedData/recordedDataText';

const HOSTILE = 'src/<img src=x onerror=alert(1)>|*x*.ts';

function info(events: FeedbackEvent[], over: Partial<RecordedDataInfo> = {}): RecordedDataInfo {
  const stored = finishSteps(StoredEvents.fromEvents(events).sortedByTimeSteps());
  return {
    summary: finishSteps(summarizeRecordedSteps(stored, 30 * 60_000, 20)),
    storeDir: '/home/me/.vscode/globalStorage/latent-dev.latent/workspaces/abc/feedback',
    recording: 'on',
    gapMinutes: 30,
    aggregateAfterDays: 30,
    gitImportedAtMs: undefined,
    model: undefined,
    exclude: ['**/.env*', '**/*secret*'],
    ...over,
  };
}

describe('views: the recorded data as a document', () => {
  const t0 = new Date(2026, 11, 6, 9, 5).getTime();
  const events: FeedbackEvent[] = [
    { t: t0, item: `file:${HOSTILE}`, kind: 'open', amount: 1, w: 'w1' },
    { t: t0 + 60_000, item: `file:${HOSTILE}`, kind: 'dwell', amount: 5400, w: 'w1' },
    { t: t0 + 120_000, item: 'file:README.md', kind: 'edit', amount: 3, w: 'w1' },
  ];

  it('says what is kept, from when to when, per signal and per item, with the model and the exclusions', () => {
    const md = recordedDataMarkdown(
      info(events, { recording: 'paused', gitImportedAtMs: t0 - 3_600_000, model: { newestMs: t0, sessions: 12, interactions: 345, items: 67, factors: 32, byRecentUse: false } }),
    );
    assert.match(md, /^# What Latent has recorded in this workspace/);
    assert.match(md, /Recording is paused/);
    assert.match(md, /3 events from 2026-12-06 09:05 to 2026-12-06 09:07: 1 working session \(a session ends after 30 minutes without activity\), from 1 window/);
    assert.match(md, /\| opens of a file \| 1 \| 1 \|/);
    assert.match(md, /\| focused time in a file \| 1 \| 1\.5 h \|/);
    assert.match(md, /\| edits \(a burst of typing counts once\) \| 1 \| 3 \|/);
    assert.doesNotMatch(md, /snippet insertions/, 'no row for a signal never recorded');
    assert.match(md, /2 files, 0 snippets and 0 extensions used\. Each of them/);
    assert.match(recordedDataMarkdown(info(events.slice(0, 1))), /^1 event from .*: 1 working session .*\n[^]*1 file, 0 snippets and 0 extensions used/m);
    // The hostile file first (1 + 0.5 * 90 = 46), its name shown as written, never as markup.
    const rows = md.split('\n').filter((l) => /^\| (?!item|---)/.test(l) && l.includes('2026-12-06'));
    assert.equal(rows.length, 2);
    assert.ok(rows[0].startsWith(`| ${escapeMarkdown(HOSTILE)} | 46.0 | 1 | 1.5 h | 0 | 0 | 2026-12-06 09:06 |`), rows[0]);
    assert.ok(rows[1].startsWith('| README.md | 2.1 | 0 | 0 s | 3 |'), rows[1]);
    assert.doesNotMatch(md, /(^|[^\\])[<>]/m, 'no angle bracket from a name left unescaped');
    assert.match(md, /Trained on 345 interactions of 67 items in 12 sessions, the newest of 2026-12-06 09:05, with 32 latent factors/);
    assert.match(md, /## Git history\n\nImported 2026-12-06 08:05: /);
    assert.match(md, /`\*\*\/\.env\*`, `\*\*\/\*secret\*`/);
  });

  it('with nothing recorded says so, and claims no model nor import', () => {
    const md = recordedDataMarkdown(info([]));
    assert.match(md, /## Events\n\nNothing recorded yet\./);
    assert.match(md, /No file, snippet or extension used yet\./);
    assert.match(md, /No model yet\./);
    assert.match(md, /None imported/);
  });

  it('escapes every character Markdown reads as syntax, and keeps a name on one line', () => {
    assert.equal(escapeMarkdown('a_b*c`d|e<f>![g](h)~i&j\\k.l-m'), 'a\\_b\\*c\\`d\\|e\\<f\\>\\!\\[g\\](h)\\~i\\&j\\\\k.l-m');
    assert.equal(escapeMarkdown('two\nlines'), 'two lines');
  });
});
