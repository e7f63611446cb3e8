/**
 * Model behaviour on every backend: initialisation, heads, dropout reproducibility, interventions,
 * gradients, tensor hygiene and input validation. Small shapes throughout.
 */
import { Intervention } from "@addrop/attention"
import { describeBackends, expectAllClose, onCpu, statuses } from "@addrop/conformance"
import { MASKED_SCORE_BIAS } from "@addrop/ops"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit } from "effect"
import { expect, it } from "vitest"
import { InvalidInput, Loss, Model, type ModelConfig, Parameters, Presets } from "../src/index.js"
import { disposeBatch, maxAbsDiff, randomBatch } from "./helpers.js"

const backends = await statuses()

/** A small BERT: 2 layers, hidden 32, 4 heads, vocab 100, 16 positions. */
const bert: ModelConfig.ModelConfig = {
  ...Presets.tiny,
  vocabSize: 100,
  hiddenSize: 32,
  numAttentionHeads: 4,
  intermediateSize: 64,
  maxPositionEmbeddings: 16
}
/** The same shape as a RoBERTa: padding id 1, positions from 2, one token type. */
const roberta: ModelConfig.ModelConfig = {
  ...Presets.robertaBase,
  vocabSize: 100,
  hiddenSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  intermediateSize: 64,
  maxPositionEmbeddings: 18
}

const make = (
  config: ModelConfig.ModelConfig,
  task: Model.MakeOptions["task"] = "classification",
  seed = 0,
  numLabels?: number
) => Model.makeUnsafe(config, { task, numLabels, key: Key.make(seed) })

const values = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array)

/** The error a synchronous call throws. */
const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  return expect.fail("expected the call to throw")
}

