// A small file one window writes for the other windows on the same store (reset.json after a Reset, dismissals.json
// after a dismissal or its undo): each window reads it on a timer and acts when it changed since it last looked.
import * as fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { writeAtomic } from './atomicWrite';

export class StoreMarker {
  /** Its text as this window last saw or wrote it ('' for none). */
  private seen = '';

  constructor(private readonly file: string) {}

  /** Takes the marker as it is now as this window's starting point (nothing before it is news). */
  async init(): Promise<void> {
    this.seen = await this.read();
  }

  /** Writes a new mark ({at, by, id}); this window does not take its own mark for news. */
  async write(by: string): Promise<void> {
    const text = JSON.stringify({ at: Date.now(), by, id: randomBytes(8).toString('hex') });
    await writeAtomic(this.file, text);
    this.seen = text;
  }

  /**
   * When another window marked since this window last looked: the mark's time (ms since 1970, at most now), once;
   * else undefined. A missing or unreadable marker is no news (a Reset deleting the folder has not written it yet).
   */
  async changed(): Promise<number | undefined> {
    const text = await this.read();
    if (text === '' || text === this.seen) return undefined;
    this.seen = text;
    let at = Date.now();
    try {
      const v = (JSON.parse(text) as { at?: unknown }).at;
      if (typeof v === 'number' && Number.isFinite(v)) at = Math.min(at, v);
    } catch {
      // A mark that does not parse is still a change: as of now.
    }
    return at;
  }

  private async read(): Promise<string> {
    try {
      return await fs.readFile(this.file, 'utf8');
    } catch {
      return '';
    }
  }
}
