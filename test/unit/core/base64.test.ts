import * as assert from 'node:assert/strict';
import { decodeBase64, decodeFloat32, encodeFloat32 } from '../../../src/core/base64';
import { ModelFormatError } from '../../../src/core/errors';
import { makeRng } from '../../../src/core/random';

describe('base64 of float32 values (the model file)', () => {
  it('matches Node\'s own base64 of the little-endian bytes, both ways, at every padding', () => {
    const rng = makeRng('base64');
    for (const n of [0, 1, 2, 3, 5, 100, 1001]) {
      const a = Float32Array.from({ length: n }, () => (rng() - 0.5) * 1e6);
      if (n > 1) a[1] = -0;
      const text = encodeFloat32(a);
      assert.equal(text, Buffer.from(a.buffer).toString('base64'));
      assert.deepEqual(Buffer.from(decodeFloat32(text, 'x').buffer), Buffer.from(a.buffer));
    }
    for (const s of ['', 'a', 'ab', 'abc', 'hello world']) assert.equal(Buffer.from(decodeBase64(Buffer.from(s).toString('base64'), 'x')).toString(), s);
  });

  it('refuses what is not base64, naming where', () => {
    for (const [bad, at] of [['AAA=AAAA', 3], ['AA*A', 2], ['AAA\u00e9', 3], ['A===', 1], ['AAAAAA\u{1F600}', 6]] as const) {
      assert.throws(() => decodeBase64(bad, 'f'), (e: unknown) => e instanceof ModelFormatError && e.message === `f: invalid base64 character at ${at}`, bad);
    }
    assert.throws(() => decodeFloat32('AAAAAAA=', 'f'), /not a whole number of float32/);
  });
});
