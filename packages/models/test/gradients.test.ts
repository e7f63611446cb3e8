/**
 * The training gradient dL/dθ of every parameter against the independent PyTorch reference in
 * @addrop/fixtures (generator/generate.py `param_grads`, `param_grads_masked`): the fixture checkpoints are
 * loaded through @addrop/checkpoint, the gold-label loss is differentiated with `tf.variableGrads` in eval
 * mode on every backend, and each variable's gradient (transposed back to Hugging Face's `[out, in]` for
 * Linear weights) is compared with PyTorch's. The masked case adds AD-Drop's score bias (−1e9 where
 * `masks[0].dropped`, on layer `masks[0].layer`) as in a training step's second pass, so it checks the
 * backward pass of the masked attention as well.
 *
 * Tolerance (|actual − expected| ≤ atol + rtol·|expected|, element-wise): rtol = 2e-3, atol = 2e-5.
 * - The golden float32 gradients differ from a float64 PyTorch recomputation by at most 2.2e-5 absolute
 *   (tiny-bert-reg, whose MSE gradients reach |g| ≈ 66) and 3.3e-4 relative where |g| > 1e-3, i.e. within
 *   10% of this tolerance; our float32 backward pass (another summation order, fused kernels on wasm) has
 *   errors of the same size, so rtol must cover a few times 3e-4.
 * - atol covers entries that are 0 in exact arithmetic: the attention key biases (softmax is
 *   shift-invariant; PyTorch stores ~1e-9 rounding noise), unused embedding rows and positions. It is
 *   ≤ 4e-6 of the largest gradient of each model (|g| up to 5 for the classifiers, 66 for regression), far
 *   below any real error: a wrong or missing term in a backward pass moves whole gradients by O(|g|).
 * - The loss itself is compared with the tolerance of the other golden outputs (rtol = atol = 1e-4).
 * Observed (cpu and wasm, Node): at most 8% of this tolerance on any element; max |diff| 2.3e-5 (wasm,
 * tiny-bert-reg, token-type embeddings, |g| up to 64) and 2.4e-6 on the classifiers; max relative error
 * 5.5e-4 where |g| > 1e-3.
 */
import { Intervention } from "@addrop/attention"
import { describeBackends, expectAllClose, statuses, type Tolerance } from "@addrop/conformance"
import { goldenBatch, loadGolden, tensorValues, type ParameterGradients, shapeSize } from "@addrop/fixtures"
import { MASKED_SCORE_BIAS } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { expect, it } from "vitest"
import { Loss, type Model } from "../src/index.js"
import { disposeBatch, loadFixture } from "./helpers.js"

const backends = await statuses()

const GRADIENT: Tolerance = { rtol: 2e-3, atol: 2e-5 }
const LOSS: Tolerance = { rtol: 1e-4, atol: 1e-4 }

type GradientModel = "tiny-bert-cls" | "tiny-bert-reg" | "tiny-roberta-cls"

interface Case {
  readonly name: GradientModel
  /** `masks[0]` of the fixture applied as a score bias (AD-Drop's second pass). */
  readonly masked: boolean
}

const cases: ReadonlyArray<Case> = [
  { name: "tiny-bert-cls", masked: false },
  { name: "tiny-bert-cls", masked: true },
  { name: "tiny-roberta-cls", masked: false },
  { name: "tiny-bert-reg", masked: false }
]

/** The gold labels: class ids `[B]` int32 (classification), float32 targets `[B]` (regression). */
const goldLabels = (name: GradientModel): tf.Tensor1D => {
  const golden = loadGolden(name)
  return golden.task === "regression"
    ? tf.tensor1d([...golden.inputs.labels], "float32")
    : tf.tensor1d([...golden.inputs.labels], "int32")
}

const expected = (c: Case): { readonly loss: number; readonly grads: ParameterGradients } => {
  if (c.name === "tiny-bert-cls" && c.masked) {
    const golden = loadGolden("tiny-bert-cls")
    return { loss: golden.gold_loss_masked, grads: golden.param_grads_masked }
  }
  const golden = loadGolden(c.name)
  return { loss: golden.gold_loss, grads: golden.param_grads }
}

