/**
 * Configurations: decoding with typed errors, Hugging Face serialisation, presets and parameter counts.
 */
import { readFileSync } from "node:fs"
import { describeBackends, statuses } from "@addrop/conformance"
import { bertBaseUncasedDir, hfModelDir, modelNames } from "@addrop/fixtures"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, Result } from "effect"
import { describe, expect, it } from "vitest"
import { InvalidConfig, Model, ModelConfig, Parameters, Presets } from "../src/index.js"

const fixtureConfig = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`${hfModelDir(name as (typeof modelNames)[number])}/config.json`, "utf8"))

// The published bert-base-uncased config.json, bundled in @addrop/fixtures.
const publishedBertBase = JSON.parse(readFileSync(`${bertBaseUncasedDir()}/config.json`, "utf8"))

/** The InvalidConfig a decode fails with. */
const failure = (json: unknown): InvalidConfig => {
  const result = ModelConfig.decodeResult(json)
  if (Result.isSuccess(result)) return expect.fail(`expected ${JSON.stringify(json)} to be rejected`)
  expect(result.failure).toBeInstanceOf(InvalidConfig)
  return result.failure
}

describe("ModelConfig", () => {
  it("decodes every fixture config and writes it back exactly as Hugging Face wrote it", () => {
    for (const name of modelNames) {
      const json = fixtureConfig(name)
      const config = ModelConfig.decodeUnsafe(json)
      const head = ModelConfig.headOf(config)
      expect(head, name).toBeDefined()
      expect(ModelConfig.toJson(config, head)).toEqual(json)
      expect(ModelConfig.toJson(config)).toEqual(json)
    }
  })

  it("derives the head from architectures and problem_type", () => {
    expect(ModelConfig.headOf(ModelConfig.decodeUnsafe(fixtureConfig("tiny-bert-cls")))).toEqual({
      task: "classification",
      numLabels: 3
    })
    expect(ModelConfig.headOf(ModelConfig.decodeUnsafe(fixtureConfig("tiny-bert-reg")))).toEqual({
      task: "regression",
      numLabels: 1
    })
    expect(ModelConfig.headOf(ModelConfig.decodeUnsafe(fixtureConfig("tiny-bert-tok")))).toEqual({
      task: "token-classification",
      numLabels: 5
    })
    // A pre-training checkpoint's config names no fine-tuning head.
    expect(ModelConfig.headOf(Presets.base)).toBeUndefined()
  })

  it("writes architectures, labels and problem_type per head", () => {
    const cases = [
      [Presets.tiny, "classification", 3, "BertForSequenceClassification", "single_label_classification"],
      [Presets.tiny, "regression", 1, "BertForSequenceClassification", "regression"],
      [Presets.tiny, "token-classification", 4, "BertForTokenClassification", undefined],
      [
        Presets.robertaBase,
        "classification",
        2,
        "RobertaForSequenceClassification",
        "single_label_classification"
      ],
      [Presets.robertaBase, "token-classification", 9, "RobertaForTokenClassification", undefined]
    ] as const
    for (const [config, task, numLabels, arch, problem] of cases) {
      const json = ModelConfig.toJson(config, { task, numLabels })
      expect(json.architectures).toEqual([arch])
      expect(json.problem_type).toBe(problem)
      expect(Object.keys(json.id2label as object)).toHaveLength(numLabels)
      expect((json.label2id as Record<string, number>)[`LABEL_${numLabels - 1}`]).toBe(numLabels - 1)
      // Round trip: the written config decodes to the same head.
      expect(ModelConfig.headOf(ModelConfig.decodeUnsafe(json))).toEqual({ task, numLabels })
    }
  })

  it("fails with InvalidConfig naming the bad field", () => {
    const good = fixtureConfig("tiny-bert-cls")
    const cases: Array<[Record<string, unknown> | unknown, string, RegExp]> = [
      [null, "<root>", /JSON object/],
      [{ ...good, model_type: "gpt2" }, "model_type", /"bert" or "roberta"/],
      [{ ...good, hidden_size: undefined }, "hidden_size", /required/],
      [{ ...good, hidden_size: 30 }, "hidden_size", /divisible by num_attention_heads \(4\)/],
      [{ ...good, num_hidden_layers: 1.5 }, "num_hidden_layers", /integer/],
      [{ ...good, vocab_size: 0 }, "vocab_size", /at least 1/],
      [{ ...good, vocab_size: "64" }, "vocab_size", /integer/],
      [{ ...good, hidden_dropout_prob: 1 }, "hidden_dropout_prob", /\[0, 1\)/],
      [{ ...good, attention_probs_dropout_prob: -0.1 }, "attention_probs_dropout_prob", /\[0, 1\)/],
      [{ ...good, classifier_dropout: 2 }, "classifier_dropout", /\[0, 1\)/],
      [{ ...good, layer_norm_eps: 0 }, "layer_norm_eps", /positive/],
      [{ ...good, hidden_act: "gelu_new" }, "hidden_act", /one of gelu, relu, tanh/],
      [{ ...good, pad_token_id: 64 }, "pad_token_id", /below vocab_size \(64\)/],
      [{ ...good, position_embedding_type: "relative_key" }, "position_embedding_type", /absolute/],
      [{ ...good, problem_type: "ranking" }, "problem_type", /one of/],
      [{ ...good, architectures: "Bert" }, "architectures", /array of strings/],
      [{ ...good, id2label: { 0: "a", 2: "c" } }, "id2label", /index 1 is missing/],
      [{ ...good, num_labels: 4 }, "num_labels", /disagrees with id2label/],
      [
        { ...fixtureConfig("tiny-roberta-cls"), max_position_embeddings: 2 },
        "max_position_embeddings",
        /pad_token_id \+ 1/
      ]
    ]
    for (const [json, field, reason] of cases) {
      const error = failure(json)
      expect(error.field, JSON.stringify(json)?.slice(0, 60)).toBe(field)
      expect(error.message).toMatch(reason)
      expect(error.message).toContain(`"${field}"`)
    }
  })

  it("is available as an Effect with a typed failure", async () => {
    const exit = await Effect.runPromiseExit(ModelConfig.decode({ model_type: "bert" }))
    expect(Exit.isFailure(exit)).toBe(true)
    const ok = await Effect.runPromise(ModelConfig.decode(fixtureConfig("tiny-roberta-cls")))
    expect(ok.modelType).toBe("roberta")
  })

  it("fills Hugging Face's per-model defaults", () => {
    const minimal = {
      hidden_size: 8,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 16,
      vocab_size: 10
    }
    const b = ModelConfig.decodeUnsafe({ ...minimal, model_type: "bert" })
    expect([b.layerNormEps, b.padTokenId, b.typeVocabSize, b.hiddenAct, b.maxPositionEmbeddings]).toEqual([
      1e-12,
      0,
      2,
      "gelu",
      512
    ])
    const r = ModelConfig.decodeUnsafe({ ...minimal, model_type: "roberta" })
    expect([r.layerNormEps, r.padTokenId, r.typeVocabSize]).toEqual([1e-5, 1, 1])
  })

  it("validates configurations built in code when a model is made", async () => {
    const exit = await Effect.runPromiseExit(
      Model.make({ ...Presets.tiny, numAttentionHeads: 3 }, { task: "classification", key: Key.make(0) })
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(exit)).toMatch(/hidden_size/)
    expect(() =>
      Model.makeUnsafe(Presets.tiny, { task: "regression", numLabels: 2, key: Key.make(0) })
    ).toThrow(/must be 1 for regression/)
    expect(() =>
      Model.makeUnsafe(Presets.tiny, { task: "classification", numLabels: 1, key: Key.make(0) })
    ).toThrow(InvalidConfig)
  })
})

