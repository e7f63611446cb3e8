/**
 * GA for all 12 layers of a BERT-base-shaped model comes from one backward pass: one gradient computation,
 * in which the softmax of every layer above the first is differentiated exactly once (11 times: the first
 * layer's tap sits after its softmax, so nothing below it is needed). The official PyTorch code runs one
 * backward pass per layer: 12 passes and Σ(11 − ℓ) = 66 softmax backward computations.
 */
import { TensorBackend } from "@addrop/backends"
import { Model, Presets } from "@addrop/models"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { Attribution, Target } from "../src/index.js"

let scope: Scope.Closeable
beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  await Effect.runPromise(Scope.provide(scope)(TensorBackend.make("wasm")))
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

it("attributes all 12 layers of BERT-base shapes with one backward pass", async () => {
  // BERT-base shapes (12 layers, hidden 768, 12 heads); a small vocabulary keeps initialisation quick.
  const model = Model.makeUnsafe(
    { ...Presets.base, vocabSize: 1000 },
    { task: "classification", numLabels: 2, key: Key.make(0) }
  )
  expect(model.numLayers).toBe(12)
  const batch = {
    inputIds: tf.tensor2d(
      [
        [101, 7, 8, 9, 102, 0],
        [101, 10, 11, 12, 13, 102]
      ],
      [2, 6],
      "int32"
    ),
    attentionMask: tf.tensor2d(
      [
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 1]
      ],
      [2, 6],
      "int32"
    )
  }
  const softmax = tf.getGradient("Softmax")!
  let softmaxBackward = 0
  tf.registerGradient({ ...softmax, gradFunc: (...args) => (softmaxBackward++, softmax.gradFunc(...args)) })
  const gradients = vi.spyOn(tf.engine(), "gradients")
  try {
    const layers = Array.from({ length: 12 }, (_, i) => i)
    const { maps, logits } = Attribution.gradient({
      forward: (interventions) => model.forward(batch, { training: false, interventions }).logits,
      layers,
      shape: model.attentionShape(batch),
      target: Target.pseudoLabel
    })
    expect(gradients).toHaveBeenCalledTimes(1)
    expect(softmaxBackward).toBe(11)
    expect([...maps.keys()]).toEqual(layers)
    // Every layer's map is a real gradient: non-zero somewhere.
    for (const map of maps.values()) expect((await tf.max(tf.abs(map)).data())[0]).toBeGreaterThan(0)
    tf.dispose([logits, ...maps.values()])
  } finally {
    gradients.mockRestore()
    tf.registerGradient(softmax)
    model.dispose()
    tf.dispose([batch.inputIds, batch.attentionMask])
  }
})
