// model.json and its backup.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useStores } from './helpers';

describe('feedback store: model file', () => {
  const { open, dir } = useStores();

  it('saveModel/loadModel round trip; a damaged model falls back to the previous one and is told once', async () => {
    const d = dir();
    const problems: string[] = [];
    const a = await open(d, { onProblem: (m) => problems.push(m) });
    assert.equal(await a.loadModel(), undefined);
    await a.saveModel('{"v":1}');
    await a.saveModel('{"v":2}');
    assert.equal(await a.loadModel(), '{"v":2}');
    fs.writeFileSync(path.join(d, 'model.json'), '{"v":');
    assert.equal(await a.loadModel(), '{"v":1}');
    assert.equal(problems.length, 1);
    assert.match(problems[0], /model\.json is not valid JSON/);
  });
});
