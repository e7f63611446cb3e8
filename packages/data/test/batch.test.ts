import { Draw, Key } from "@addrop/random"
import { Tokenizer } from "@addrop/tokenizer"
import { type FileSystem, Stream } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import {
  Batch,
  BatchEncodeFailed,
  Dataset,
  Glue,
  InvalidDataOption,
  NotEnoughExamples,
  Sampling
} from "../src/index.js"
import { bertBaseUncasedDir } from "@addrop/fixtures"
import { failure, glueFile, run } from "./helpers.js"

/** A stand-in tokenizer: [CLS]=1 word ids… [SEP]=2 ([SEP] pair… [SEP]), word id = its length + 10. */
const words: Batch.BatchTokenizer = {
  encodeBatch: (texts, pairs, { maxLength }) => {
    const rows = texts.map((t, i) => {
      const ids = [1, ...t.split(" ").map((w) => w.length + 10), 2]
      const types = ids.map(() => 0)
      if (pairs !== undefined) {
        const p = pairs[i]!.split(" ").map((w) => w.length + 10)
        ids.push(...p, 2)
        types.push(...p.map(() => 1), 1)
      }
      return { ids: ids.slice(0, maxLength), types: types.slice(0, maxLength) }
    })
    const length = Math.max(...rows.map((r) => r.ids.length))
    const pad = (r: Array<number>, v: number) => [...r, ...Array(length - r.length).fill(v)]
    return {
      inputIds: rows.map((r) => pad(r.ids, 0)),
      attentionMask: rows.map((r) =>
        pad(
          r.ids.map(() => 1),
          0
        )
      ),
      tokenTypeIds: rows.map((r) => pad(r.types, 0))
    }
  }
}

const dataset = (
  texts: ReadonlyArray<string>,
  labels: ReadonlyArray<number>,
  pairs?: ReadonlyArray<string>
): Dataset.Dataset => ({
  examples: texts.map((text, i) => ({
    index: i,
    line: i + 1,
    text,
    textPair: pairs?.[i],
    label: labels[i]!
  })),
  labels: { kind: "classification", names: ["a", "b", "c"] }
})

const collect = <A, E>(stream: Stream.Stream<A, E, FileSystem.FileSystem>) => run(Stream.runCollect(stream))

describe("collate", () => {
  it("pads to the longest example of the batch as flat [B, L] Int32Arrays", async () => {
    const ds = dataset(["a bb", "ccc", "d e f g"], [0, 2, 1])
    const batch = await run(Batch.collate(ds, [0, 1, 2], { tokenizer: words, maxLength: 16 }))
    expect(batch.shape).toEqual([3, 6])
    expect(Array.from(batch.inputIds)).toEqual([1, 11, 12, 2, 0, 0, 1, 13, 2, 0, 0, 0, 1, 11, 11, 11, 11, 2])
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    expect(batch.labels).toBeInstanceOf(Int32Array)
    expect(Array.from(batch.labels)).toEqual([0, 2, 1])
    expect(Array.from(batch.indices)).toEqual([0, 1, 2])
    // Another batch of the same data pads only to its own longest example.
    const short = await run(Batch.collate(ds, [1, 0], { tokenizer: words, maxLength: 16 }))
    expect(short.shape).toEqual([2, 4])
    expect(Array.from(short.labels)).toEqual([2, 0])
  })

  it("passes pairs and gives regression targets as Float32Array", async () => {
    const ds: Dataset.Dataset = {
      examples: [
        { index: 0, line: 1, text: "a", textPair: "bb", label: 4.25 },
        { index: 1, line: 2, text: "ccc", textPair: "d", label: 0.5 }
      ],
      labels: { kind: "regression", min: 0, max: 5 }
    }
    const batch = await run(Batch.collate(ds, [0, 1], { tokenizer: words, maxLength: 8 }))
    expect(Array.from(batch.tokenTypeIds)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 1])
    expect(batch.labels).toBeInstanceOf(Float32Array)
    expect(Array.from(batch.labels)).toEqual([4.25, 0.5])
  })

  it("turns tokenizer failures and ragged rows into BatchEncodeFailed", async () => {
    const ds = dataset(["a", "b"], [0, 1])
    const throwing: Batch.BatchTokenizer = {
      encodeBatch: () => {
        throw new Error("maxLength too small")
      }
    }
    const e = await failure(Batch.collate(ds, [0, 1], { tokenizer: throwing, maxLength: 1 }))
    expect(e).toBeInstanceOf(BatchEncodeFailed)
    expect(e.message).toContain("maxLength too small")
    const ragged: Batch.BatchTokenizer = {
      encodeBatch: () => ({
        inputIds: [[1, 2], [1]],
        attentionMask: [[1, 1], [1]],
        tokenTypeIds: [[0, 0], [0]]
      })
    }
    expect(await failure(Batch.collate(ds, [0, 1], { tokenizer: ragged, maxLength: 8 }))).toBeInstanceOf(
      BatchEncodeFailed
    )
    expect(await failure(Batch.collate(ds, [5], { tokenizer: words, maxLength: 8 }))).toBeInstanceOf(
      InvalidDataOption
    )
  })
})

