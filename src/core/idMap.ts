// Bidirectional map between external keys (session ids, item keys) and dense indices 0..size-1.
import { LatentInputError } from './errors';

export class IdMap {
  private readonly toIndex = new Map<string, number>();
  private readonly toKey: string[] = [];

  constructor(keys?: Iterable<string>) {
    if (keys) for (const k of keys) this.getOrAdd(k);
  }

  get size(): number {
    return this.toKey.length;
  }

  get(key: string): number | undefined {
    return this.toIndex.get(key);
  }

  getOrAdd(key: string): number {
    const found = this.toIndex.get(key);
    if (found !== undefined) return found;
    const index = this.toKey.length;
    this.toIndex.set(key, index);
    this.toKey.push(key);
    return index;
  }

  key(index: number): string {
    const k = this.toKey[index];
    if (k === undefined) throw new LatentInputError(`IdMap index ${index} is out of range [0, ${this.toKey.length})`);
    return k;
  }

  keys(): string[] {
    return this.toKey.slice();
  }
}

/** Each key's index in `keys` (the last one where a key repeats): a lookup table for a list of names. */
export function indexOfKeys(keys: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  keys.forEach((key, i) => index.set(key, i));
  return index;
}
