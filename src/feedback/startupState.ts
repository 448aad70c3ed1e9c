// What a window takes from the store at startup, from its one full read: the events as columns (storedEvents.ts),
// which files exist (FileLife), and the files used most recently (the Recent list survives a reload). Every pass runs
// in slices over typed arrays: with a million stored events, none of it may stop the extension host for long.
import { itemKind } from '../core/itemKey';
import { finishStepsAsync } from '../core/train';
import type { FileLife } from './fileChanges';
import type { FeedbackStore } from './store/feedbackStore';
import type { StoredEvents } from './storedEvents';

export interface StartupState {
  stored: StoredEvents;
  life: FileLife;
  /** the newest distinct files recorded, oldest first, at most `maxRecent` */
  newestFiles: string[];
}

export async function readStartupState(store: FeedbackStore, maxRecent: number): Promise<StartupState> {
  const stored = await store.read();
  const life = await finishStepsAsync(stored.fileLifeSteps());
  const latest = await finishStepsAsync(stored.latestSteps());
  const files: [string, number][] = [];
  stored.items.forEach((item, i) => {
    if (latest[i] > Number.NEGATIVE_INFINITY && itemKind(item) === 'file') files.push([item, latest[i]]);
  });
  const newestFiles = files
    .sort((x, y) => x[1] - y[1])
    .slice(-maxRecent)
    .map(([item]) => item);
  return { stored, life, newestFiles };
}
