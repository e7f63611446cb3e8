import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Batch, Optimizer, Step } from "../src/index.js"
import { makeModel, syntheticData, useWasm } from "./helpers.js"

useWasm()

const { train } = syntheticData(64, 8)
const encoded = [...train.batches(0)][0]!
const adDrop = (p: number, q: number, attributionMode: "train" | "eval" = "train"): Step.AdDropConfig => ({
  method: "ga",
  layers: [0, 1],
  mask: { p, q, strategy: "high" },
  attributionMode
})
const options = (phase: "ft" | "addrop", config: Step.AdDropConfig): Step.StepOptions => ({
  phase,
  learningRate: 1e-3,
  maxGradNorm: 1,
  adamw: Optimizer.defaults,
  adDrop: config,
  root: Key.make(3),
  step: 5
})

const stepLoss = async (phase: "ft" | "addrop", config: Step.AdDropConfig) => {
  const model = makeModel()
  const state = Optimizer.init(model.parameters)
  const batch = Batch.toTensors(encoded, model.task)
  const result = await Effect.runPromise(
    Step.train(model, state, batch.inputs, batch.labels, options(phase, config))
  )
  Batch.dispose(batch)
  Optimizer.dispose(result.state)
  model.dispose()
  return result.loss
}

describe("Step", () => {
  it("an AD-Drop step with q = 0 drops nothing and trains on exactly the plain step's loss", async () => {
    expect(await stepLoss("addrop", adDrop(0.5, 0))).toBe(await stepLoss("ft", adDrop(0.5, 0)))
  })

  it("an AD-Drop step with drops trains on a different loss than the plain step", async () => {
    expect(await stepLoss("addrop", adDrop(0.5, 1))).not.toBe(await stepLoss("ft", adDrop(0.5, 1)))
  })

  it("the masks drop ≈ p·q of each row's real keys, only real keys, in the chosen layers", async () => {
    const model = makeModel()
    const batch = Batch.toTensors(encoded, model.task)
    for (const mode of ["train", "eval"] as const) {
      const { interventions, dropped } = await Effect.runPromise(
        Step.adDropInterventions(
          model,
          batch.inputs,
          batch.labels,
          adDrop(0.5, 1, mode),
          Step.stepKeys(Key.make(3), 0)
        )
      )
      expect([...interventions.keys()]).toEqual([0, 1])
      const mask = await batch.inputs.attentionMask.data()
      const [B, H, L] = dropped.get(0)!.shape
      const d = await dropped.get(0)!.data()
      for (let b = 0; b < B; b++) {
        const n = Array.from(mask.slice(b * L, (b + 1) * L)).reduce((a, v) => a + v, 0)
        for (let r = 0; r < H * L; r++) {
          const row = d.slice((b * H * L + r) * L, (b * H * L + r + 1) * L)
          for (let j = n; j < L; j++) expect(row[j]).toBe(0) // pads (at the end) are never dropped
          const count = Array.from(row).reduce((a, v) => a + v, 0)
          // With q = 1 every candidate is dropped: n − ⌊n/2⌋ of them, or more on ties.
          expect(count).toBeGreaterThanOrEqual(n - Math.floor(n * 0.5))
        }
      }
      tf.dispose([...dropped.values(), ...[...interventions.values()].map((i) => i.scoreBias!)])
    }
    Batch.dispose(batch)
    model.dispose()
  })
})
