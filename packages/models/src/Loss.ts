/**
 * Training losses and predictions for each head.
 *
 * @since 0.1.0
 */
import { crossEntropy, meanSquaredError, tokenCrossEntropy } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { syncReadsAreCheap } from "./internal/validate.js"
import { InvalidInput } from "./ModelError.js"
import type { Task } from "./Task.js"

/**
 * The label Hugging Face's token-classification loss ignores (sub-word continuations, special tokens).
 *
 * @since 0.1.0
 * @category constants
 */
export const IGNORE_INDEX = -100

/**
 * Options of {@link loss}.
 *
 * @since 0.1.0
 * @category models
 */
export interface LossOptions {
  /** Check that class labels lie in `[0, C)` by reading them synchronously (default: not on webgpu). */
  readonly checkValues?: boolean | undefined
}

const invalid = (input: string, reason: string): InvalidInput => new InvalidInput({ input, reason })

const sameShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => tf.util.arraysEqual([...a], [...b])

const checkLabelValues = (labels: tf.Tensor, classes: number, allowIgnore: boolean): void => {
  const data = labels.dataSync()
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if ((v < 0 || v >= classes) && !(allowIgnore && v === IGNORE_INDEX))
      throw invalid(
        "labels",
        `label ${v} at flat index ${i} is outside [0, ${classes - 1}]${allowIgnore ? ` and is not ${IGNORE_INDEX}` : ""}`
      )
  }
}

/**
 * The training loss of a head:
 * - `classification`: mean cross-entropy; logits `[B,C]`, labels `[B]` int32;
 * - `regression`: mean squared error; logits `[B]`, labels `[B]` float32;
 * - `token-classification`: mean cross-entropy over the tokens whose label is not −100
 *   ({@link IGNORE_INDEX}); logits `[B,L,C]`, labels `[B,L]` int32. With no labelled token the loss is 0
 *   (where PyTorch returns NaN), so an all-ignored batch contributes no gradient.
 *
 * Throws {@link InvalidInput} on mismatched shapes or dtypes, and on out-of-range labels when values are
 * checked.
 *
 * @example
 * ```ts
 * import { Loss } from "@addrop/models"
 * const { value, grads } = tf.variableGrads(() =>
 *   Loss.loss("classification", model.forward(batch, { training: true, dropoutKey }).logits, labels)
 * )
 * ```
 * @since 0.1.0
 * @category losses
 */
export const loss = (
  task: Task,
  logits: tf.Tensor,
  labels: tf.Tensor,
  options: LossOptions = {}
): tf.Scalar => {
  const check = options.checkValues ?? syncReadsAreCheap()
  switch (task) {
    case "classification": {
      if (logits.rank !== 2)
        throw invalid("logits", `must be [B,C] for classification, got [${logits.shape}]`)
      if (labels.dtype !== "int32")
        throw invalid("labels", `must be int32 class indices, got ${labels.dtype}`)
      if (!sameShape(labels.shape, [logits.shape[0]!]))
        throw invalid(
          "labels",
          `must be [${logits.shape[0]}] for logits [${logits.shape}], got [${labels.shape}]`
        )
      if (check) checkLabelValues(labels, logits.shape[1]!, false)
      return crossEntropy(logits as tf.Tensor2D, labels as tf.Tensor1D)
    }
    case "regression": {
      if (logits.rank !== 1) throw invalid("logits", `must be [B] for regression, got [${logits.shape}]`)
      if (labels.dtype !== "float32") throw invalid("labels", `must be float32 targets, got ${labels.dtype}`)
      if (!sameShape(labels.shape, logits.shape))
        throw invalid("labels", `must be [${logits.shape}] like the logits, got [${labels.shape}]`)
      return meanSquaredError(logits, labels as tf.Tensor1D)
    }
    case "token-classification": {
      if (logits.rank !== 3)
        throw invalid("logits", `must be [B,L,C] for token classification, got [${logits.shape}]`)
      if (labels.dtype !== "int32")
        throw invalid("labels", `must be int32 class indices, got ${labels.dtype}`)
      const [size, length, classes] = logits.shape as [number, number, number]
      if (!sameShape(labels.shape, [size, length]))
        throw invalid(
          "labels",
          `must be [${size},${length}] for logits [${logits.shape}], got [${labels.shape}]`
        )
      if (check) checkLabelValues(labels, classes, true)
      return tokenCrossEntropy(logits as tf.Tensor3D, labels as tf.Tensor2D, IGNORE_INDEX)
    }
  }
}

/**
 * Predictions from logits: the arg-max class (int32, `[B]` or `[B,L]`) for classification heads, the
 * logits themselves (a copy) for regression.
 *
 * @since 0.1.0
 * @category losses
 */
export const predictions = (task: Task, logits: tf.Tensor): tf.Tensor =>
  task === "regression" ? tf.clone(logits) : tf.argMax(logits, -1)
