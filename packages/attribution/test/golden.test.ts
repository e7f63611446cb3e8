/**
 * Attribution of the fixture models against the independent PyTorch reference (packages/fixtures):
 * GA (pseudo label, all layers from one backward pass), gold-label GA, IGA (m = 20), AA and −∂L/∂A for
 * classification, regression and token classification, on every backend of the suite.
 */
import { readModelFolder } from "@addrop/checkpoint"
import { describeBackends, expectAllClose, statuses } from "@addrop/conformance"
import {
  type GoldenTensor,
  hfModelDir,
  loadGolden,
  type ModelName,
  tensorValues,
  goldenBatch
} from "@addrop/fixtures"
import { type Model, Pretrained } from "@addrop/models"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { Attribution, Method, Target } from "../src/index.js"

const backends = await statuses()
const folders = Object.fromEntries(
  await Promise.all(
    (["tiny-bert-cls", "tiny-roberta-cls", "tiny-bert-reg", "tiny-bert-tok"] as const).map(
      async (name) =>
        [
          name,
          await Effect.runPromise(
            readModelFolder(hfModelDir(name)).pipe(Effect.provide(NodeFileSystem.layer))
          )
        ] as const
    )
  )
)

/**
 * Tolerance against PyTorch's float32 gradients: |diff| ≤ 2e-5 + 2e-3·|expected|. Gradients accumulate
 * three layers of float32 rounding in a different order than PyTorch; the forward values match to 1e-4.
 */
const TOLERANCE = { rtol: 2e-3, atol: 2e-5 }

const batchOf = (name: ModelName): Model.Batch => goldenBatch(loadGolden(name))

const expectMaps = async (maps: ReadonlyMap<number, tf.Tensor4D>, expected: ReadonlyArray<GoldenTensor>) => {
  for (const [layer, map] of maps) await expectAllClose(map, tensorValues(expected[layer]!), TOLERANCE)
}

describeBackends("attribution vs PyTorch", backends, () => {
  const models = new Map<ModelName, Model.Model>()
  beforeAll(async () => {
    for (const [name, folder] of Object.entries(folders)) {
      models.set(name as ModelName, (await Effect.runPromise(Pretrained.fromPretrained(folder))).model)
    }
  })
  afterAll(() => {
    for (const m of models.values()) m.dispose()
  })
  const forwardOf =
    (model: Model.Model, batch: Model.Batch): Attribution.Forward =>
    (interventions) =>
      model.forward(batch, { training: false, interventions }).logits

  for (const name of ["tiny-bert-cls", "tiny-roberta-cls"] as const) {
    it(`${name}: GA of every layer (one backward pass), gold-label GA, AA and −∂L/∂A`, async () => {
      const golden = loadGolden(name)
      const model = models.get(name)!
      const batch = batchOf(name)
      const layers = golden.ga.map((_, i) => i)
      const request = { forward: forwardOf(model, batch), layers, shape: model.attentionShape(batch) }
      const ga = Attribution.gradient({ ...request, target: Target.pseudoLabel })
      await expectAllClose(ga.logits, tensorValues(golden.logits), { rtol: 1e-4, atol: 1e-5 })
      expect(Array.from(await tf.argMax(ga.logits, 1).data())).toEqual(golden.pseudo_labels)
      await expectMaps(ga.maps, golden.ga)
      const gold = Attribution.gradient({
        ...request,
        target: Target.goldLabel(tf.tensor1d(golden.inputs.labels as Array<number>, "int32"))
      })
      await expectMaps(gold.maps, golden.ga_gold)
      const aa = Attribution.attentionWeights(request.forward, layers)
      await expectMaps(aa.maps, golden.attention_probs)
      const loss = Attribution.gradient({ ...request, target: Target.pseudoLabelLoss })
      await expectMaps(loss.maps, golden.neg_loss_grad)
    })
    it(`${name}: IGA with m = 20 per layer`, async () => {
      const golden = loadGolden(name)
      const model = models.get(name)!
      const { maps } = await Effect.runPromise(
        Method.attribute(model, batchOf(name), {
          method: "iga",
          layers: golden.iga.map((_, i) => i),
          steps: golden.iga_steps
        })
      )
      await expectMaps(maps, golden.iga)
    })
  }

  it("tiny-bert-reg: −∂MSE/∂A against the gold targets", async () => {
    const golden = loadGolden("tiny-bert-reg")
    const model = models.get("tiny-bert-reg")!
    const labels = tf.tensor1d(golden.inputs.labels as Array<number>, "float32")
    const { maps } = await Effect.runPromise(
      Method.attribute(model, batchOf("tiny-bert-reg"), { method: "ga", layers: [0, 1, 2], labels })
    )
    await expectMaps(maps, golden.neg_loss_grad)
  })

  it("tiny-bert-tok: −∂L/∂A against per-token pseudo labels over real tokens", async () => {
    const golden = loadGolden("tiny-bert-tok")
    const model = models.get("tiny-bert-tok")!
    const batch = batchOf("tiny-bert-tok")
    const { maps } = await Effect.runPromise(
      Method.attribute(model, batch, { method: "ga", layers: [0, 1, 2], tokenMask: batch.attentionMask })
    )
    await expectMaps(maps, golden.neg_loss_grad)
  })
})