describe("Presets", () => {
  it("have the documented shapes", () => {
    const shape = (c: ModelConfig.ModelConfig) => [
      c.numHiddenLayers,
      c.hiddenSize,
      c.numAttentionHeads,
      c.intermediateSize,
      c.vocabSize,
      c.maxPositionEmbeddings
    ]
    expect(shape(Presets.tiny)).toEqual([2, 128, 2, 512, 30522, 512])
    expect(shape(Presets.mini)).toEqual([4, 256, 4, 1024, 30522, 512])
    expect(shape(Presets.small)).toEqual([4, 512, 8, 2048, 30522, 512])
    expect(shape(Presets.base)).toEqual([12, 768, 12, 3072, 30522, 512])
    expect(shape(Presets.robertaBase)).toEqual([12, 768, 12, 3072, 50265, 514])
    expect([
      Presets.robertaBase.padTokenId,
      Presets.robertaBase.typeVocabSize,
      Presets.robertaBase.layerNormEps
    ]).toEqual([1, 1, 1e-5])
    for (const config of Object.values(Presets.byName))
      expect(Result.isSuccess(ModelConfig.validate(config))).toBe(true)
  })

  it("base is bert-base-uncased's config.json", () => {
    expect(ModelConfig.toJson(Presets.base)).toEqual(publishedBertBase)
  })

  it("parameter counts match Hugging Face's bert-base-uncased and roberta-base", () => {
    const encoderAndPooler = [
      ...Parameters.encoder(Presets.base),
      ...Parameters.head(Presets.base, "classification", 2).filter((s) => s.name.startsWith("bert.pooler"))
    ]
    // BertModel (bert-base-uncased): 109,482,240 parameters.
    expect(Parameters.count(encoderAndPooler)).toBe(109_482_240)
    // + classifier 768·2 + 2.
    expect(Parameters.count(Parameters.all(Presets.base, "classification", 2))).toBe(109_483_778)
    // RobertaForSequenceClassification (roberta-base, 2 labels): 124,647,170.
    expect(Parameters.count(Parameters.all(Presets.robertaBase, "classification", 2))).toBe(124_647_170)
  })
})

const backends = (await statuses()).filter((s) => s.name === "cpu")

describeBackends("base preset", backends, () => {
  it("builds bert-base with 109,482,240 encoder + pooler parameters (+ classifier) and disposes them all", () => {
    const before = tf.memory().numTensors
    const model = Model.makeUnsafe(Presets.base, { task: "classification", numLabels: 2, key: Key.make(0) })
    const sizes = new Map([...model.parameters].map(([name, v]) => [name, v.size]))
    const encoderAndPooler = [...sizes]
      .filter(([name]) => name.startsWith("bert."))
      .reduce((n, [, s]) => n + s, 0)
    expect(encoderAndPooler).toBe(109_482_240)
    expect(sizes.get("classifier.weight")! + sizes.get("classifier.bias")!).toBe(768 * 2 + 2)
    expect(model.parameters.size).toBe(5 + 12 * 16 + 2 + 2)
    model.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
