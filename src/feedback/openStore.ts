// Opening the feedback store must never stop the extension from working: when its folder cannot be created or
// used (a file in its place, a read-only parent, a full disk), the window records into a private temporary folder
// instead, and the user is told in plain words that this window's activity will not be kept.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FeedbackStore, type FeedbackStoreOptions } from './store/feedbackStore';

export interface OpenedStore {
  store: FeedbackStore;
  /** set when the store is the temporary fallback: why the real folder could not be used */
  fallbackReason?: string;
}

export async function openStoreOrFallback(dir: string, opts: FeedbackStoreOptions = {}, tmpRoot = tmpdir()): Promise<OpenedStore> {
  try {
    return { store: await FeedbackStore.open(dir, opts) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const tmp = await mkdtemp(path.join(tmpRoot, 'latent-feedback-'));
    const fallbackReason =
      `could not use its storage folder (${why}). This window records into a temporary folder instead, so its ` +
      'activity is used for recommendations now but not kept after the window closes.';
    opts.onProblem?.(fallbackReason);
    return { store: await FeedbackStore.open(tmp, opts), fallbackReason };
  }
}