/** The score bias `[B,H,L,L]` of `masks[0]` (−1e9 where dropped) and its layer. */
const maskBias = (): { readonly layer: number; readonly bias: tf.Tensor4D } => {
  const mask = loadGolden("tiny-bert-cls").masks[0]!
  const bias = tf.tidy(() =>
    tf.mul(tf.tensor(Float32Array.from(mask.dropped.data), [...mask.dropped.shape]), MASKED_SCORE_BIAS)
  ) as tf.Tensor4D
  return { layer: mask.layer, bias }
}

/** A variable's gradient in Hugging Face's layout (Linear weights `[out, in]`). */
const hfLayout = (model: Model.Model, name: string, grad: tf.Tensor): tf.Tensor =>
  model.specs.find((s) => s.name === name)!.transposed ? tf.transpose(grad) : tf.clone(grad)

it("the masked golden gradient differs from the unmasked one (so its comparison proves something)", () => {
  const golden = loadGolden("tiny-bert-cls")
  expect(golden.masks[0]!.dropped.data.some((d) => d === 1)).toBe(true)
  const unmoved: Array<string> = []
  for (const [name, plain] of Object.entries(golden.param_grads)) {
    const masked = golden.param_grads_masked[name]!
    expect(masked.shape).toEqual(plain.shape)
    const a = tensorValues(plain)
    const b = tensorValues(masked)
    if (!a.some((x, i) => Math.abs(x - b[i]!) > 10 * (GRADIENT.atol + GRADIENT.rtol * Math.abs(x))))
      unmoved.push(name)
  }
  // The mask moves every gradient by far more than the tolerance, except the attention key biases', which
  // are 0 either way (softmax is invariant to a per-row shift of the scores).
  expect(unmoved).toEqual([0, 1, 2].map((layer) => `bert.encoder.layer.${layer}.attention.self.key.bias`))
})

describeBackends("parameter gradients match PyTorch", backends, () => {
  for (const c of cases) {
    it(`${c.name}${c.masked ? " with masks[0] as a score bias" : ""}: dL/dθ of every parameter against the gold labels`, async () => {
      const { model } = await loadFixture(c.name)
      const golden = loadGolden(c.name)
      const want = expected(c)
      expect(Object.keys(want.grads).sort()).toEqual(model.specs.map((s) => s.name).sort())
      const batch = goldenBatch(golden)
      const labels = goldLabels(c.name)
      const mask = c.masked ? maskBias() : undefined
      const interventions =
        mask === undefined ? undefined : Intervention.scoreBiases(new Map([[mask.layer, mask.bias]]))

      const before = tf.memory().numTensors
      const { value, grads } = tf.variableGrads(
        () => Loss.loss(model.task, model.forward(batch, { training: false, interventions }).logits, labels),
        model.trainableVariables
      )
      expect(tf.memory().numTensors).toBe(before + 1 + Object.keys(grads).length)
      await expectAllClose(value, [want.loss], LOSS)

      // Every parameter is checked; failures are collected so a report names all the parameters that differ.
      const failures: Array<string> = []
      for (const [name, variable] of model.parameters) {
        const grad = grads[variable.name]
        if (grad === undefined) {
          failures.push(`${name}: no gradient`)
          continue
        }
        const reference = want.grads[name]!
        const actual = hfLayout(model, name, grad)
        expect(actual.shape, name).toEqual([...reference.shape])
        expect(actual.size).toBe(shapeSize(reference.shape))
        try {
          await expectAllClose(actual, tensorValues(reference), GRADIENT)
        } catch (error) {
          failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
        }
        actual.dispose()
      }
      expect(failures).toEqual([])

      tf.dispose([value, ...Object.values(grads)])
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([labels, ...(mask === undefined ? [] : [mask.bias])])
      disposeBatch(batch)
      model.dispose()
    })
  }
})
