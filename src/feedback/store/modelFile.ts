// model.json and model.prev.json: the trained model and the one before it, kept as a backup for when the latest
// cannot be read.
//
// Each file carries a SHA-256 of the model text, as the first member of its JSON object:
//   {"latentModelSha256":"<64 hex>",<the model's own members>}
// so a file that still parses but was altered (a flipped digit in the factors) is caught, and the file stays a JSON
// object that older builds read as before (their deserializer ignores the extra member). Files written before the
// checksum existed load as they are (trusted once, when they parse and pass the caller's validation) and are
// rewritten with one at the next save.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { LatentInputError } from '../../core/errors';
import { yieldToEventLoop } from '../../core/host';
import { writeAtomic } from './atomicWrite';
import { describe, isErrno } from './fsErrors';
import { MODEL, MODEL_PREV } from './layout';

const SUM_KEY = 'latentModelSha256';
const SEALED_RE = /^\{"latentModelSha256":"([0-9a-f]{64})",?/;
/** Pieces of the checksum member: a file whose start holds either was written with one (one damaged byte cannot remove both). */
const SUM_HINTS = ['latentModel', 'Sha256'];

/** Throws or rejects (a plain reason) when the caller's model check fails; e.g. the recommender's deserializer. */
export type ModelValidator = (text: string) => void | Promise<void>;

/** Where a bad model file goes (moved aside and told, with `why`). */
export type MoveAside = (name: string, why: string) => Promise<unknown>;

/** Characters hashed between turns of the event loop (a few ms of work). */
export const HASH_CHARS = 1 << 20;

/**
 * SHA-256 of the text's UTF-8, fed HASH_CHARS at a time with a turn of the event loop between: a heavy year's model
 * hashed in one go held the extension host for tens of ms. A piece never ends inside a surrogate pair (its halves
 * would each hash as U+FFFD), so the digest is the whole text's.
 */
async function sha256(text: string): Promise<string> {
  const h = createHash('sha256');
  for (let i = 0; i < text.length; ) {
    let j = Math.min(text.length, i + HASH_CHARS);
    const last = text.charCodeAt(j - 1);
    if (j < text.length && last >= 0xd800 && last <= 0xdbff) j++;
    h.update(text.slice(i, j), 'utf8');
    i = j;
    if (i < text.length) await yieldToEventLoop();
  }
  return h.digest('hex');
}

/** The file text for `model` (a JSON object's text): the checksum member put first. */
export async function sealModel(model: string): Promise<string> {
  if (!model.startsWith('{')) throw new LatentInputError('model must be the text of a JSON object');
  const rest = model.slice(1);
  const empty = rest.trimStart().startsWith('}');
  return `{"${SUM_KEY}":"${await sha256(model)}"${empty ? '' : ','}${rest}`;
}

/**
 * The model text a file holds, checked: a sealed file must match its checksum; an unsealed (older) one must at
 * least be JSON. `checked` tells which. Throws an Error whose message completes "model.json ...".
 */
export async function unsealModel(text: string): Promise<{ model: string; checked: boolean }> {
  const m = SEALED_RE.exec(text);
  if (m) {
    const model = '{' + text.slice(m[0].length);
    if ((await sha256(model)) !== m[1]) throw new Error('does not match its checksum (it was changed or damaged after it was saved)');
    return { model, checked: true };
  }
  const start = text.slice(0, 48);
  if (SUM_HINTS.some((h) => start.includes(h))) throw new Error('has a damaged checksum');
  try {
    JSON.parse(text);
  } catch (err) {
    throw new Error(`is not valid JSON (${describe(err)})`, { cause: err });
  }
  return { model: text, checked: false };
}

/**
 * The model in `text` when it is sound (checksum, JSON, `validate`), and `text` itself when it was sealed (it is
 * then already the file sealModel would write); throws the reason otherwise.
 */
async function checkedModel(text: string, validate: ModelValidator | undefined): Promise<Loaded> {
  const { model, checked } = await unsealModel(text);
  if (validate) {
    try {
      await validate(model);
    } catch (err) {
      throw new Error(`is not a model this version can use (${describe(err)})`, { cause: err });
    }
  }
  return checked ? { model, sealed: text } : { model };
}

type Loaded = { model: string; sealed?: string };

/** Identity of a file: replaced files (atomic rename) change it. */
function stampOf(s: { ino: number; mtimeMs: number; size: number }): string {
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
}

type Read = { text: string; stamp: string } | { error: unknown } | undefined;

async function readModel(file: string): Promise<Read> {
  try {
    const fh = await fs.open(file, 'r');
    try {
      const stamp = stampOf(await fh.stat());
      return { text: await fh.readFile('utf8'), stamp };
    } finally {
      await fh.close();
    }
  } catch (err) {
    return isErrno(err, 'ENOENT') ? undefined : { error: err };
  }
}

/** Moves `name` aside unless another window replaced it since we read it (then the new file is not ours to judge). */
async function moveAsideIfSame(dir: string, name: string, stamp: string | undefined, why: string, moveAside: MoveAside): Promise<void> {
  if (stamp !== undefined) {
    try {
      if (stampOf(await fs.stat(path.join(dir, name))) !== stamp) return;
    } catch {
      return;
    }
  }
  await moveAside(name, why);
}

/**
 * The model in file `name`, or undefined when there is none or it is bad (then moved aside with the reason).
 * `validate` is the caller's check of the model text.
 */
async function loadOne(dir: string, name: string, moveAside: MoveAside, validate: ModelValidator | undefined): Promise<Loaded | undefined> {
  const read = await readModel(path.join(dir, name));
  if (read === undefined) return undefined;
  if ('error' in read) {
    await moveAsideIfSame(dir, name, undefined, `could not be read (${describe(read.error)})`, moveAside);
    return undefined;
  }
  try {
    return await checkedModel(read.text, validate);
  } catch (err) {
    await moveAsideIfSame(dir, name, read.stamp, describe(err), moveAside);
    return undefined;
  }
}

/**
 * Keeps the current model as the backup (only when it is sound: a bad one is moved aside and the backup kept), then
 * puts `model` in its place atomically, sealed with its checksum.
 */
export async function saveModelFile(dir: string, model: string, moveAside: MoveAside, validate?: ModelValidator): Promise<void> {
  const sealed = await sealModel(model);
  await fs.mkdir(dir, { recursive: true });
  const current = await loadOne(dir, MODEL, moveAside, validate);
  // Rewritten rather than copied: atomic, and an older unsealed model gets its checksum (a sealed one was just checked
  // against it: its text is written as read, not hashed again).
  if (current?.model.startsWith('{')) await writeAtomic(path.join(dir, MODEL_PREV), current.sealed ?? (await sealModel(current.model)));
  await writeAtomic(path.join(dir, MODEL), sealed);
}

/**
 * The saved model text (exactly as saved), or the backup's when the latest is bad: unreadable, not matching its
 * checksum, not JSON, or refused by `validate`. Bad files are handed to `moveAside` with the reason.
 */
export async function loadModelFile(dir: string, moveAside: MoveAside, validate?: ModelValidator): Promise<string | undefined> {
  for (const name of [MODEL, MODEL_PREV]) {
    const loaded = await loadOne(dir, name, moveAside, validate);
    if (loaded !== undefined) return loaded.model;
  }
  return undefined;
}