describeBackends("model", backends, ({ backend }) => {
  it("initialisation is a pure function of the key, with Hugging Face's initial values", async () => {
    const a = make(bert, "classification", 7)
    const b = make(bert, "classification", 7)
    const c = make(bert, "classification", 8)
    let differs = 0
    for (const spec of a.specs) {
      const va = await values(a.parameters.get(spec.name)!)
      expect(await values(b.parameters.get(spec.name)!), spec.name).toEqual(va)
      const vc = await values(c.parameters.get(spec.name)!)
      if (maxAbsDiff(va, vc) > 0) differs++
      switch (spec.role) {
        case "bias":
        case "layerNormBeta":
          expect(
            va.every((v) => v === 0),
            spec.name
          ).toBe(true)
          break
        case "layerNormGamma":
          expect(
            va.every((v) => v === 1),
            spec.name
          ).toBe(true)
          break
        default: {
          let sq = 0
          for (const v of va) sq += v * v
          const std = Math.sqrt(sq / va.length)
          // N(0, 0.02): the sample std of ≥ 64 values is within 40% of 0.02 with overwhelming probability.
          expect(std, spec.name).toBeGreaterThan(0.012)
          expect(std, spec.name).toBeLessThan(0.028)
        }
      }
    }
    // Every random weight (embeddings and Linear weights) differs under another key.
    expect(differs).toBe(a.specs.filter((s) => s.role === "linear" || s.role === "embedding").length)
    const words = await values(a.parameters.get("bert.embeddings.word_embeddings.weight")!)
    const pad = bert.padTokenId * bert.hiddenSize
    expect(Array.from(words.subarray(pad, pad + bert.hiddenSize))).toEqual(new Array(bert.hiddenSize).fill(0))
    // Linear weights are stored [in, out].
    expect(a.parameters.get("bert.encoder.layer.0.intermediate.dense.weight")!.shape).toEqual([32, 64])
    expect(a.specs.find((s) => s.name === "bert.encoder.layer.0.intermediate.dense.weight")!.shape).toEqual([
      64, 32
    ])
    for (const m of [a, b, c]) m.dispose()
  })

  it("heads: parameter names and logits shapes per task and model type", () => {
    const batch = randomBatch(3, 6, 100, 1)
    const cases = [
      {
        config: bert,
        task: "classification",
        labels: 3,
        shape: [3, 3],
        head: ["bert.pooler.dense.weight", "classifier.weight"]
      },
      {
        config: bert,
        task: "regression",
        labels: 1,
        shape: [3],
        head: ["bert.pooler.dense.weight", "classifier.weight"]
      },
      {
        config: bert,
        task: "token-classification",
        labels: 5,
        shape: [3, 6, 5],
        head: ["classifier.weight"]
      },
      {
        config: roberta,
        task: "classification",
        labels: 2,
        shape: [3, 2],
        head: ["classifier.dense.weight", "classifier.out_proj.weight"]
      },
      {
        config: roberta,
        task: "token-classification",
        labels: 4,
        shape: [3, 6, 4],
        head: ["classifier.weight"]
      }
    ] as const
    for (const { config, task, labels, shape, head } of cases) {
      const model = make(config, task, 0, labels)
      expect(model.numLabels).toBe(labels)
      expect(model.numLayers).toBe(2)
      expect(model.numHeads).toBe(4)
      for (const name of head) expect(model.parameters.has(name), name).toBe(true)
      expect([...model.parameters.keys()].some((n) => n.includes("pooler"))).toBe(
        head[0] === "bert.pooler.dense.weight"
      )
      expect(model.trainableVariables.length).toBe(model.parameters.size)
      const { logits } = model.forward(batch, { training: false })
      expect(logits.shape, `${config.modelType} ${task}`).toEqual([...shape])
      logits.dispose()
      expect(model.attentionShape(batch)).toEqual([3, 4, 6, 6])
      model.dispose()
    }
    disposeBatch(batch)
  })

  it("eval mode is deterministic and needs no key", async () => {
    const model = make(bert)
    const batch = randomBatch(4, 8, 100, 2)
    const a = model.forward(batch, { training: false }).logits
    const b = model.forward(batch, { training: false, dropoutKey: Key.make(5) }).logits
    expect(await values(b)).toEqual(await values(a))
    tf.dispose([a, b])
    disposeBatch(batch)
    model.dispose()
  })

  it("training-mode dropout is reproducible for a key, differs between keys and from eval", async () => {
    for (const config of [bert, roberta]) {
      const model = make(config)
      const batch = randomBatch(4, 8, 100, 3)
      const run = (key: Key.Key) => {
        const { logits, attentions } = model.forward(batch, {
          training: true,
          dropoutKey: key,
          outputAttentions: true
        })
        return { logits, probs: attentions![1]! }
      }
      const eval_ = model.forward(batch, { training: false }).logits
      const a = run(Key.make(11))
      const b = run(Key.make(11))
      const c = run(Key.make(12))
      expect(await values(b.logits)).toEqual(await values(a.logits))
      expect(await values(b.probs)).toEqual(await values(a.probs))
      expect(maxAbsDiff(await values(a.logits), await values(c.logits))).toBeGreaterThan(1e-6)
      expect(maxAbsDiff(await values(a.logits), await values(eval_))).toBeGreaterThan(1e-6)
      tf.dispose([eval_, a.logits, a.probs, b.logits, b.probs, c.logits, c.probs])
      disposeBatch(batch)
      model.dispose()
    }
  })

  it("training with dropout 0 everywhere equals eval mode and needs no key", async () => {
    const config = { ...bert, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 }
    const model = make(config)
    const batch = randomBatch(2, 5, 100, 4)
    const a = model.forward(batch, { training: true }).logits
    const b = model.forward(batch, { training: false }).logits
    expect(await values(a)).toEqual(await values(b))
    tf.dispose([a, b])
    disposeBatch(batch)
    model.dispose()
  })

  it("attention probabilities are row-stochastic and zero on padded keys", async () => {
    const model = make(roberta)
    const batch = randomBatch(2, 6, 100, 5, 2)
    const { logits, attentions } = model.forward(batch, { training: false, outputAttentions: true })
    expect(attentions).toHaveLength(2)
    for (const probs of attentions!) {
      expect(probs.shape).toEqual([2, 4, 6, 6])
      await expectAllClose(tf.sum(probs, -1), new Float32Array(2 * 4 * 6).fill(1), { rtol: 0, atol: 1e-5 })
      const p = await probs.data()
      // Row 1 has its last two positions padded: no query attends to them.
      for (let h = 0; h < 4; h++)
        for (let i = 0; i < 6; i++) for (const j of [4, 5]) expect(p[((1 * 4 + h) * 6 + i) * 6 + j]).toBe(0)
    }
    tf.dispose([logits, ...attentions!])
    disposeBatch(batch)
    model.dispose()
  })

  it("RoBERTa positions start after the padding index and ignore left padding", async () => {
    // With a left-padded row, RoBERTa's positions of the real tokens are the same as without padding,
    // so the real tokens' outputs (token classification) agree; BERT's absolute positions would differ.
    const model = make(roberta, "token-classification", 3, 3)
    const ids = [5, 9, 17, 33]
    const plain = model.forward(
      {
        inputIds: tf.tensor2d([ids], undefined, "int32"),
        attentionMask: tf.tensor2d([[1, 1, 1, 1]], undefined, "int32")
      },
      { training: false }
    ).logits
    const padded = model.forward(
      {
        inputIds: tf.tensor2d([[1, 1, ...ids]], undefined, "int32"),
        attentionMask: tf.tensor2d([[0, 0, 1, 1, 1, 1]], undefined, "int32")
      },
      { training: false }
    ).logits
    const tail = tf.slice(padded, [0, 2, 0], [1, 4, 3])
    await expectAllClose(tail, await values(plain), { rtol: 1e-5, atol: 1e-5 })
    tf.dispose([plain, padded, tail])
    model.dispose()
  })

  it("a score-bias intervention masks exactly the dropped keys of its layer only", async () => {
    const model = make(bert)
    const batch = randomBatch(2, 5, 100, 6, 0)
    const dropped = new Float32Array(2 * 4 * 5 * 5)
    for (let i = 0; i < dropped.length; i += 7) dropped[i] = 1
    const bias = tf.mul(tf.tensor(dropped, [2, 4, 5, 5]), MASKED_SCORE_BIAS)
    const base = model.forward(batch, { training: false, outputAttentions: true })
    const out = model.forward(batch, {
      training: false,
      outputAttentions: true,
      interventions: Intervention.scoreBiases(new Map([[1, bias]]))
    })
    expect(await values(out.attentions![0]!)).toEqual(await values(base.attentions![0]!))
    const p = await out.attentions![1]!.data()
    for (let i = 0; i < dropped.length; i++) if (dropped[i] === 1) expect(p[i]).toBe(0)
    expect(maxAbsDiff(await values(out.logits), await values(base.logits))).toBeGreaterThan(0)
    tf.dispose([bias, base.logits, ...base.attentions!, out.logits, ...out.attentions!])
    disposeBatch(batch)
    model.dispose()
  })

  it("leaks no tensors across repeated forwards", () => {
    const model = make(bert)
    const batch = randomBatch(2, 6, 100, 7)
    const before = tf.memory().numTensors
    for (let step = 0; step < 3; step++) {
      const out = model.forward(batch, { training: true, dropoutKey: Key.make(step), outputAttentions: true })
      tf.dispose([out.logits, ...out.attentions!])
      const bias = tf.zeros([2, 4, 6, 6])
      const ev = model.forward(batch, {
        training: false,
        interventions: Intervention.scoreBiases(new Map([[0, bias]]))
      })
      tf.dispose([ev.logits, bias])
    }
    expect(tf.memory().numTensors).toBe(before)
    disposeBatch(batch)
    model.dispose()
  })

  it("trains under tf.variableGrads without leaking, and the loss decreases", async () => {
    for (const [config, task, labelsOf] of [
      [bert, "classification", () => tf.tensor1d([0, 1, 1, 0], "int32")],
      [roberta, "regression", () => tf.tensor1d([0.5, -1, 2, 0], "float32")],
      [
        bert,
        "token-classification",
        () =>
          tf.tensor2d(
            [
              [0, 1, 2, -100],
              [2, 1, -100, -100],
              [0, 0, 1, 1],
              [2, 2, 2, 2]
            ],
            undefined,
            "int32"
          )
      ]
    ] as const) {
      const model = make(config, task, 1, task === "token-classification" ? 3 : undefined)
      const batch = randomBatch(4, 4, 100, 8)
      const labels = labelsOf()
      const evalLoss = async () => {
        const l = tf.tidy(() => Loss.loss(task, model.forward(batch, { training: false }).logits, labels))
        const v = (await l.data())[0]!
        l.dispose()
        return v
      }
      const first = await evalLoss()
      const before = tf.memory().numTensors
      for (let step = 0; step < 8; step++) {
        const { value, grads } = tf.variableGrads(
          () =>
            Loss.loss(
              task,
              model.forward(batch, { training: true, dropoutKey: Key.make(step) }).logits,
              labels
            ),
          model.trainableVariables
        )
        expect(Object.keys(grads).length).toBe(model.trainableVariables.length)
        tf.tidy(() => {
          for (const v of model.trainableVariables)
            v.assign(tf.sub(v, tf.mul(grads[v.name]!, task === "regression" ? 0.05 : 0.5)))
        })
        tf.dispose([value, ...Object.values(grads)])
      }
      expect(tf.memory().numTensors).toBe(before)
      expect(await evalLoss(), `${config.modelType} ${task}`).toBeLessThan(first)
      labels.dispose()
      disposeBatch(batch)
      model.dispose()
    }
  })

  it("parameter gradients match central finite differences (every kind of parameter, both model types)", async () => {
    for (const [config, names] of [
      [
        bert,
        [
          "bert.embeddings.word_embeddings.weight",
          "bert.embeddings.position_embeddings.weight",
          "bert.embeddings.token_type_embeddings.weight",
          "bert.encoder.layer.0.attention.self.query.weight",
          "bert.encoder.layer.1.output.LayerNorm.weight",
          "bert.pooler.dense.weight",
          "classifier.bias"
        ]
      ],
      [
        roberta,
        [
          "roberta.embeddings.position_embeddings.weight",
          "roberta.encoder.layer.1.intermediate.dense.weight",
          "classifier.out_proj.weight"
        ]
      ]
    ] as const) {
      // Larger weights than the 0.02 initialisation, so every parameter moves the loss measurably.
      const model = Model.makeUnsafe(
        { ...config, initializerRange: 0.3 },
        { task: "classification", numLabels: 3, key: Key.make(4) }
      )
      const batch = randomBatch(2, 5, 100, 10, 2)
      const tokenTypeIds =
        config.modelType === "bert"
          ? tf.tensor2d(
              [
                [0, 0, 1, 1, 1],
                [0, 1, 1, 0, 0]
              ],
              undefined,
              "int32"
            )
          : undefined
      const labels = tf.tensor1d([2, 0], "int32")
      const lossOf = () =>
        Loss.loss(
          "classification",
          model.forward({ ...batch, tokenTypeIds }, { training: false }).logits,
          labels
        )
      const variables = names.map((n) => model.parameters.get(n)!)
      const { value, grads } = tf.variableGrads(lossOf, variables)
      const evalLoss = async () => {
        const l = tf.tidy(lossOf)
        const v = (await l.data())[0]!
        l.dispose()
        return v
      }
      for (const variable of variables) {
        const g = await variable.data()
        const grad = await grads[variable.name]!.data()
        // The entries with the largest gradients (used rows of embedding tables, for instance).
        const order = Array.from(grad.keys())
          .sort((i, j) => Math.abs(grad[j]!) - Math.abs(grad[i]!))
          .slice(0, 3)
        expect(Math.abs(grad[order[0]!]!), `${variable.name} has a non-trivial gradient`).toBeGreaterThan(
          1e-3
        )
        for (const index of order) {
          const step = 1e-2
          const shifted = async (delta: number) => {
            const data = Float32Array.from(g)
            data[index] = g[index]! + delta
            variable.assign(tf.tensor(data, variable.shape))
            return evalLoss()
          }
          const fd = ((await shifted(step)) - (await shifted(-step))) / (2 * step)
          variable.assign(tf.tensor(Float32Array.from(g), variable.shape))
          expect(
            Math.abs(fd - grad[index]!),
            `${variable.name}[${index}]: fd ${fd}, grad ${grad[index]}`
          ).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd))
        }
      }
      tf.dispose([value, ...Object.values(grads), labels, ...(tokenTypeIds ? [tokenTypeIds] : [])])
      disposeBatch(batch)
      model.dispose()
    }
  })

  it("every parameter gradient agrees with the cpu backend (longer sequences, both model types)", async () => {
    // Length 40 and a 64-wide position table make the backends' tiled kernels (transposes, products) run.
    for (const [config, task] of [
      [{ ...bert, maxPositionEmbeddings: 64 }, "token-classification"],
      [{ ...roberta, maxPositionEmbeddings: 66 }, "classification"]
    ] as const) {
      const all = () => {
        const model = Model.makeUnsafe(config, { task, numLabels: 3, key: Key.make(21) })
        const batch = randomBatch(2, 40, 100, 12, 7)
        const labels =
          task === "classification"
            ? tf.tensor1d([2, 0], "int32")
            : tf.tensor2d(
                [
                  Array.from({ length: 40 }, (_, i) => i % 3),
                  Array.from({ length: 40 }, (_, i) => (i < 33 ? 1 : -100))
                ],
                undefined,
                "int32"
              )
        const { value, grads } = tf.variableGrads(
          () =>
            Loss.loss(task, model.forward(batch, { training: true, dropoutKey: Key.make(3) }).logits, labels),
          model.trainableVariables
        )
        const flat = tf.concat([
          tf.reshape(value, [1]),
          ...model.trainableVariables.map((v) => tf.reshape(grads[v.name]!, [-1]))
        ])
        tf.dispose([value, ...Object.values(grads), labels])
        disposeBatch(batch)
        model.dispose()
        return flat
      }
      const here = all()
      const cpu = await onCpu(all)
      await expectAllClose(here, cpu, { rtol: 1e-3, atol: 1e-5 })
      here.dispose()
    }
  })

  it("rejects bad inputs with InvalidInput naming the input", async () => {
    // Value checks read the batch synchronously: the default everywhere but on webgpu, asked for here.
    const checked = { training: false, checkValues: true } as const
    const model = make(bert)
    const ok = randomBatch(2, 4, 100, 9)
    const cases: Array<[string, () => unknown, string | RegExp]> = [
      [
        "inputIds",
        () =>
          model.forward(
            {
              ...ok,
              inputIds: tf.tensor2d(
                [
                  [1, 2, 100, 3],
                  [1, 2, 3, 4]
                ],
                undefined,
                "int32"
              )
            },
            checked
          ),
        /id 100 .* outside \[0, 99\]/
      ],
      [
        "inputIds",
        () =>
          model.forward(
            {
              ...ok,
              inputIds: tf.tensor2d(
                [
                  [1, -1, 2, 3],
                  [1, 2, 3, 4]
                ],
                undefined,
                "int32"
              )
            },
            checked
          ),
        /id -1/
      ],
      [
        "inputIds",
        () => model.forward({ ...ok, inputIds: tf.cast(ok.inputIds, "float32") as tf.Tensor2D }, checked),
        /int32/
      ],
      [
        "inputIds",
        () => {
          const long = randomBatch(1, 17, 100, 1)
          return model.forward(long, checked)
        },
        /length 17 exceeds the 16 positions/
      ],
      [
        "inputIds",
        () =>
          model.forward({ ...ok, inputIds: tf.tensor1d([1, 2], "int32") as unknown as tf.Tensor2D }, checked),
        /\[B,L\]/
      ],
      [
        "attentionMask",
        () => model.forward({ ...ok, attentionMask: tf.ones([2, 3]) }, checked),
        /shape of inputIds/
      ],
      [
        "attentionMask",
        () =>
          model.forward(
            {
              ...ok,
              attentionMask: tf.tensor2d([
                [1, 1, 2, 1],
                [1, 1, 1, 1]
              ])
            },
            checked
          ),
        /only 0 and 1/
      ],
      [
        "tokenTypeIds",
        () =>
          model.forward(
            {
              ...ok,
              tokenTypeIds: tf.tensor2d(
                [
                  [0, 0, 1, 2],
                  [0, 0, 0, 0]
                ],
                undefined,
                "int32"
              )
            },
            checked
          ),
        /outside \[0, 1\]/
      ],
      [
        "dropoutKey",
        () => model.forward(ok, { training: true, checkValues: true }),
        /required when training/
      ],
      [
        "interventions",
        () => model.forward(ok, { training: false, interventions: new Map([[2, {}]]) }),
        /layer 2 is outside \[0, 1\]/
      ]
    ]
    for (const [input, call, reason] of cases) {
      const error = thrown(call)
      expect(error, `${input}: ${String(error)}`).toBeInstanceOf(InvalidInput)
      expect((error as InvalidInput).input).toBe(input)
      expect((error as InvalidInput).message).toMatch(reason)
    }
    if (backend !== "webgpu") {
      // Where synchronous reads are cheap, values are checked by default.
      const bad = tf.tensor2d(
        [
          [1, 2, 3, 100],
          [1, 2, 3, 4]
        ],
        undefined,
        "int32"
      )
      expect(thrown(() => model.forward({ ...ok, inputIds: bad }, { training: false }))).toBeInstanceOf(
        InvalidInput
      )
    }
    // RoBERTa: 18 positions, the first two taken by the padding index, leave 16 tokens.
    const r = make(roberta)
    expect(
      (thrown(() => r.forward(randomBatch(1, 17, 100, 1), { training: false })) as InvalidInput).reason
    ).toMatch(/length 17 exceeds the 16 positions.*pad_token_id \+ 1 = 2/)
    r.dispose()
    // The asynchronous check (the one to use on webgpu) finds the same problems.
    const bad = {
      ...ok,
      inputIds: tf.tensor2d(
        [
          [1, 2, 3, 250],
          [1, 2, 3, 4]
        ],
        undefined,
        "int32"
      )
    }
    const exit = await Effect.runPromiseExit(Model.checkBatch(model, bad))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(exit)).toMatch(/id 250/)
    expect(Exit.isSuccess(await Effect.runPromiseExit(Model.checkBatch(model, ok)))).toBe(true)
    model.dispose()
    expect((thrown(() => model.forward(ok, checked)) as InvalidInput).input).toBe("model")
    expect(model.isDisposed).toBe(true)
  })

  it("losses reject mismatched labels; predictions are arg-max or identity", async () => {
    const logits = tf.tensor2d([
      [0.1, 2, -1],
      [3, 0, 0]
    ])
    expect(
      (
        thrown(() =>
          Loss.loss("classification", logits, tf.tensor1d([0, 3], "int32"), { checkValues: true })
        ) as InvalidInput
      ).reason
    ).toMatch(/label 3 .* outside \[0, 2\]/)
    expect(
      (thrown(() => Loss.loss("classification", logits, tf.tensor1d([0, 1], "float32"))) as InvalidInput)
        .input
    ).toBe("labels")
    expect(
      (thrown(() => Loss.loss("classification", logits, tf.tensor1d([0, 1, 1], "int32"))) as InvalidInput)
        .input
    ).toBe("labels")
    expect((thrown(() => Loss.loss("regression", logits, tf.tensor1d([0, 1]))) as InvalidInput).input).toBe(
      "logits"
    )
    expect(Array.from(await Loss.predictions("classification", logits).data())).toEqual([1, 0])
    const tokens = tf.tensor3d([
      [
        [0, 1],
        [2, 0]
      ]
    ])
    expect(Array.from(await Loss.predictions("token-classification", tokens).data())).toEqual([1, 0])
    expect(Array.from(await Loss.predictions("regression", tf.tensor1d([0.5, -2])).data())).toEqual([0.5, -2])
    // All tokens ignored: zero loss, not NaN.
    const none = Loss.loss("token-classification", tokens, tf.tensor2d([[-100, -100]], undefined, "int32"))
    expect(Math.abs((await none.data())[0]!)).toBe(0)
  })

  it("counts parameters like Hugging Face", () => {
    const model = make(bert, "classification", 0, 3)
    const total = model.trainableVariables.reduce((n, v) => n + v.size, 0)
    expect(total).toBe(Parameters.count(model.specs))
    model.dispose()
  })
})
