import { TensorBackend } from "@addrop/backends"
import { glueSample } from "@addrop/fixtures"
import type { Dataset } from "@addrop/data"
import { Model, Presets } from "@addrop/models"
import { Key } from "@addrop/random"
import { Tokenizer } from "@addrop/tokenizer"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { Inspect, Workspace } from "../src/index.js"

const tokenizer = await Effect.runPromise(
  Tokenizer.fromVocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "good", "bad", "film"].join("\n"), {
    doLowerCase: true
  })
)
const dataset: Dataset.Dataset = {
  labels: { kind: "classification", names: ["neg", "pos"] },
  examples: Array.from({ length: 10 }, (_, i) => ({
    index: i,
    line: i + 2,
    text: i % 2 === 0 ? "a good film" : "a bad film",
    label: i % 2 === 0 ? 1 : 0
  }))
}

describe("Workspace batches stay inside Effect", () => {
  it("orderedBatches: every example once, in file order", async () => {
    const batches = await Effect.runPromise(Workspace.orderedBatches(dataset, tokenizer, 4, 16))
    expect(batches.map((b) => b.shape[0])).toEqual([4, 4, 2])
    expect(batches.flatMap((b) => Array.from(b.labels))).toEqual(dataset.examples.map((e) => e.label))
  })

  it("orderedBatches: a batch that cannot be encoded is a typed BatchEncodeFailed, not a defect", async () => {
    const error = await Effect.runPromise(Effect.flip(Workspace.orderedBatches(dataset, tokenizer, 4, 1)))
    expect(error._tag).toBe("BatchEncodeFailed")
    expect(error).toMatchObject({ cause: { _tag: "MaxLengthTooSmall" } })
  })

  it("trainData: full batches per epoch, the same for an epoch every time, typed failures", async () => {
    const data = Workspace.trainData(dataset, tokenizer, { batchSize: 4, maxLength: 16, seed: 3 })
    expect(data.stepsPerEpoch).toBe(2)
    const epoch = (e: number) =>
      Effect.runPromise(
        Stream.runCollect(
          data.batches(e) as Stream.Stream<{ readonly labels: Int32Array | Float32Array }, unknown>
        )
      )
    const [first, again] = await Promise.all([epoch(0), epoch(0)])
    expect(first).toHaveLength(2)
    expect(again.map((b) => Array.from(b.labels))).toEqual(first.map((b) => Array.from(b.labels)))
    const tooShort = Workspace.trainData(dataset, tokenizer, { batchSize: 4, maxLength: 1, seed: 3 })
    const error = await Effect.runPromise(
      Effect.flip(Stream.runCollect(tooShort.batches(0) as Stream.Stream<unknown, { readonly _tag: string }>))
    )
    expect(error._tag).toBe("BatchEncodeFailed")
  })
})

describe("Inspect.inspect", () => {
  it("fails with InvalidMaskOption for p or q out of range, before any tensor is made", async () => {
    const program = Effect.gen(function* () {
      const model = yield* Model.scoped(
        { ...Presets.tiny, vocabSize: 16, hiddenSize: 16, numAttentionHeads: 2, intermediateSize: 32 },
        { task: "classification", numLabels: 2, key: Key.make(1) }
      )
      return yield* Effect.flip(
        Inspect.inspect(model, tokenizer, "a good film", undefined, {
          method: "ga",
          layers: [0],
          mask: { p: 0.3, q: 1.5, strategy: "high" },
          seed: 1
        })
      )
    })
    const error = await Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(TensorBackend.layerCpu)))
    expect(error).toMatchObject({ _tag: "InvalidMaskOption", option: "q", value: 1.5 })
  })
})

describe("Workspace.sampleShots (--shots K)", () => {
  const sst2 = glueSample("sst2", "train.tsv")
  const load = Effect.runPromise(
    Workspace.loadExamples("sst2", sst2).pipe(Effect.provide(NodeFileSystem.layer))
  )
  const lines = (d: Dataset.Dataset) => d.examples.map((e) => e.line)

  it("draws K examples of each class, in file order, the same for a seed and different for another", async () => {
    const train = await load
    const run = (shots: number, seed: number) => Effect.runPromise(Workspace.sampleShots(train, shots, seed))
    const [a, again, other] = await Promise.all([run(16, 42), run(16, 42), run(16, 7)])
    expect(a.examples.filter((e) => e.label === 0)).toHaveLength(16)
    expect(a.examples.filter((e) => e.label === 1)).toHaveLength(16)
    expect(lines(a)).toEqual([...lines(a)].sort((x, y) => x - y))
    expect(new Set(lines(a)).size).toBe(32)
    expect(lines(again)).toEqual(lines(a))
    expect(lines(other)).not.toEqual(lines(a))
    // Every sampled example is the file's own row, unchanged.
    const byLine = new Map(train.examples.map((e) => [e.line, e]))
    for (const e of a.examples) expect(byLine.get(e.line)).toEqual(e)
  })

  it("keeps every example without --shots, and accepts K up to the smallest class (458 negatives)", async () => {
    const train = await load
    expect(await Effect.runPromise(Workspace.sampleShots(train, undefined, 42))).toBe(train)
    const all = await Effect.runPromise(Workspace.sampleShots(train, 458, 42))
    expect(all.examples.filter((e) => e.label === 0)).toHaveLength(458)
  })

  it("fails as --shots with the class, its count and the largest K that works", async () => {
    const train = await load
    const error = await Effect.runPromise(Effect.flip(Workspace.sampleShots(train, 500, 42)))
    expect(error._tag).toBe("InvalidOption")
    expect(error.message).toBe(
      `--shots 500: class "negative" has only 458 training examples in ${sst2}; use --shots 458 or fewer`
    )
  })
})
