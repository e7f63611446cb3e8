import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { TensorBackend } from "@addrop/backends"
import { Model, Presets } from "@addrop/models"
import { Draw, Key } from "@addrop/random"
import { crossTuning } from "@addrop/schedule"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Effect, Exit, type FileSystem, Scope } from "effect"
import { afterAll, beforeAll } from "vitest"
import type { Batch, Evaluate, Trainer } from "../src/index.js"
import { Optimizer } from "../src/index.js"

export const config = {
  ...Presets.tiny,
  vocabSize: 40,
  hiddenSize: 32,
  numAttentionHeads: 2,
  intermediateSize: 64,
  maxPositionEmbeddings: 16
}

export const makeModel = (seed = 0) =>
  Model.makeUnsafe(config, { task: "classification", numLabels: 2, key: Key.make(seed) })

/**
 * A learnable synthetic task: sequences of ids in 3..39 of length 4..8 (padded to 8), labelled 1 when
 * id 7 occurs. Example order per epoch comes from (seed, epoch) only.
 */
export const syntheticData = (
  examples: number,
  batchSize: number,
  seed = 5
): { train: Trainer.TrainData; dev: ReadonlyArray<Batch.EncodedBatch> } => {
  const L = 8
  const u = Draw.uniform(Key.make(seed), examples * (L + 1))
  const rows = Array.from({ length: examples }, (_, i) => {
    const length = 4 + Math.floor(u[i * (L + 1)]! * 5)
    const ids = Array.from({ length: L }, (_, j) =>
      j < length ? 3 + Math.floor(u[i * (L + 1) + 1 + j]! * 37) : 0
    )
    // Balance the classes: every other example gets a 7.
    if (i % 2 === 0) ids[1 + (i % (length - 1))] = 7
    return { ids, length, label: ids.includes(7) ? 1 : 0 }
  })
  const encode = (indices: ReadonlyArray<number>): Batch.EncodedBatch => ({
    shape: [indices.length, L],
    inputIds: Int32Array.from(indices.flatMap((i) => rows[i]!.ids)),
    attentionMask: Int32Array.from(
      indices.flatMap((i) => rows[i]!.ids.map((_, j) => (j < rows[i]!.length ? 1 : 0)))
    ),
    tokenTypeIds: new Int32Array(indices.length * L),
    labels: Int32Array.from(indices.map((i) => rows[i]!.label))
  })
  const devCount = Math.floor(examples / 4)
  const trainIndices = Array.from({ length: examples - devCount }, (_, i) => i + devCount)
  const stepsPerEpoch = Math.floor(trainIndices.length / batchSize)
  return {
    train: {
      stepsPerEpoch,
      batches: function* (epoch) {
        const order = Draw.permutation(
          Key.foldAll(Key.make(seed), [Key.Purpose.shuffle, epoch]),
          trainIndices.length
        )
        for (let b = 0; b < stepsPerEpoch; b++)
          yield encode(Array.from(order.slice(b * batchSize, (b + 1) * batchSize), (k) => trainIndices[k]!))
      }
    },
    dev: Array.from({ length: Math.ceil(devCount / batchSize) }, (_, b) =>
      encode(
        Array.from({ length: Math.min(batchSize, devCount - b * batchSize) }, (_, k) => b * batchSize + k)
      )
    )
  }
}

export const accuracyEvaluator =
  (dev: ReadonlyArray<Batch.EncodedBatch>, predict: typeof Evaluate.predict): Evaluate.Evaluator =>
  (model) =>
    Effect.map(predict(model, dev), ({ predictions, labels }) => {
      const correct = predictions.filter((p, i) => p === labels[i]).length
      return { metrics: { accuracy: correct / labels.length }, main: correct / labels.length }
    })

export const trainerConfig = (overrides: Partial<Trainer.TrainerConfig> = {}): Trainer.TrainerConfig => ({
  epochs: 4,
  learningRate: 3e-3,
  warmupRatio: 0.1,
  adamw: Optimizer.defaults,
  maxGradNorm: 1,
  schedule: crossTuning(),
  adDrop: {
    method: "ga",
    layers: [0, 1],
    mask: { p: 0.3, q: 0.3, strategy: "high" },
    attributionMode: "train"
  },
  seed: 11,
  fingerprint: "test",
  ...overrides
})

export const tempDir = () => {
  const path = mkdtempSync(join(tmpdir(), "addrop-trainer-"))
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) }
}

/** Makes wasm the backend for a whole test file (the product's default backend). */
export const useWasm = () => {
  let scope: Scope.Closeable | undefined
  beforeAll(async () => {
    scope = Effect.runSync(Scope.make())
    await Effect.runPromise(Scope.provide(scope)(TensorBackend.make("wasm")))
  })
  afterAll(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  })
}

/** Runs an effect with a Node file system. */
export const runWasm = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(effect).pipe(Effect.provide(NodeFileSystem.layer)))
