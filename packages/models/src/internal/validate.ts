/**
 * Input validation shared by the model and the losses. Shape and dtype checks are synchronous and free;
 * value checks read tensors, which is cheap on cpu/wasm/node and only done asynchronously on webgpu.
 */
import * as tf from "@tensorflow/tfjs-core"
import type { ModelConfig } from "../ModelConfig.js"
import { InvalidInput } from "../ModelError.js"
import type { RunBatch, RunOptions } from "./encoder.js"

const invalid = (input: string, reason: string): InvalidInput => new InvalidInput({ input, reason })

const isTensor = (u: unknown): u is tf.Tensor => u instanceof tf.Tensor

const shapeText = (shape: ReadonlyArray<number>) => `[${shape.join(",")}]`

/** Whether synchronous reads are cheap on the current backend (not on webgpu). */
export const syncReadsAreCheap = (): boolean => tf.getBackend() !== "webgpu"

/** The longest sequence the position table allows. */
export const maxLength = (config: ModelConfig): number =>
  config.modelType === "roberta"
    ? config.maxPositionEmbeddings - config.padTokenId - 1
    : config.maxPositionEmbeddings

/** Ranks, dtypes, shapes and length: everything that does not need the values. */
export const checkBatchShapes = (config: ModelConfig, batch: RunBatch): void => {
  if (typeof batch !== "object" || batch === null)
    throw invalid("batch", "must be an object with inputIds and attentionMask")
  const { inputIds, attentionMask, tokenTypeIds } = batch
  if (!isTensor(inputIds)) throw invalid("inputIds", "must be a tensor")
  if (inputIds.isDisposed) throw invalid("inputIds", "is disposed")
  if (inputIds.rank !== 2) throw invalid("inputIds", `must be [B,L], got shape ${shapeText(inputIds.shape)}`)
  if (inputIds.dtype !== "int32") throw invalid("inputIds", `must be int32, got ${inputIds.dtype}`)
  const [size, length] = inputIds.shape
  if (size === 0 || length === 0)
    throw invalid("inputIds", `must be non-empty, got shape ${shapeText(inputIds.shape)}`)
  const limit = maxLength(config)
  if (length > limit)
    throw invalid(
      "inputIds",
      `sequence length ${length} exceeds the ${limit} positions of this model (max_position_embeddings ${config.maxPositionEmbeddings}${config.modelType === "roberta" ? `, RoBERTa positions start at pad_token_id + 1 = ${config.padTokenId + 1}` : ""})`
    )
  if (!isTensor(attentionMask)) throw invalid("attentionMask", "must be a tensor")
  if (attentionMask.isDisposed) throw invalid("attentionMask", "is disposed")
  if (attentionMask.dtype === "string" || attentionMask.dtype === "complex64")
    throw invalid("attentionMask", `must be numeric or bool, got ${attentionMask.dtype}`)
  if (!tf.util.arraysEqual(attentionMask.shape, inputIds.shape))
    throw invalid(
      "attentionMask",
      `must have the shape of inputIds ${shapeText(inputIds.shape)}, got ${shapeText(attentionMask.shape)}`
    )
  if (tokenTypeIds !== undefined) {
    if (!isTensor(tokenTypeIds)) throw invalid("tokenTypeIds", "must be a tensor")
    if (tokenTypeIds.isDisposed) throw invalid("tokenTypeIds", "is disposed")
    if (tokenTypeIds.dtype !== "int32")
      throw invalid("tokenTypeIds", `must be int32, got ${tokenTypeIds.dtype}`)
    if (!tf.util.arraysEqual(tokenTypeIds.shape, inputIds.shape))
      throw invalid(
        "tokenTypeIds",
        `must have the shape of inputIds ${shapeText(inputIds.shape)}, got ${shapeText(tokenTypeIds.shape)}`
      )
  }
}

/** Value checks on read data: ids inside the vocabulary, token types inside the type vocabulary, 0/1 mask. */
export const checkBatchValues = (
  config: ModelConfig,
  values: {
    readonly inputIds: ArrayLike<number>
    readonly attentionMask: ArrayLike<number>
    readonly tokenTypeIds?: ArrayLike<number> | undefined
  }
): void => {
  checkRange("inputIds", values.inputIds, config.vocabSize, "vocab_size")
  if (values.tokenTypeIds !== undefined)
    checkRange("tokenTypeIds", values.tokenTypeIds, config.typeVocabSize, "type_vocab_size")
  const mask = values.attentionMask
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i]!
    if (m !== 0 && m !== 1)
      throw invalid("attentionMask", `must hold only 0 and 1, found ${m} at flat index ${i}`)
  }
}

const checkRange = (input: string, data: ArrayLike<number>, size: number, field: string): void => {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (v < 0 || v >= size)
      throw invalid(input, `id ${v} at flat index ${i} is outside [0, ${size - 1}] (${field} ${size})`)
  }
}

/** Synchronous value checks (reads the tensors). */
export const checkBatchValuesSync = (config: ModelConfig, batch: RunBatch): void =>
  checkBatchValues(config, {
    inputIds: batch.inputIds.dataSync(),
    attentionMask: batch.attentionMask.dataSync(),
    tokenTypeIds: batch.tokenTypeIds?.dataSync()
  })

/** Options: dropout key when training with dropout, intervention layers in range. */
export const checkOptions = (config: ModelConfig, options: RunOptions, usesDropout: boolean): void => {
  if (typeof options !== "object" || options === null || typeof options.training !== "boolean")
    throw invalid("options", "must be an object with a boolean `training`")
  if (options.training && usesDropout) {
    const key = options.dropoutKey
    if (key === undefined) throw invalid("dropoutKey", "is required when training with dropout > 0")
    if (typeof key?.k0 !== "number" || typeof key.k1 !== "number")
      throw invalid("dropoutKey", "must be a Key from @addrop/random (Key.make / Key.fold)")
  }
  if (options.interventions !== undefined) {
    for (const layer of options.interventions.keys()) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= config.numHiddenLayers)
        throw invalid("interventions", `layer ${layer} is outside [0, ${config.numHiddenLayers - 1}]`)
    }
  }
}
