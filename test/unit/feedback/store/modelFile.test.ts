// model.json and its backup: the checksum, falling back to the backup, never replacing a good backup with a bad model.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useStores } from './helpers';
import { FeedbackStore } from '../../../../src/feedback/store/feedbackStore';
import { HASH_CHARS, sealModel, unsealModel } from '../../../../src/feedback/store/modelFile';

const aside = (d: string, name: string) => fs.readdirSync(d).filter((n) => n.startsWith(`${name}.corrupt-`));

/** A stand-in for the recommender's deserializer: a model is an object with a numeric v. */
const validate = (text: string): void => {
  if (typeof (JSON.parse(text) as { v?: unknown }).v !== 'number') throw new Error('field "v" must be a number');
};

describe('feedback store: model file', () => {
  const { open, dir } = useStores();
  /** A store in a fresh folder, with what it told. */
  async function setup(): Promise<{ d: string; a: FeedbackStore; problems: string[] }> {
    const d = dir();
    const problems: string[] = [];
    return { d, problems, a: await open(d, { onProblem: (m) => problems.push(m) }) };
  }

  it('saveModel/loadModel round trip; a damaged model falls back to the previous one and is told once', async () => {
    const { d, a, problems } = await setup();
    assert.equal(await a.loadModel(), undefined);
    await a.saveModel('{"v":1}');
    await a.saveModel('{"v":2}');
    assert.equal(await a.loadModel(), '{"v":2}');
    fs.writeFileSync(path.join(d, 'model.json'), '{"v":');
    assert.equal(await a.loadModel(), '{"v":1}');
    assert.equal(problems.length, 1);
    assert.match(problems[0], /model\.json .*moved aside/);
    assert.equal(aside(d, 'model.json').length, 1);
  });

  it('a model altered but still valid JSON fails its checksum: moved aside, the backup is used', async () => {
    const { d, a, problems } = await setup();
    await a.saveModel('{"v":1,"factors":[0.25,0.5]}');
    await a.saveModel('{"v":2,"factors":[0.75,0.5]}');
    const file = path.join(d, 'model.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('0.75', '0.95'));
    JSON.parse(fs.readFileSync(file, 'utf8')); // still parses
    assert.equal(await a.loadModel(), '{"v":1,"factors":[0.25,0.5]}');
    assert.equal(problems.length, 1);
    assert.match(problems[0], /model\.json does not match its checksum/);
    assert.equal(aside(d, 'model.json').length, 1);
  });

  it('a model refused by the caller\'s validation is moved aside and the backup tried; both bad => undefined', async () => {
    const { d, a, problems } = await setup();
    await a.saveModel('{"v":"one"}');
    await a.saveModel('{"v":"two"}');
    assert.equal(await a.loadModel(validate), undefined);
    assert.equal(aside(d, 'model.json').length, 1);
    assert.equal(aside(d, 'model.prev.json').length, 1);
    assert.equal(problems.length, 1, 'told once');
    assert.match(problems[0], /is not a model this version can use \(field "v" must be a number\)/);
  });

  it('saving never puts a bad model.json over a good backup: the bad one is moved aside, the backup kept', async () => {
    const { d, a, problems } = await setup();
    await a.saveModel('{"v":1}');
    await a.saveModel('{"v":2}');
    fs.writeFileSync(path.join(d, 'model.json'), '{"v":"parses, but fails validation"}'); // no checksum: judged by validate
    await a.saveModel('{"v":3}', validate);
    assert.equal(aside(d, 'model.json').length, 1);
    assert.match(problems[0], /model\.json is not a model this version can use/);
    assert.equal(await a.loadModel(validate), '{"v":3}');
    fs.rmSync(path.join(d, 'model.json'));
    assert.equal(await a.loadModel(validate), '{"v":1}', 'the good backup survived');
    // an altered sealed model is not made the backup either
    await a.saveModel('{"v":4}');
    const file = path.join(d, 'model.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"v":4', '"v":5'));
    await a.saveModel('{"v":6}');
    fs.rmSync(file);
    assert.equal(await a.loadModel(validate), '{"v":1}');
  });

  it('an older model without a checksum still loads, and the next save rewrites it, sealed, as the backup', async () => {
    const d = dir();
    const problems: string[] = [];
    fs.writeFileSync(path.join(d, 'model.json'), '{"v":7}');
    const a = await open(d, { onProblem: (m) => problems.push(m) });
    assert.equal(await a.loadModel(validate), '{"v":7}');
    await a.saveModel('{"v":8}', validate);
    const prev = fs.readFileSync(path.join(d, 'model.prev.json'), 'utf8');
    assert.match(prev, /^\{"latentModelSha256":"[0-9a-f]{64}","v":7\}$/);
    fs.rmSync(path.join(d, 'model.json'));
    assert.equal(await a.loadModel(validate), '{"v":7}');
    assert.deepEqual(problems, []);
  });

  it('seals as a JSON object older builds still parse (the checksum is one more member); damaged checksums are caught', async () => {
    for (const model of ['{"v":1}', '{}', '{ }', '{"a":{"b":[1,2]},"s":"x\\"y"}']) {
      const sealed = await sealModel(model);
      assert.deepEqual({ ...(JSON.parse(sealed) as object), latentModelSha256: undefined }, { ...(JSON.parse(model) as object), latentModelSha256: undefined });
      assert.deepEqual(await unsealModel(sealed), { model, checked: true });
    }
    const sealed = await sealModel('{"v":1}');
    await assert.rejects(unsealModel(sealed.replace('latentModel', 'latentMode!')), /damaged checksum/);
    await assert.rejects(unsealModel(sealed.replace('Sha256', 'Sha257')), /damaged checksum/);
    await assert.rejects(unsealModel(sealed.replace(/"[0-9a-f]/, '"g')), /damaged checksum/);
    await assert.rejects(sealModel('[1]'), /JSON object/);
  });

  it('hashes a large model in pieces to the digest of the whole text, a surrogate pair at a piece boundary included', async () => {
    // An emoji (two UTF-16 units) straddling the first piece's end, and non-ASCII text around it.
    const head = '{"items":["' + 'é'.repeat(HASH_CHARS - 12);
    const model = head + '\u{1F600}' + 'ü'.repeat(HASH_CHARS) + '"]}';
    assert.equal(model.charCodeAt(HASH_CHARS - 1), 0xd83d, 'the pair starts at the last unit of the first piece');
    const sealed = await sealModel(model);
    const whole = createHash('sha256').update(model, 'utf8').digest('hex');
    assert.ok(sealed.startsWith(`{"latentModelSha256":"${whole}",`), sealed.slice(0, 100));
    assert.deepEqual(await unsealModel(sealed), { model, checked: true });
    await assert.rejects(unsealModel(sealed.replace('ü"]}', 'u"]}')), /does not match its checksum/);
  });
});
