/**
 * The encoders against the independent PyTorch reference in @addrop/fixtures (generator/tinymodels.py):
 * the four tiny checkpoints are loaded through @addrop/checkpoint, run in eval mode on every backend, and
 * compared with the golden logits, attention probabilities, AD-Drop second-pass logits, losses and
 * attention gradients.
 *
 * Tolerance (|actual − expected| ≤ atol + rtol·|expected|, element-wise): logits and probabilities
 * rtol = atol = 1e-4 on every backend (stated in the brief); gradients w.r.t. the attention
 * probabilities rtol = 1e-3, atol = 1e-4 (a backward pass through three layers in float32).
 */
import { Intervention } from "@addrop/attention"
import { describeBackends, expectAllClose, statuses, type Tolerance } from "@addrop/conformance"
import { goldenBatch, loadGolden, type ModelGolden, modelNames, tensorValues } from "@addrop/fixtures"
import { MASKED_SCORE_BIAS } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { expect, it } from "vitest"
import { Loss, type Task } from "../src/index.js"
import { disposeBatch, loadFixture } from "./helpers.js"

const backends = await statuses()

const GOLDEN: Tolerance = { rtol: 1e-4, atol: 1e-4 }
const GRADIENT: Tolerance = { rtol: 1e-3, atol: 1e-4 }

const taskOf = (golden: ModelGolden): Task.Task =>
  golden.task === "single_label_classification"
    ? "classification"
    : golden.task === "regression"
      ? "regression"
      : "token-classification"

/** Labels of the golden `loss`: pseudo labels (pads ignored) for classification heads, targets for regression. */
const lossLabels = (golden: ModelGolden): tf.Tensor => {
  switch (golden.task) {
    case "single_label_classification":
      return tf.tensor1d(golden.pseudo_labels as ReadonlyArray<number> as Array<number>, "int32")
    case "regression":
      return tf.tensor1d(golden.inputs.labels as Array<number>, "float32")
    case "token_classification":
      return tf.tensor2d(
        (golden.pseudo_labels as ReadonlyArray<ReadonlyArray<number>>).map((row, b) =>
          row.map((label, i) => (golden.inputs.attention_mask[b]![i] === 1 ? label : Loss.IGNORE_INDEX))
        ),
        undefined,
        "int32"
      )
  }
}

/** F of the golden `ga`: the summed logit of each row's pseudo label (real tokens only for token heads). */
const pseudoLabelObjective = (golden: ModelGolden, logits: tf.Tensor): tf.Scalar =>
  tf.tidy(() => {
    switch (golden.task) {
      case "regression":
        return tf.sum(logits)
      case "single_label_classification": {
        const labels = tf.tensor1d(golden.pseudo_labels as Array<number>, "int32")
        return tf.sum(tf.mul(logits, tf.oneHot(labels, logits.shape[1]!)))
      }
      case "token_classification": {
        const labels = tf.tensor2d(
          (golden.pseudo_labels as ReadonlyArray<ReadonlyArray<number>>).map((r) => [...r]),
          undefined,
          "int32"
        )
        const mask = tf.tensor2d(
          golden.inputs.attention_mask.map((r) => [...r]),
          undefined,
          "float32"
        )
        const picked = tf.sum(tf.mul(logits, tf.oneHot(labels, logits.shape[2]!)), 2)
        return tf.sum(tf.mul(picked, mask))
      }
    }
  })

