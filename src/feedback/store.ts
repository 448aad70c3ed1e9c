// The feedback store's public face; its parts live in ./store/ (feedbackStore.ts composes them; start reading there).
export { DEFAULT_MAX_EVENTS, DEFAULT_MAX_ITEMS, FeedbackStore, type FeedbackStoreOptions } from './store/feedbackStore';
export { SNAPSHOT_SCHEMA, encodeSnapshotSteps } from './store/snapshot';
export { applyCapsSteps, mergeDwell, mergeDwellSteps, sortByTimeSteps } from './store/compaction';
