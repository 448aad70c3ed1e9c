// The saved model at startup: read, checked (its checksum, then the format) and parsed on the extension host in
// slices, as every startup step is: a heavy year's model parsed in one go held the host for 160-320 ms.
import { deserializeRecommenderSteps, type RecommenderModel } from '../core/recommender';
import { finishStepsAsync } from '../core/train';
import type { FeedbackStore } from '../feedback/store/feedbackStore';

/** The saved model and its text, or undefined when there is none this version can use (bad files moved aside). */
export async function loadSavedModel(store: Pick<FeedbackStore, 'loadModel'>): Promise<{ model: RecommenderModel; json: string } | undefined> {
  let model: RecommenderModel | undefined;
  const json = await store.loadModel(async (text) => {
    model = await finishStepsAsync(deserializeRecommenderSteps(text));
  });
  return model && json !== undefined ? { model, json } : undefined;
}