describeBackends("golden PyTorch outputs", backends, () => {
  for (const name of modelNames) {
    it(`${name}: logits and per-layer attention probabilities match PyTorch`, async () => {
      const golden = loadGolden(name)
      const { model, report } = await loadFixture(name)
      expect(model.task).toBe(taskOf(golden))
      expect(model.config.modelType).toBe(golden.config.model_type)
      expect(report.initialised).toEqual([])
      expect(report.unexpected).toEqual([])
      expect(report.matched.length).toBe(model.specs.length)
      const batch = goldenBatch(golden)
      const before = tf.memory().numTensors
      const out = model.forward(batch, { training: false, outputAttentions: true })
      // Regression logits are [B]; the golden ones [B,1].
      expect(out.logits.shape).toEqual(
        model.task === "regression" ? [golden.logits.shape[0]] : [...golden.logits.shape]
      )
      await expectAllClose(out.logits, tensorValues(golden.logits), GOLDEN)
      expect(out.attentions).toHaveLength(golden.attention_probs.length)
      for (const [layer, probs] of golden.attention_probs.entries()) {
        expect(out.attentions![layer]!.shape).toEqual([...probs.shape])
        await expectAllClose(out.attentions![layer]!, tensorValues(probs), GOLDEN)
      }
      tf.dispose([out.logits, ...(out.attentions ?? [])])
      expect(tf.memory().numTensors).toBe(before)
      disposeBatch(batch)
      model.dispose()
    })

    it(`${name}: the loss matches PyTorch`, async () => {
      const golden = loadGolden(name)
      const { model } = await loadFixture(name)
      const batch = goldenBatch(golden)
      const labels = lossLabels(golden)
      const value = tf.tidy(() =>
        Loss.loss(model.task, model.forward(batch, { training: false }).logits, labels)
      )
      await expectAllClose(value, [golden.loss], GOLDEN)
      tf.dispose([value, labels])
      disposeBatch(batch)
      model.dispose()
    })

    it(`${name}: gradients w.r.t. every layer's attention (zero taps through mapProbs) match PyTorch's ga`, async () => {
      const golden = loadGolden(name)
      const { model } = await loadFixture(name)
      const batch = goldenBatch(golden)
      const taps = golden.ga.map((g) => tf.zeros([...g.shape]))
      const before = tf.memory().numTensors
      const grads = tf.grads((...t: Array<tf.Tensor>) => {
        const interventions: Intervention.Interventions = new Map(
          t.map((tap, layer) => [layer, { mapProbs: (p: tf.Tensor4D) => tf.add(p, tap) as tf.Tensor4D }])
        )
        return pseudoLabelObjective(golden, model.forward(batch, { training: false, interventions }).logits)
      })(taps)
      expect(tf.memory().numTensors).toBe(before + grads.length)
      for (const [layer, ga] of golden.ga.entries())
        await expectAllClose(grads[layer]!, tensorValues(ga), GRADIENT)
      tf.dispose([...grads, ...taps])
      disposeBatch(batch)
      model.dispose()
    })
  }

  it("tiny-bert-cls: a score-bias intervention on one layer reproduces PyTorch's AD-Drop second pass", async () => {
    const golden = loadGolden("tiny-bert-cls")
    expect(golden.masks.length).toBeGreaterThan(0)
    const { model } = await loadFixture("tiny-bert-cls")
    const batch = goldenBatch(golden)
    const plain = model.forward(batch, { training: false }).logits
    const plainValues = await plain.data()
    let changed = 0
    for (const mask of golden.masks) {
      const bias = tf.tidy(() =>
        tf.mul(tf.tensor(Float32Array.from(mask.dropped.data), [...mask.dropped.shape]), MASKED_SCORE_BIAS)
      )
      const logits = model.forward(batch, {
        training: false,
        interventions: Intervention.scoreBiases(new Map([[mask.layer, bias]]))
      }).logits
      await expectAllClose(logits, tensorValues(mask.logits_second_pass), GOLDEN)
      const values = await logits.data()
      if (
        mask.dropped.data.some((d) => d === 1) &&
        values.some((v, i) => Math.abs(v - plainValues[i]!) > 1e-3)
      )
        changed++
      tf.dispose([bias, logits])
    }
    // The drops do move the logits (otherwise the comparison above would prove nothing).
    expect(changed).toBeGreaterThan(0)
    tf.dispose(plain)
    disposeBatch(batch)
    model.dispose()
  })
})