describe("unlabelled data", () => {
  const unlabelled: Dataset.UnlabelledDataset = {
    examples: [
      { index: 0, line: 2, id: "9", text: "a bb", textPair: "c" },
      { index: 1, line: 3, id: "4", text: "ddd", textPair: "e ff" },
      { index: 2, line: 4, id: "1", text: "g", textPair: "h" }
    ],
    labels: Dataset.noLabels
  }

  it("collateInputs gives the inputs collate gives, without labels, for labelled and unlabelled data", async () => {
    const options = { tokenizer: words, maxLength: 16 }
    const inputs = await run(Batch.collateInputs(unlabelled, [2, 0], options))
    expect("labels" in inputs).toBe(false)
    // [CLS] g [SEP] h [SEP] and [CLS] a bb [SEP] c [SEP]: padded to 6.
    expect(inputs.shape).toEqual([2, 6])
    expect(Array.from(inputs.inputIds)).toEqual([1, 11, 2, 11, 2, 0, 1, 11, 12, 2, 11, 2])
    expect(Array.from(inputs.indices)).toEqual([2, 0])
    const labelled = dataset(
      unlabelled.examples.map((e) => e.text),
      [0, 1, 2],
      unlabelled.examples.map((e) => e.textPair!)
    )
    const batch = await run(Batch.collate(labelled, [2, 0], options))
    const { labels, ...rest } = batch
    expect(rest).toEqual(inputs)
    expect(Array.from(labels)).toEqual([2, 0])
    expect(await run(Batch.collateInputs(labelled, [2, 0], options))).toEqual(inputs)
    expect(await failure(Batch.collateInputs(unlabelled, [3], options))).toBeInstanceOf(InvalidDataOption)
  })

  it("inputBatches covers every example once, in order unless shuffled", async () => {
    const all = await collect(
      Batch.inputBatches(unlabelled, { tokenizer: words, maxLength: 16, batchSize: 2 })
    )
    expect(all.map((b) => Array.from(b.indices))).toEqual([[0, 1], [2]])
    expect(all.map((b) => b.shape)).toEqual([
      [2, 6],
      [1, 5]
    ])
    const shuffle = { seed: 3, epoch: 0 }
    const shuffled = await collect(
      Batch.inputBatches(unlabelled, { tokenizer: words, maxLength: 16, batchSize: 2, shuffle })
    )
    expect(shuffled.flatMap((b) => Array.from(b.indices))).toEqual(Array.from(Batch.epochOrder(3, shuffle)))
  })

  it("collate, batches and fewShot refuse unlabelled data: a type error, and InvalidDataOption at run time", async () => {
    const options = { tokenizer: words, maxLength: 16 }
    // @ts-expect-error an UnlabelledDataset has no labels to collate
    const e = await failure(Batch.collate(unlabelled, [0], options))
    expect(e).toBeInstanceOf(InvalidDataOption)
    expect(e.message).toContain("collateInputs")
    // @ts-expect-error an UnlabelledDataset has no labels to batch
    const stream = Batch.batches(unlabelled, { ...options, batchSize: 2 })
    expect(await failure(Stream.runCollect(stream))).toBeInstanceOf(InvalidDataOption)
    // @ts-expect-error an UnlabelledDataset has no classes to stratify
    const sample = await failure(Sampling.fewShot(unlabelled, { perClass: 1, seed: 1 }))
    expect(sample).toBeInstanceOf(InvalidDataOption)
    expect(sample.message).toContain('labels of kind "none"')
  })

  it("takeFirst takes unlabelled examples too", () => {
    const first = Sampling.takeFirst(unlabelled, 2)
    expect(first.examples.map((e) => e.id)).toEqual(["9", "4"])
    expect(first.labels).toEqual({ kind: "none" })
  })
})

