/**
 * Shared helpers for the model tests: fixture checkpoints, batches from golden inputs, leak checks.
 */
import { readModelFolder } from "@addrop/checkpoint"
import { hfModelDir, type ModelName } from "@addrop/fixtures"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { type Model, Pretrained } from "../src/index.js"

/** Reads a fixture's Hugging Face folder (config.json + model.safetensors). */
export const readFixture = (name: ModelName) =>
  Effect.runPromise(readModelFolder(hfModelDir(name)).pipe(Effect.provide(NodeFileSystem.layer)))

/** Builds the fixture model from its checkpoint, on the current backend. */
export const loadFixture = async (name: ModelName): Promise<Pretrained.Loaded> =>
  Effect.runPromise(Pretrained.fromPretrained(await readFixture(name)))

/** A random batch: ids in [1, vocab), the last `pad` positions of every other row padded with id 0. */
export const randomBatch = (
  size: number,
  length: number,
  vocab: number,
  seed: number,
  pad = 2
): Model.Batch => {
  const ids = new Int32Array(size * length)
  const mask = new Int32Array(size * length)
  let state = seed >>> 0 || 1
  for (let b = 0; b < size; b++)
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      const padded = b % 2 === 1 && i >= length - pad
      ids[b * length + i] = padded ? 0 : 1 + (state % (vocab - 1))
      mask[b * length + i] = padded ? 0 : 1
    }
  return {
    inputIds: tf.tensor2d(ids, [size, length], "int32"),
    attentionMask: tf.tensor2d(mask, [size, length], "int32")
  }
}

export const disposeBatch = (batch: Model.Batch) =>
  tf.dispose([batch.inputIds, batch.attentionMask, ...(batch.tokenTypeIds ? [batch.tokenTypeIds] : [])])

/** Max |a − b| of two equally long arrays. */
export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  return worst
}
