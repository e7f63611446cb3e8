/**
 * Batches as host arrays, the trainer's input: what a data pipeline produces and the trainer turns into
 * tensors one step at a time.
 *
 * @since 0.1.0
 */
import type { Batch as DataBatch } from "@addrop/data"
import type { Model } from "@addrop/models"
import * as tf from "@tensorflow/tfjs-core"
import type { Labels } from "./Step.js"

/**
 * One padded batch as `@addrop/data` produces it: ids, attention mask and token types `[B,L]` row-major,
 * and labels — class ids `[B]`, float targets `[B]` (regression) or token labels `[B·L]` (−100 where
 * ignored).
 *
 * @since 0.1.0
 * @category models
 */
export type EncodedBatch = Pick<
  DataBatch.Batch,
  "inputIds" | "attentionMask" | "tokenTypeIds" | "shape" | "labels"
>

/**
 * The model inputs of a batch, without labels (what prediction needs).
 *
 * @since 0.1.0
 * @category models
 */
export type InputBatch = Pick<DataBatch.Inputs, "inputIds" | "attentionMask" | "tokenTypeIds" | "shape">

/**
 * The tensors of a batch: the model inputs and the labels. Dispose with {@link dispose}.
 *
 * @since 0.1.0
 * @category models
 */
export interface TensorBatch {
  readonly inputs: Model.Batch
  readonly labels: Labels
}

/**
 * Uploads a batch.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toTensors = (batch: EncodedBatch, task: Model.Model["task"]): TensorBatch => {
  const shape: [number, number] = [batch.shape[0], batch.shape[1]]
  const inputs = inputTensors(batch)
  const labels: Labels =
    task === "token-classification"
      ? tf.tensor2d(batch.labels, shape, "int32")
      : task === "regression"
        ? tf.tensor1d(batch.labels, "float32")
        : tf.tensor1d(batch.labels, "int32")
  return { inputs, labels }
}

/**
 * Uploads a batch's model inputs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const inputTensors = (batch: InputBatch): Model.Batch => {
  const shape: [number, number] = [batch.shape[0], batch.shape[1]]
  return {
    inputIds: tf.tensor2d(batch.inputIds, shape, "int32"),
    attentionMask: tf.tensor2d(batch.attentionMask, shape, "int32"),
    tokenTypeIds: tf.tensor2d(batch.tokenTypeIds, shape, "int32")
  }
}

/**
 * Frees model inputs.
 *
 * @since 0.1.0
 * @category resources
 */
export const disposeInputs = (inputs: Model.Batch): void => {
  tf.dispose([inputs.inputIds, inputs.attentionMask])
  inputs.tokenTypeIds?.dispose()
}

/**
 * Frees a batch's tensors.
 *
 * @since 0.1.0
 * @category resources
 */
export const dispose = (batch: TensorBatch): void => {
  disposeInputs(batch.inputs)
  batch.labels.dispose()
}
