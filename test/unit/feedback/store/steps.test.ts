import * as assert from 'node:assert/strict';
import { finishSteps } from '../../../../src/core/train';
import { CHUNK_CHARS, ChunkBuilder, countLinesSteps, lineSteps } from '../../../../src/feedback/store/steps';

describe('feedback store: sliced text helpers', () => {
  it('ChunkBuilder gives back exactly the text added, in chunks of about CHUNK_CHARS, none for no text', () => {
    assert.deepEqual(new ChunkBuilder().finish(), []);
    const b = new ChunkBuilder();
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i},${i % 7},line ${'x'.repeat(i % 13)}\n`);
    for (const l of lines) b.add(l);
    const chunks = b.finish();
    assert.equal(chunks.join(''), lines.join(''));
    assert.ok(chunks.length > 1, 'more than one chunk');
    // every chunk but the last is full, and none is more than one line past the size
    for (const c of chunks.slice(0, -1)) assert.ok(c.length >= CHUNK_CHARS && c.length < CHUNK_CHARS + 40, `chunk of ${c.length}`);
    const one = new ChunkBuilder();
    one.add('a\n');
    assert.deepEqual(one.finish(), ['a\n']);
  });

  it('countLinesSteps counts what lineSteps reads, empty lines included, over any range ending at a line end', () => {
    const text = 'a\n\nbb\nccc\n' + 'row,1,2\n'.repeat(70_000) + '\n';
    const buf = Buffer.from(text);
    const starts = [0, 2, 3, 6];
    for (const start of starts) {
      let read = 0;
      finishSteps(lineSteps(buf, start, buf.length, () => void read++));
      assert.equal(finishSteps(countLinesSteps(buf, start, buf.length)), read, `from ${start}`);
    }
    assert.equal(finishSteps(countLinesSteps(buf, 0, buf.length)), 70_005);
    assert.equal(finishSteps(countLinesSteps(buf, 4, 4)), 0);
    // it yields along the way (the host gets turns), and a range that is a prefix counts the prefix only
    const steps = countLinesSteps(buf, 0, buf.length);
    let yields = 0;
    while (!steps.next().done) yields++;
    assert.ok(yields > 1, `yielded ${yields} times`);
    assert.equal(finishSteps(countLinesSteps(buf, 0, 6)), 3);
  });

  it('lineSteps yields inside a chunk of many short lines, and still gives every line once, in order', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `${i}`);
    const buf = Buffer.from(lines.join('\n') + '\n');
    assert.ok(buf.length < CHUNK_CHARS, 'one chunk');
    const got: string[] = [];
    const steps = lineSteps(buf, 0, buf.length, (line, index) => {
      assert.equal(index, got.length);
      got.push(line);
    });
    let yields = 0;
    while (!steps.next().done) yields++;
    assert.deepEqual(got, lines);
    assert.ok(yields >= 4, `yielded ${yields} times in one chunk`);
  });
});
