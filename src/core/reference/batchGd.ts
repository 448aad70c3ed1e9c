// Reference trainer (the lecture's batch gradient descent): not used by the product, kept to check the math in tests
// (it reproduces DESIGN.md section 2's matrix form of the gradient and is compared with SGD and ALS there).
// Full-batch gradient descent over observed entries only, all parameters at once. In matrix form, with residual
// E = R_hat - R (zero where unobserved): dL/dU = E V + lambda U, dL/dV = E^T U + lambda V (explicitLoss 'global').
import { explicitLoss, zeroGradient, type Gradient } from '../losses';
import { assertModelFinite, initModel, type MfModel } from '../model';
import { makeRng } from '../random';
import { validateCommon, type SgdParams } from '../sgd';
import type { CsrMatrix } from '../sparse';
import { checkFiniteLoss, Convergence, learningRateAt, nowMs, type TrainHooks } from '../train';

/** Same fields as SGD; the learning rate multiplies the summed (not averaged) gradient. */
export type BatchGdParams = SgdParams;

function step(a: Float32Array, g: Float64Array, lr: number): void {
  for (let t = 0; t < a.length; t++) a[t] -= lr * g[t];
}

export function trainBatchGd(matrix: CsrMatrix, params: BatchGdParams, hooks?: TrainHooks): MfModel {
  validateCommon(matrix, params, 'trainBatchGd');
  const useBias = params.useBias ?? true;
  const rng = makeRng(params.seed);
  const model = initModel('explicit', matrix.nRows, matrix.nCols, params.k, rng, params.initStd);
  if (useBias) {
    let s = 0;
    for (let t = 0; t < matrix.nnz; t++) s += matrix.values[t];
    model.mu = s / matrix.nnz;
  }
  const start = nowMs();
  let g: Gradient = zeroGradient(model);
  let loss = explicitLoss(model, matrix, params.lambda, 'global', g);
  checkFiniteLoss(loss, 0, 'trainBatchGd');
  const convergence = new Convergence(params, model, loss);
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    const lr = learningRateAt(params.learningRate, epoch, params.schedule);
    step(model.userFactors, g.userFactors, lr);
    step(model.itemFactors, g.itemFactors, lr);
    if (useBias) {
      step(model.userBias, g.userBias, lr);
      step(model.itemBias, g.itemBias, lr);
    }
    g = zeroGradient(model);
    loss = explicitLoss(model, matrix, params.lambda, 'global', g);
    checkFiniteLoss(loss, epoch + 1, 'trainBatchGd', lr);
    assertModelFinite(model, `trainBatchGd epoch ${epoch + 1}`);
    hooks?.onEpoch?.({ epoch: epoch + 1, loss, elapsedMs: nowMs() - start, learningRate: lr });
    if (hooks?.shouldStop?.()) break;
    if (convergence.reached(loss, model)) break;
  }
  assertModelFinite(model, 'trainBatchGd');
  return model;
}
