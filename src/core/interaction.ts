// The unit of implicit feedback shared by the feedback store, the trainer and the evaluation.
// Re-exported by recommender.ts (the contract's home for it); kept here so pure helpers can use it without a cycle.

export interface Interaction {
  session: string;
  item: string;
  /** unix seconds */
  time: number;
  /** raw signal, > 0 */
  weight: number;
}
