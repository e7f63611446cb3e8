import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { CheckpointMismatch, checkParameters, compareParameters } from "../src/index.js"

const loaded = new Map<string, { shape: ReadonlyArray<number> }>([
  ["bert.embeddings.word_embeddings.weight", { shape: [30522, 768] }],
  ["bert.pooler.dense.weight", { shape: [768, 768] }],
  ["classifier.weight", { shape: [2, 768] }],
  ["classifier.bias", { shape: [2] }],
  ["cls.predictions.bias", { shape: [30522] }]
])

describe("compareParameters", () => {
  it("sorts every parameter into matched, missing, mismatched, initialised, and lists unused tensors", () => {
    const report = compareParameters(
      [
        { name: "bert.embeddings.word_embeddings.weight", shape: [30522, 768] },
        { name: "bert.pooler.dense.weight", shape: [768, 768] },
        { name: "bert.pooler.dense.bias", shape: [768] },
        { name: "classifier.weight", shape: [3, 768] },
        { name: "classifier.bias", shape: [3] }
      ],
      loaded
    )
    expect(report.matched).toEqual(["bert.embeddings.word_embeddings.weight", "bert.pooler.dense.weight"])
    expect(report.missing).toEqual(["bert.pooler.dense.bias"])
    expect(report.mismatched).toEqual([
      { name: "classifier.weight", expected: [3, 768], actual: [2, 768] },
      { name: "classifier.bias", expected: [3], actual: [2] }
    ])
    expect(report.unexpected).toEqual(["cls.predictions.bias"])
    expect(report.initialised).toEqual([])
    expect(report.duplicates).toEqual([])
  })

  it("lets the model initialise a new head, by name, pattern or predicate", () => {
    const spec = [
      { name: "bert.pooler.dense.weight", shape: [768, 768] },
      { name: "classifier.weight", shape: [3, 768] },
      { name: "classifier.bias", shape: [3] },
      { name: "classifier.extra", shape: [3] }
    ]
    for (const initialise of [
      ["classifier.weight", "classifier.bias", "classifier.extra"],
      [/^classifier\./g],
      (name: string) => name.startsWith("classifier.")
    ]) {
      const report = compareParameters(spec, loaded, { initialise })
      expect(report.initialised).toEqual(["classifier.weight", "classifier.bias", "classifier.extra"])
      expect(report.missing).toEqual([])
      expect(report.mismatched).toEqual([])
    }
  })

  it("compares scalar and empty shapes exactly", () => {
    const tensors = new Map([
      ["s", { shape: [] }],
      ["v", { shape: [1] }]
    ])
    const report = compareParameters(
      [
        { name: "s", shape: [1] },
        { name: "v", shape: [] }
      ],
      tensors
    )
    expect(report.mismatched.map((m) => m.name)).toEqual(["s", "v"])
  })
})

describe("checkParameters", () => {
  it("succeeds with the report when only unused tensors and initialised heads remain", async () => {
    const report = await Effect.runPromise(
      checkParameters([{ name: "classifier.weight", shape: [5, 768] }], loaded, {
        initialise: [/^classifier\./]
      })
    )
    expect(report.initialised).toEqual(["classifier.weight"])
    expect(report.unexpected).toEqual([
      "bert.embeddings.word_embeddings.weight",
      "bert.pooler.dense.weight",
      "classifier.bias",
      "cls.predictions.bias"
    ])
  })

  it("fails with CheckpointMismatch listing at most ten names per kind, with counts", async () => {
    const spec = [
      ...Array.from({ length: 12 }, (_, i) => ({ name: `layer.${i}.weight`, shape: [4] })),
      { name: "classifier.weight", shape: [3, 768] },
      { name: "layer.0.weight", shape: [4] }
    ]
    const error = await Effect.runPromise(Effect.flip(checkParameters(spec, loaded)))
    expect(error).toBeInstanceOf(CheckpointMismatch)
    expect(error.missing).toHaveLength(12)
    expect(error.duplicates).toEqual(["layer.0.weight"])
    expect(error.message).toBe(
      "Checkpoint does not fit the model: 12 missing (layer.0.weight, layer.1.weight, layer.2.weight, " +
        "layer.3.weight, layer.4.weight, layer.5.weight, layer.6.weight, layer.7.weight, layer.8.weight, " +
        "layer.9.weight, … and 2 more); 1 with another shape (classifier.weight: model [3,768], checkpoint [2,768]); " +
        "1 named twice in the model's parameter list (layer.0.weight); 4 checkpoint tensors are unused " +
        "(bert.embeddings.word_embeddings.weight, bert.pooler.dense.weight, classifier.bias, cls.predictions.bias)"
    )
  })
})