describe("epoch order", () => {
  it("is a permutation reproducible from (seed, epoch) alone, different between epochs and seeds", () => {
    const a = Batch.epochOrder(1000, { seed: 42, epoch: 0 })
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(Batch.epochOrder(1000, { seed: 42, epoch: 0 })).toEqual(a)
    const b = Batch.epochOrder(1000, { seed: 42, epoch: 1 })
    const c = Batch.epochOrder(1000, { seed: 43, epoch: 0 })
    const same = (x: Int32Array, y: Int32Array) => x.reduce((n, v, i) => n + (v === y[i] ? 1 : 0), 0)
    // Two independent permutations of 1000 share about one position.
    expect(same(a, b)).toBeLessThan(20)
    expect(same(a, c)).toBeLessThan(20)
    expect(Array.from(a.subarray(0, 10))).not.toEqual(Array.from({ length: 10 }, (_, i) => i))
  })

  it("rejects seeds and epochs the key cannot hold", () => {
    expect(() => Batch.epochOrder(3, { seed: -1, epoch: 0 })).toThrow(InvalidDataOption)
    expect(() => Batch.epochOrder(3, { seed: 1.5, epoch: 0 })).toThrow(InvalidDataOption)
    expect(() => Batch.epochOrder(3, { seed: 1, epoch: 2 ** 32 })).toThrow(InvalidDataOption)
  })

  it("splits an epoch into batches, keeping or dropping the last partial one, resumable at a batch", () => {
    const sequential = Batch.batchIndices(10, { batchSize: 4 }).map((b) => Array.from(b))
    expect(sequential).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9]
    ])
    expect(Batch.batchIndices(10, { batchSize: 4, dropLast: true })).toHaveLength(2)
    expect(Batch.batchIndices(8, { batchSize: 4, dropLast: true })).toHaveLength(2)
    const shuffle = { seed: 7, epoch: 3 }
    const full = Batch.batchIndices(10, { batchSize: 4, shuffle })
    expect(full.flatMap((b) => Array.from(b))).toEqual(Array.from(Batch.epochOrder(10, shuffle)))
    const resumed = Batch.batchIndices(10, { batchSize: 4, shuffle, from: 1 })
    expect(resumed.map((b) => Array.from(b))).toEqual(full.slice(1).map((b) => Array.from(b)))
    expect(() => Batch.batchIndices(10, { batchSize: 0 })).toThrow(InvalidDataOption)
  })
})

describe("batches with the real tokenizer", () => {
  let tokenizer: Tokenizer.Tokenizer
  let rte: Dataset.LoadResult

  beforeAll(async () => {
    tokenizer = await run(Tokenizer.fromDirectory(bertBaseUncasedDir()))
    rte = await run(Glue.loadAll("rte", glueFile("rte/dev.tsv")))
  })

  it("@addrop/tokenizer's Tokenizer is a BatchTokenizer", () => {
    const asBatchTokenizer: Batch.BatchTokenizer = tokenizer
    expect(typeof asBatchTokenizer.encodeBatch).toBe("function")
  })

  it("pads each batch of RTE pairs to its longest pair, truncated at maxLength", async () => {
    const all = await collect(
      Batch.batches(rte, { tokenizer, batchSize: 8, maxLength: 160, shuffle: { seed: 1, epoch: 0 } })
    )
    expect(all).toHaveLength(Math.ceil(277 / 8))
    expect(all.reduce((n, b) => n + b.shape[0], 0)).toBe(277)
    for (const batch of all) {
      const [rows, length] = batch.shape
      expect(length).toBeLessThanOrEqual(160)
      expect(batch.inputIds).toHaveLength(rows * length)
      const lengths = Array.from({ length: rows }, (_, r) =>
        batch.attentionMask.subarray(r * length, (r + 1) * length).reduce((a, b) => a + b, 0)
      )
      // Padded to the longest row of this batch: some row has no padding.
      expect(Math.max(...lengths)).toBe(length)
      for (let r = 0; r < rows; r++) {
        const row = Array.from(batch.inputIds.subarray(r * length, (r + 1) * length))
        const real = lengths[r]!
        expect(row[0]).toBe(101)
        expect(row[real - 1]).toBe(102)
        expect(row.slice(real).every((id) => id === 0)).toBe(true)
        const index = batch.indices[r]!
        expect(batch.labels[r]).toBe(rte.examples[index]!.label)
        // The row is exactly the pair's own encoding (truncated longest-first when too long).
        const own = tokenizer.encode(rte.examples[index]!.text, rte.examples[index]!.textPair, {
          maxLength: 160
        })
        expect(row.slice(0, real)).toEqual(own.inputIds)
      }
    }
    // Batches of the epoch differ in length: padding is per batch, not global; some pairs were truncated.
    expect(new Set(all.map((b) => b.shape[1])).size).toBeGreaterThan(1)
    expect(all.some((b) => b.shape[1] === 160)).toBe(true)
  })

  it("recreates an epoch's batches from (seed, epoch), and the next epoch differs", async () => {
    const epoch = (e: number) =>
      collect(
        Batch.batches(rte, {
          tokenizer,
          batchSize: 16,
          maxLength: 64,
          shuffle: { seed: 9, epoch: e },
          dropLast: true
        })
      )
    const [first, again, next] = await Promise.all([epoch(0), epoch(0), epoch(1)])
    expect(first).toHaveLength(17) // 277 = 17 × 16 + 5, the last 5 dropped
    expect(again.map((b) => Array.from(b.indices))).toEqual(first.map((b) => Array.from(b.indices)))
    expect(again.map((b) => Array.from(b.inputIds))).toEqual(first.map((b) => Array.from(b.inputIds)))
    expect(next.map((b) => Array.from(b.indices))).not.toEqual(first.map((b) => Array.from(b.indices)))
  })

  it("fails with BatchEncodeFailed when maxLength cannot hold the special tokens", async () => {
    const e = await failure(Stream.runCollect(Batch.batches(rte, { tokenizer, batchSize: 4, maxLength: 2 })))
    expect(e).toBeInstanceOf(BatchEncodeFailed)
    expect((e as BatchEncodeFailed).cause).toMatchObject({ _tag: "MaxLengthTooSmall" })
  })
})

