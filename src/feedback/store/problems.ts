// What the store tells the user when something on disk is wrong: each kind of problem once per window, in plain
// words; unreadable files (or unreadable journal lines) are moved aside for inspection, never deleted silently.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isErrno } from './fsErrors';
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
   * Latent does without it.
   */
  async moveAside(name: string, kind: string, why: string, next = 'recording continues with what could be read'): Promise<void> {
    const aside = asideName(name);
    try {
      await fs.rename(path.join(this.dir, name), path.join(this.dir, aside));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return; // someone else moved it already
    }
    this.report(kind, `Latent's saved data ${name} ${why}. It was moved aside to ${aside} in ${this.dir}; ${next}.`);
  }

  /** Appends unreadable `lines` of journal `name` to `<name>.corrupt-<time>` and tells so (once). */
  async saveBadLines(name: string, lines: string[]): Promise<void> {
    const aside = asideName(name);
    await fs.appendFile(path.join(this.dir, aside), lines.join('\n') + '\n');
    this.report('journal', `Latent found ${lines.length} unreadable line(s) in its feedback journal ${name}. They were skipped and saved to ${aside} in ${this.dir}; recording continues.`);
  }
}
