import * as assert from 'node:assert/strict';
import { FailureNotices } from '../../../src/training/failureNotices';

describe('FailureNotices (which training failures a warning shows)', () => {
  it('shows a background failure once, its repeats only after a success, and every failure of a requested run', () => {
    const n = new FailureNotices();
    assert.equal(n.shouldShow('The training worker crashed: out of memory', false), true, 'the first is news');
    assert.equal(n.shouldShow('The training worker crashed: out of memory', false), false, 'the same again in the background: logged only');
    assert.equal(n.shouldShow('The training worker crashed: out of memory', true), true, 'shown in a notification (asked for, or long): always said');
    assert.equal(n.shouldShow('Training was stopped: no progress for 60 s', false), true, 'a different failure is news');
    assert.equal(n.shouldShow('The training worker crashed: out of memory', false), true, 'not the last one: news again');
    n.succeeded();
    assert.equal(n.shouldShow('The training worker crashed: out of memory', false), true, 'after a success the same failure is news');
  });
});