describe("sampling", () => {
  let sst2: Dataset.LoadResult

  beforeAll(async () => {
    // The 1,000-row training sample: 458 negative and 542 positive, enough for the paper's 256 per class.
    sst2 = await run(Glue.loadAll("sst2", glueFile("sst2/train.tsv")))
  })

  it("takes the first N examples", () => {
    const first = Sampling.takeFirst(sst2, 5)
    expect(first.examples.map((e) => e.line)).toEqual([2, 3, 4, 5, 6])
    expect(first.file).toBe(sst2.file)
    expect(Sampling.takeFirst(sst2, 10_000).examples).toHaveLength(1000)
  })

  it.each([16, 64, 256])("draws %i examples per class, reproducibly from the seed", async (k) => {
    const sample = await run(Sampling.fewShot(sst2, { perClass: k, seed: 13 }))
    expect(sample.examples).toHaveLength(2 * k)
    expect(sample.examples.filter((e) => e.label === 0)).toHaveLength(k)
    expect(new Set(sample.examples.map((e) => e.index)).size).toBe(2 * k)
    const lines = sample.examples.map((e) => e.line)
    expect(lines).toEqual([...lines].sort((a, b) => a - b))
    const again = await run(Sampling.fewShot(sst2, { perClass: k, seed: 13 }))
    expect(again.examples).toEqual(sample.examples)
    const other = await run(Sampling.fewShot(sst2, { perClass: k, seed: 14 }))
    expect(other.examples.map((e) => e.index)).not.toEqual(sample.examples.map((e) => e.index))
  })

  it("draws each class's sample by the key seed → Key.Purpose.sample → class id", async () => {
    const seed = 21
    const sample = await run(Sampling.fewShot(sst2, { perClass: 16, seed }))
    // Recomputed from the documented key path, independently of the sampler's code.
    const expected = [0, 1].flatMap((c) => {
      const members = sst2.examples.filter((e) => e.label === c)
      const order = Draw.permutation(Key.foldAll(Key.make(seed), [Key.Purpose.sample, c]), members.length)
      return Array.from(order.subarray(0, 16), (k) => members[k]!.index)
    })
    expect(sample.examples.map((e) => e.index)).toEqual(expected.sort((a, b) => a - b))
    // Not the epoch-shuffle stream: sampling and shuffling draw from different purposes.
    const shuffleKeyed = [0, 1].flatMap((c) => {
      const members = sst2.examples.filter((e) => e.label === c)
      const order = Draw.permutation(Key.foldAll(Key.make(seed), [Key.Purpose.shuffle, 1, c]), members.length)
      return Array.from(order.subarray(0, 16), (k) => members[k]!.index)
    })
    expect(sample.examples.map((e) => e.index)).not.toEqual(shuffleKeyed.sort((a, b) => a - b))
  })

  it("fails when a class is too small, and for regression tasks", async () => {
    const e = await failure(Sampling.fewShot(sst2, { perClass: 459, seed: 1 }))
    expect(e).toBeInstanceOf(NotEnoughExamples)
    expect(e).toMatchObject({ label: "negative", available: 458, requested: 459 })
    const stsb = { examples: [], labels: { kind: "regression" } } as const
    expect(await failure(Sampling.fewShot(stsb, { perClass: 1, seed: 1 }))).toBeInstanceOf(InvalidDataOption)
  })
})
