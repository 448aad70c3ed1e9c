// What the store tells the user when something on disk is wrong: each kind of problem once per window, in plain
// words; unreadable files (or unreadable journal lines) are moved aside for inspection, never deleted silently.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, isErrno } from './fsErrors';
import { asideName } from './layout';

export class StoreProblems {
  private readonly reported = new Set<string>();
  private readonly onProblem: (message: string) => void;

  /** `dir`: the store's folder (named in the messages); `sink`: where messages go (the wiring shows them to the user). */
  constructor(
    private readonly dir: string,
    sink: ((message: string) => void) | undefined,
  ) {
    this.onProblem = (m) => {
      try {
        sink?.(m);
      } catch {
        // a failing reporter must not stop recording
      }
    };
  }

  /** Tells `message` unless a problem of this `kind` was told already. */
  report(kind: string, message: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.onProblem(message);
  }

  /**
   * Renames the unreadable file `name` to `<name>.corrupt-<time>` and tells why (once per `kind`); `next` says what
   * Latent does without it. False when it could not be moved (told too, with the reason); true when moved or gone.
   */
  async moveAside(name: string, kind: string, why: string, next = 'recording continues with what could be read'): Promise<boolean> {
    const aside = asideName(name);
    try {
      await fs.rename(path.join(this.dir, name), path.join(this.dir, aside));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return true; // someone else moved it already
      this.report(kind, `Latent's saved data ${name} in ${this.dir} ${why}, and it could not be moved aside (${describe(err)}). Please move or remove it.`);
      return false;
    }
    this.report(kind, `Latent's saved data ${name} ${why}. It was moved aside to ${aside} in ${this.dir}; ${next}.`);
    return true;
  }

  /**
   * Copies the damaged file `name` to `<name>.corrupt-<time>` (the caller then replaces `name` with what it could
   * salvage) and tells `message(aside)` once per `kind`; when it cannot be copied, tells `message` without it.
   */
  async copyAside(name: string, kind: string, message: (aside: string | undefined) => string): Promise<void> {
    const aside = asideName(name);
    try {
      await fs.copyFile(path.join(this.dir, name), path.join(this.dir, aside), fs.constants.COPYFILE_EXCL);
    } catch {
      this.report(kind, message(undefined));
      return;
    }
    this.report(kind, message(aside));
  }

  /** Appends unreadable `lines` of journal `name` to `<name>.corrupt-<time>` and tells so (once). */
  async saveBadLines(name: string, lines: string[]): Promise<void> {
    const aside = asideName(name);
    await fs.appendFile(path.join(this.dir, aside), lines.join('\n') + '\n');
    this.report('journal', `Latent found ${lines.length} unreadable line(s) in its feedback journal ${name}. They were skipped and saved to ${aside} in ${this.dir}; recording continues.`);
  }

  /** Saves the unfinished last line of the journal `name` of a window that is gone (so it will never be completed). */
  async saveTornTail(name: string, tail: string): Promise<void> {
    const aside = asideName(name);
    await fs.appendFile(path.join(this.dir, aside), tail + '\n');
    this.report(
      'journal-tail',
      `Latent found an unfinished last line (${Buffer.byteLength(tail)} bytes) in the feedback journal ${name} of a window that has closed (it was probably stopped while writing). Everything before it was kept; the unfinished line was saved to ${aside} in ${this.dir}.`,
    );
  }
}
