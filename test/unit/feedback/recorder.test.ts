// The tracker's hot path in plain Node: opens, dwell on switch, edits, snippet detection and dedupe, pause, session.
import { strict as assert } from 'node:assert';
import { FeedbackRecorder, SNIPPET_CONFIRM_MS } from '../../../src/feedback/recorder';
import { FeedbackEvent } from '../../../src/feedback/signal';
import { SnippetIndex, parseSnippetFile } from '../../../src/feedback/snippets';

const S = 1000;
const settings = { enabled: true, idleMs: 60 * S, editCoalesceMs: 30 * S, sessionGapMs: 30 * 60 * S };

function make(): { r: FeedbackRecorder; log: FeedbackEvent[] } {
  const log: FeedbackEvent[] = [];
  const r = new FeedbackRecorder({ append: (e) => void log.push(e) }, settings, 0, true);
  return { r, log };
}

const brief = (log: FeedbackEvent[]): string[] => log.map((e) => `${e.kind}:${e.item}:${e.amount}`);

describe('feedback: recorder (tracker hot path)', () => {
  it('switching files records opens and the focused dwell of the file left', () => {
    const { r, log } = make();
    r.switchTo('file:a', [], 0);
    r.activity(20 * S);
    r.switchTo('file:b', [], 30 * S);
    r.switchTo(undefined, [], 35 * S); // output panel: nothing recordable
    r.flushDwell(100 * S);
    assert.deepEqual(brief(log), ['open:file:a:1', 'dwell:file:a:30', 'open:file:b:1', 'dwell:file:b:5']);
  });

  it('dwell in a language credits the extensions serving it, per full minute', () => {
    const { r, log } = make();
    r.switchTo('file:a.py', ['extension:ms-python.python'], 0);
    for (let t = 10; t <= 130; t += 10) {
      r.activity(t * S);
      r.flushDwell(t * S);
    }
    assert.equal(log.filter((e) => e.kind === 'dwell').reduce((s, e) => s + e.amount, 0), 130);
    assert.deepEqual(brief(log.filter((e) => e.kind === 'extension')), ['extension:extension:ms-python.python:1', 'extension:extension:ms-python.python:1']);
  });

  it('edits are coalesced per file', () => {
    const { r, log } = make();
    for (let t = 0; t < 10; t++) r.change('file:a', [{ text: 'x' }], 'ts', true, false, t * S);
    r.change('file:b', [{ text: 'x' }], 'ts', false, false, 11 * S);
    assert.deepEqual(brief(log), ['edit:file:a:1', 'edit:file:b:1']);
  });

  describe('snippets', () => {
    const idx = new SnippetIndex(parseSnippetFile('{"Banner": {"prefix": "bn", "body": ["// ==== ${1:x} ====", "$0"]}}', 'user'));
    const inserted = '// ==== x ====\n';

    it('an insertion made elsewhere is recorded once the confirmation wait passes', async () => {
      const { r, log } = make();
      r.snippets = idx;
      r.change('file:a', [{ text: inserted }], 'ts', true, false, 1);
      assert.equal(log.filter((e) => e.kind === 'snippet').length, 0, 'waits for a possible exact record');
      await new Promise((res) => setTimeout(res, SNIPPET_CONFIRM_MS + 50));
      assert.deepEqual(brief(log.filter((e) => e.kind === 'snippet')), ['snippet:snippet:user/Banner:1']);
    });

    it('an exact record of the same insertion (from the tree) wins: counted once', () => {
      const { r, log } = make();
      r.snippets = idx;
      r.change('file:a', [{ text: inserted }], 'ts', true, false, 1);
      r.record({ t: 2, item: 'snippet:user/Banner', kind: 'snippet', amount: 1 });
      r.dispose(3); // would commit a pending detection
      assert.equal(log.filter((e) => e.kind === 'snippet').length, 1);
    });

    it('undo/redo re-applying snippet text is not an insertion', () => {
      const { r, log } = make();
      r.snippets = idx;
      r.change('file:a', [{ text: inserted }], 'ts', true, true, 1);
      r.dispose(2);
      assert.equal(log.filter((e) => e.kind === 'snippet').length, 0);
    });
  });

  it('paused or disabled: nothing is recorded except an explicit dismissal', () => {
    const { r, log } = make();
    r.setPaused(true, 0);
    r.switchTo('file:a', [], 0);
    r.change('file:a', [{ text: 'abc' }], 'ts', true, false, 1);
    r.flushDwell(50 * S);
    r.extensionActivated('extension:a.b', 51 * S);
    r.record({ t: 52 * S, item: 'file:z', kind: 'dismiss', amount: 1 });
    assert.deepEqual(brief(log), ['dismiss:file:z:1']);
    r.setPaused(false, 60 * S);
    r.update({ ...settings, enabled: false }, 61 * S);
    r.switchTo('file:b', [], 62 * S);
    assert.deepEqual(brief(log), ['dismiss:file:z:1']);
  });

  it('the current session holds summed weights and ends after the gap', () => {
    const { r } = make();
    r.switchTo('file:a', [], 0);
    r.change('file:a', [{ text: 'x' }], 'ts', true, false, 1 * S);
    r.switchTo('file:b', [], 2 * S);
    const cur = r.currentSession(3 * S);
    assert.deepEqual(cur.map((c) => c.item).sort(), ['file:a', 'file:b']);
    assert.ok(Math.abs((cur.find((c) => c.item === 'file:a')?.weight ?? 0) - (1 + 0.7 + 2 * 0.5 / 60)) < 1e-9);
    assert.deepEqual(r.currentSession(2 * S + 40 * 60 * S), []);
    r.switchTo('file:c', [], 2 * S + 40 * 60 * S);
    // b's dwell (counted until the idle limit, long ago) belongs to the old session, not the new one
    assert.deepEqual(r.currentSession(2 * S + 40 * 60 * S).map((c) => c.item), ['file:c']);
  });

  it('past-dated events join the live session only when they fall within it', () => {
    const { r } = make();
    const now = 10 * 3600 * S;
    r.switchTo('file:live', [], now - 10 * 60 * S);
    // History recorded after the fact (two hours ago): an earlier session, not this one.
    r.record({ t: now - 2 * 3600 * S, item: 'file:history', kind: 'open', amount: 1 });
    r.record({ t: now - 2 * 3600 * S + 60 * S, item: 'file:history2', kind: 'edit', amount: 1 });
    assert.deepEqual(r.currentSession(now).map((c) => c.item), ['file:live']);
    // A late event inside the session's window (5 min before its first event) belongs to it.
    r.record({ t: now - 15 * 60 * S, item: 'file:late', kind: 'open', amount: 1 });
    assert.deepEqual(r.currentSession(now).map((c) => c.item).sort(), ['file:late', 'file:live']);
    // A late event that bridges the gap to the earlier session joins them, as sessionize would.
    r.record({ t: now - 2 * 3600 * S + 25 * 60 * S, item: 'file:b1', kind: 'open', amount: 1 });
    r.record({ t: now - 2 * 3600 * S + 50 * 60 * S, item: 'file:b2', kind: 'open', amount: 1 });
    assert.deepEqual(r.currentSession(now).map((c) => c.item).sort(), ['file:late', 'file:live']);
    r.record({ t: now - 2 * 3600 * S + 80 * 60 * S, item: 'file:b3', kind: 'open', amount: 1 });
    assert.deepEqual(
      r.currentSession(now).map((c) => c.item).sort(),
      ['file:b1', 'file:b2', 'file:b3', 'file:history', 'file:history2', 'file:late', 'file:live'],
    );
  });

  it('a late dwell of a file left before a gap credits the old session, not the new one', () => {
    const { r } = make();
    r.switchTo('file:a', [], 0);
    r.switchTo('file:new', [], 60 * 60 * S);
    r.record({ t: 30 * S, item: 'file:a', kind: 'dwell', amount: 30 });
    assert.deepEqual(r.currentSession(60 * 60 * S).map((c) => c.item), ['file:new']);
  });

  it('seeds the session that was open before a reload', () => {
    const { r } = make();
    const now = 100 * 60 * S;
    r.seedSession([{ t: 10 * 60 * S, item: 'file:old', kind: 'open', amount: 1 }, { t: now - 60 * S, item: 'file:recent', kind: 'open', amount: 1 }], now);
    assert.deepEqual(r.currentSession(now).map((c) => c.item), ['file:recent']);
  });

  it('a failing sink is reported, not thrown into the editor', () => {
    const problems: string[] = [];
    const r = new FeedbackRecorder({ append: () => { throw new Error('disk gone'); } }, settings, 0, true);
    r.onProblem = (m) => problems.push(m);
    r.switchTo('file:a', [], 0);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /disk gone/);
  });
});
