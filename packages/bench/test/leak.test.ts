/**
 * 1,000 training steps leak no tensor: cross-tuning-like alternation of plain and AD-Drop steps (GA on all
 * layers) on the tiny preset with a small vocabulary, counting `tf.memory().numTensors` after every step.
 */
import { TensorBackend } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { type BenchCase, StepBench } from "../src/index.js"

// wasm: the product's default backend.
const BACKEND = "wasm"
let scope: Scope.Closeable
beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  await Effect.runPromise(Scope.provide(scope)(TensorBackend.make(BACKEND)))
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

it("1,000 plain and AD-Drop steps leave the tensor count and bytes unchanged", async () => {
  const spec: BenchCase.CaseSpec = {
    preset: "tiny",
    backend: BACKEND,
    batch: 2,
    seq: 8,
    vocabSize: 64,
    // The tiny preset's layers and heads, narrowed so that 1,000 steps take well under a minute.
    modelOverrides: { hiddenSize: 32, intermediateSize: 128, maxPositionEmbeddings: 16 },
    warmup: 1,
    steps: 499
  }
  const kinds: Array<BenchCase.StepKind> = [{ phase: "ft" }, { phase: "addrop", layers: "all" }]
  const counts: Array<number> = []
  const bytes: Array<number> = []
  const before = tf.memory().numTensors
  const timings = await Effect.runPromise(
    StepBench.measureTimes(spec, kinds, {
      breakdownSamples: 0,
      onStep: (_, numTensors) => {
        counts.push(numTensors)
        bytes.push(tf.memory().numBytes)
      }
    })
  )
  expect(counts.length).toBe(1000)
  // From the first AD-Drop step on, every step ends with exactly the tensors the model, optimizer state
  // and batch hold (the first plain step may create kernel-side state once).
  expect(new Set(counts.slice(2))).toEqual(new Set([counts[1]]))
  expect(new Set(bytes.slice(2))).toEqual(new Set([bytes[1]]))
  for (const timing of timings) expect(timing.tensorsLeakedPerStep).toBe(0)
  // The model, optimizer state and batch are disposed afterwards.
  expect(tf.memory().numTensors).toBe(before)
}, 120_000)
