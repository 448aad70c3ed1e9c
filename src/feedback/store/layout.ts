// The store's folder: what each file is called and what it holds (node:fs free; names only).
//
// Layout of `dir` (the store owns the whole folder; wipe() empties it):
//   journal-<window>-<seq>.jsonl  one JSON event per line, written only by its window (so windows never share a file)
//   snapshot.bin                  compacted events + how many bytes of each journal it already holds ("merged"):
//                                 columns of typed arrays in checksummed blocks (snapshotBinary.ts)
//   snapshot.json                 the text snapshot of a store from before snapshot.bin: read until the first
//                                 compaction migrates it (snapshotLegacy.ts)
//   model.json, model.prev.json   the trained model and the one before it (backup), each with a SHA-256 of the model
//                                 as its JSON object's first member (see modelFile.ts)
//   compact.lock                  held while compacting; stale after staleLockMs without renewal or when its process is gone
//   git-sessions.json             the imported git history (written by feedback/gitBootstrap.ts through atomicWrite.ts)
//   *.corrupt-<time>              unreadable files (or unreadable journal lines, a gone window's unfinished last
//                                 line, a damaged snapshot whose good rows were kept) moved aside, never deleted silently
//   *.tmp-<8 hex>                 an atomic write in progress; one left by a crash is removed at open after 10 min
//   reset.json                    written last by a Reset ({at, by, id}): other windows on this folder read it and
//                                 forget what they hold in memory too (FeedbackStore.resetElsewhere)
//   dismissals.json               written after a dismissal or its undo ({at, by, id}): other windows read the
//                                 dismissals again (FeedbackStore.dismissalsElsewhere)

export const SNAPSHOT = 'snapshot.bin';
export const LEGACY_SNAPSHOT = 'snapshot.json';
export const MODEL = 'model.json';
export const MODEL_PREV = 'model.prev.json';
export const LOCK = 'compact.lock';
export const RESET_MARKER = 'reset.json';
export const DISMISSALS_MARKER = 'dismissals.json';
export const JOURNAL_RE = /^journal-(.+)-(\d+)\.jsonl$/;
export const WINDOW_RE = /^[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*$/;

/** The journal segment `seq` of window `windowId`. */
export function journalName(windowId: string, seq: number): string {
  return `journal-${windowId}-${seq}.jsonl`;
}

/** The window that writes journal `name`; undefined when the name is not a journal's. */
export function windowOfJournal(name: string): string | undefined {
  const m = JOURNAL_RE.exec(name);
  return m ? m[1] : undefined;
}

/** The process id a window id starts with (`<pid>-...`); NaN when it has none. */
export function pidOfWindow(w: string): number {
  const m = /^(\d+)-/.exec(w);
  return m ? Number(m[1]) : NaN;
}

let lastAsideMs = 0;

/**
 * Where an unreadable file (or unreadable lines of `name`) is put aside: `<name>.corrupt-<time>`. The time is to the
 * ms and never repeats within a process, so two files moved aside in the same ms do not replace one another.
 */
export function asideName(name: string): string {
  lastAsideMs = Math.max(Date.now(), lastAsideMs + 1);
  return `${name}.corrupt-${new Date(lastAsideMs).toISOString().replace(/[:.]/g, '-')}`;
}
