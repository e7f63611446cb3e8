import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Batch, Evaluate, Optimizer, Step } from "../src/index.js"
import { makeModel, syntheticData, useWasm } from "./helpers.js"

/** Runs one step of a fresh model on `encoded` with tensors from `prepare`, returning its typed failure. */
const stepFailure = async (
  phase: "ft" | "addrop",
  config: Step.AdDropConfig,
  prepare: (batch: Batch.TensorBatch) => { inputs: Batch.TensorBatch["inputs"]; labels: Step.Labels } = (b) =>
    b
) => {
  const model = makeModel()
  const state = Optimizer.init(model.parameters)
  const batch = Batch.toTensors(encoded, model.task)
  const before = await model.parameters.get("classifier.bias")!.data()
  const { inputs, labels } = prepare(batch)
  const error = await Effect.runPromise(
    Effect.flip(Step.train(model, state, inputs, labels, options(phase, config)))
  )
  // No update was applied.
  expect(Array.from(await model.parameters.get("classifier.bias")!.data())).toEqual(Array.from(before))
  Batch.dispose(batch)
  Optimizer.dispose(state)
  model.dispose()
  return error
}

useWasm()

const { train } = syntheticData(64, 8)
// The synthetic data's batches are a plain iterable.
const encoded = [...(train.batches(0) as Iterable<Batch.EncodedBatch>)][0]!
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

  describe("bad inputs fail in the error channel with a tagged error", () => {
    it("p or q outside [0, 1]: InvalidMaskOption naming the option", async () => {
      const error = await stepFailure("addrop", adDrop(1.5, 0.3))
      expect(error._tag).toBe("InvalidMaskOption")
      expect(error).toMatchObject({ option: "p", value: 1.5 })
      const q = await stepFailure("addrop", adDrop(0.3, -0.1))
      expect(q).toMatchObject({ _tag: "InvalidMaskOption", option: "q", value: -0.1 })
    })

    it("a layer the model lacks: InvalidAttributionRequest naming it", async () => {
      const error = await stepFailure("addrop", { ...adDrop(0.3, 0.3), layers: [0, 7] })
      expect(error._tag).toBe("InvalidAttributionRequest")
      expect(error.message).toContain("layer 7")
    })

    for (const phase of ["ft", "addrop"] as const) {
      it(`${phase}: labels of the wrong dtype or shape: InvalidInput of the labels`, async () => {
        const dtype = await stepFailure(phase, adDrop(0.3, 0.3), (b) => ({
          inputs: b.inputs,
          labels: tf.cast(b.labels, "float32") as tf.Tensor1D
        }))
        expect(dtype).toMatchObject({ _tag: "InvalidInput", input: "labels" })
        expect(dtype.message).toContain("int32")
        const shape = await stepFailure(phase, adDrop(0.3, 0.3), (b) => ({
          inputs: b.inputs,
          labels: tf.slice(b.labels as tf.Tensor1D, [0], [3])
        }))
        expect(shape).toMatchObject({ _tag: "InvalidInput", input: "labels" })
      })

      it(`${phase}: a label outside the classes: InvalidInput naming the label`, async () => {
        const error = await stepFailure(phase, adDrop(0.3, 0.3), (b) => ({
          inputs: b.inputs,
          labels: tf.fill<tf.Rank>(b.labels.shape, 5, "int32") as tf.Tensor1D
        }))
        expect(error).toMatchObject({ _tag: "InvalidInput", input: "labels" })
        expect(error.message).toContain("label 5")
      })

      it(`${phase}: an empty batch or ids of the wrong dtype: InvalidInput of the ids`, async () => {
        const empty = await stepFailure(phase, adDrop(0.3, 0.3), () => ({
          inputs: {
            inputIds: tf.zeros([0, 8], "int32") as tf.Tensor2D,
            attentionMask: tf.zeros([0, 8], "int32") as tf.Tensor2D
          },
          labels: tf.zeros([0], "int32") as tf.Tensor1D
        }))
        expect(empty).toMatchObject({ _tag: "InvalidInput", input: "inputIds" })
        expect(empty.message).toContain("non-empty")
        const dtype = await stepFailure(phase, adDrop(0.3, 0.3), (b) => ({
          inputs: { ...b.inputs, inputIds: tf.cast(b.inputs.inputIds, "float32") as tf.Tensor2D },
          labels: b.labels
        }))
        expect(dtype).toMatchObject({ _tag: "InvalidInput", input: "inputIds" })
      })
    }
  })

  it("Evaluate.predict fails with the model's InvalidInput for ids outside the vocabulary", async () => {
    const model = makeModel()
    const bad = { ...encoded, inputIds: encoded.inputIds.map((id, i) => (i === 3 ? 999 : id)) }
    const error = await Effect.runPromise(Effect.flip(Evaluate.predict(model, [encoded, bad])))
    expect(error).toMatchObject({ _tag: "InvalidInput", input: "inputIds" })
    expect(error.message).toContain("id 999")
    model.dispose()
  })
})
