import * as assert from 'node:assert/strict';
import { shortDuration } from '../../../src/core/duration';

describe('shortDuration', () => {
  it('says ms under a second, seconds with one decimal at most above', () => {
    assert.equal(shortDuration(0), '0 ms');
    assert.equal(shortDuration(37.6), '38 ms');
    assert.equal(shortDuration(999.4), '999 ms');
    assert.equal(shortDuration(1000), '1 s');
    assert.equal(shortDuration(1540), '1.5 s');
    assert.equal(shortDuration(30_000), '30 s');
    assert.equal(shortDuration(61_049), '61 s');
  });
});
