/**
 * Loading Hugging Face checkpoints (name mapping, transposes, new heads, typed failures) and saving them
 * back, checked against the PyTorch reference's own checkpoint reader when Python with torch is present.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CheckpointMismatch, InvalidTensorInput, readModelFolder, type Safetensors } from "@addrop/checkpoint"
import { describeBackends, expectAllClose, itRequiring, statuses, torch } from "@addrop/conformance"
import { checkCheckpointCommand, goldenBatch, loadGolden, tensorValues } from "@addrop/fixtures"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Cause, Effect, Exit } from "effect"
import { expect, it } from "vitest"
import { InvalidInput, Loss, Model, Pretrained } from "../src/index.js"
import { disposeBatch, readFixture } from "./helpers.js"

const backends = await statuses()

const GOLDEN = { rtol: 1e-4, atol: 1e-4 }

/** The typed failure of an Effect. */
const failureOf = async <E>(effect: Effect.Effect<unknown, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return expect.fail("expected the effect to fail")
  const error = Cause.squash(exit.cause)
  return error as E
}

describeBackends("pretrained", backends, () => {
  it("a fixture checkpoint maps onto the model one to one and saves back to identical tensors", async () => {
    const folder = await readFixture("tiny-bert-cls")
    const { model, report } = await Effect.runPromise(Pretrained.fromPretrained(folder))
    expect(report.matched).toEqual(model.specs.map((s) => s.name))
    expect(report.renamed).toEqual([])
    // Linear weights are transposed on the way in: stored [in, out].
    const q = model.parameters.get("bert.encoder.layer.0.attention.self.query.weight")!
    const hfQ = folder.tensors.get("bert.encoder.layer.0.attention.self.query.weight")!
    expect(hfQ.shape).toEqual([32, 32])
    const stored = await q.data()
    expect(stored[1 * 32 + 0]).toBe((hfQ.data as Float32Array)[0 * 32 + 1])
    const saved = await Effect.runPromise(Pretrained.toHfTensors(model))
    expect([...saved.keys()].sort()).toEqual([...folder.tensors.keys()].sort())
    for (const [name, tensor] of saved) {
      const original = folder.tensors.get(name)!
      expect(tensor.shape, name).toEqual(original.shape)
      expect(tensor.data, name).toEqual(original.data)
    }
    expect(Pretrained.toHfConfig(model)).toEqual(folder.config)
    model.dispose()
  })

  it("a pre-training checkpoint gets a fresh head, initialised from the key and reported", async () => {
    // tiny-bert-tok has no pooler and a 5-label classifier: as a 3-label sequence classifier, the pooler
    // and the classifier are new.
    const folder = await readFixture("tiny-bert-tok")
    const load = (seed: number) =>
      Effect.runPromise(
        Pretrained.fromPretrained(folder, { task: "classification", numLabels: 3, key: Key.make(seed) })
      )
    const a = await load(1)
    expect([...a.report.initialised].sort()).toEqual([
      "bert.pooler.dense.bias",
      "bert.pooler.dense.weight",
      "classifier.bias",
      "classifier.weight"
    ])
    expect(a.report.unexpected).toEqual([])
    expect(a.model.task).toBe("classification")
    expect(a.model.parameters.get("classifier.weight")!.shape).toEqual([32, 3])
    // The new head is exactly what Model.make draws for that key; the encoder is the checkpoint's.
    const fresh = Model.makeUnsafe(a.model.config, { task: "classification", numLabels: 3, key: Key.make(1) })
    expect(await a.model.parameters.get("classifier.weight")!.data()).toEqual(
      await fresh.parameters.get("classifier.weight")!.data()
    )
    expect(await a.model.parameters.get("bert.embeddings.word_embeddings.weight")!.data()).toEqual(
      folder.tensors.get("bert.embeddings.word_embeddings.weight")!.data
    )
    const b = await load(2)
    expect(await b.model.parameters.get("classifier.weight")!.data()).not.toEqual(
      await a.model.parameters.get("classifier.weight")!.data()
    )
    // The written config describes the new head.
    expect(Pretrained.toHfConfig(a.model).architectures).toEqual(["BertForSequenceClassification"])
    // The sequence checkpoint as a token classifier: the pooler is unused, the classifier shape fits.
    const cls = await readFixture("tiny-bert-cls")
    const tok = await Effect.runPromise(
      Pretrained.fromPretrained(cls, { task: "token-classification", numLabels: 3, key: Key.make(0) })
    )
    expect([...tok.report.unexpected].sort()).toEqual(["bert.pooler.dense.bias", "bert.pooler.dense.weight"])
    expect(tok.report.initialised).toEqual([])
    for (const m of [a.model, b.model, fresh, tok.model]) m.dispose()
  })

  it("a new head without a key, a missing or misshapen encoder tensor, an integer tensor: typed failures", async () => {
    const folder = await readFixture("tiny-bert-tok")
    const before = tf.memory().numTensors
    const noKey = await failureOf(Pretrained.fromPretrained(folder, { task: "classification", numLabels: 3 }))
    expect(noKey).toBeInstanceOf(InvalidInput)
    expect((noKey as InvalidInput).input).toBe("key")

    const without = new Map(folder.tensors)
    without.delete("bert.encoder.layer.1.attention.self.key.bias")
    const missing = await failureOf(Pretrained.fromPretrained({ config: folder.config, tensors: without }))
    expect(missing).toBeInstanceOf(CheckpointMismatch)
    expect((missing as CheckpointMismatch).missing).toEqual(["bert.encoder.layer.1.attention.self.key.bias"])

    const reshaped = new Map(folder.tensors)
    reshaped.set("bert.embeddings.position_embeddings.weight", {
      dtype: "F32",
      shape: [8, 32],
      data: new Float32Array(8 * 32)
    })
    const mismatch = await failureOf(Pretrained.fromPretrained({ config: folder.config, tensors: reshaped }))
    expect(mismatch).toBeInstanceOf(CheckpointMismatch)
    expect((mismatch as CheckpointMismatch).mismatched).toEqual([
      { name: "bert.embeddings.position_embeddings.weight", expected: [16, 32], actual: [8, 32] }
    ])

    const ints = new Map<string, Safetensors.SafeTensor>(folder.tensors)
    ints.set("bert.embeddings.LayerNorm.bias", { dtype: "I32", shape: [32], data: new Int32Array(32) })
    const dtype = await failureOf(Pretrained.fromPretrained({ config: folder.config, tensors: ints }))
    expect(dtype).toBeInstanceOf(InvalidTensorInput)
    expect((dtype as InvalidTensorInput).tensor).toBe("bert.embeddings.LayerNorm.bias")

    const badConfig = await failureOf(
      Pretrained.fromPretrained({
        config: { ...folder.config, num_attention_heads: 5 },
        tensors: folder.tensors
      })
    )
    expect((badConfig as { _tag: string })._tag).toBe("InvalidConfig")
    // The failures created no tensors.
    expect(tf.memory().numTensors).toBe(before)
  })

  it("legacy names (LayerNorm gamma/beta, no `bert.` prefix) are renamed like transformers does", async () => {
    const golden = loadGolden("tiny-bert-cls")
    const folder = await readFixture("tiny-bert-cls")
    const legacy = new Map<string, Safetensors.SafeTensor>()
    for (const [name, tensor] of folder.tensors) {
      const renamed = name
        .replace(/^bert\./, "")
        .replace(/LayerNorm\.weight$/, "LayerNorm.gamma")
        .replace(/LayerNorm\.bias$/, "LayerNorm.beta")
      legacy.set(renamed, tensor)
    }
    const { model, report } = await Effect.runPromise(
      Pretrained.fromPretrained({ config: folder.config, tensors: legacy })
    )
    expect(report.renamed.length).toBe(folder.tensors.size - 2) // all but classifier.weight/bias
    expect(report.renamed).toContainEqual({
      from: "embeddings.LayerNorm.gamma",
      to: "bert.embeddings.LayerNorm.weight"
    })
    const batch = goldenBatch(golden)
    const { logits } = model.forward(batch, { training: false })
    await expectAllClose(logits, tensorValues(golden.logits), GOLDEN)
    tf.dispose(logits)
    disposeBatch(batch)
    model.dispose()
  })

  itRequiring(
    torch(checkCheckpointCommand(".", ".")[0]!),
    "a fine-tuned model saved as a Hugging Face folder gives the same logits in the PyTorch reference",
    async () => {
      for (const name of ["tiny-bert-cls", "tiny-roberta-cls", "tiny-bert-tok"] as const) {
        const golden = loadGolden(name)
        const { model } = await Effect.runPromise(Pretrained.fromPretrained(await readFixture(name)))
        const batch = goldenBatch(golden)
        const labels =
          model.task === "token-classification"
            ? tf.tensor2d(
                (golden.inputs.labels as ReadonlyArray<ReadonlyArray<number>>).map((r) => [...r]),
                undefined,
                "int32"
              )
            : tf.tensor1d(golden.inputs.labels as Array<number>, "int32")
        // A few training steps so that the saved weights are not the fixture's.
        for (let step = 0; step < 3; step++) {
          const { value, grads } = tf.variableGrads(
            () =>
              Loss.loss(
                model.task,
                model.forward(batch, { training: true, dropoutKey: Key.make(step) }).logits,
                labels
              ),
            model.trainableVariables
          )
          tf.tidy(() => {
            for (const v of model.trainableVariables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.3)))
          })
          tf.dispose([value, ...Object.values(grads)])
        }
        const ours = model.forward(batch, { training: false }).logits
        const oursValues = await ours.data()
        await expect(expectAllClose(ours, tensorValues(golden.logits), GOLDEN)).rejects.toThrow()
        const dir = mkdtempSync(join(tmpdir(), "addrop-models-"))
        try {
          await Effect.runPromise(Pretrained.save(model, dir).pipe(Effect.provide(NodeFileSystem.layer)))
          const inputs = join(dir, "inputs.json")
          writeFileSync(inputs, JSON.stringify(golden.inputs))
          const [python, ...args] = checkCheckpointCommand(dir, inputs)
          const run = spawnSync(python!, args, { encoding: "utf8" })
          expect(run.status, run.stderr).toBe(0)
          const reference = JSON.parse(run.stdout) as { shape: Array<number>; logits: Array<unknown> }
          const flat = (reference.logits as Array<unknown>).flat(Number.POSITIVE_INFINITY) as Array<number>
          await expectAllClose(oursValues, flat, GOLDEN)
          // And the folder reads back into the same model.
          const reread = await Effect.runPromise(
            readModelFolder(dir).pipe(
              Effect.provide(NodeFileSystem.layer),
              Effect.flatMap((f) => Pretrained.fromPretrained(f))
            )
          )
          const again = reread.model.forward(batch, { training: false }).logits
          expect(await again.data()).toEqual(oursValues)
          tf.dispose(again)
          reread.model.dispose()
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
        tf.dispose([ours, labels])
        disposeBatch(batch)
        model.dispose()
      }
    }
  )
})
