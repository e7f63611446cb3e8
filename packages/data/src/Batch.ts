/**
 * Padded batches for training and evaluation, in an epoch order that is a pure function of (seed, epoch).
 *
 * The order is `@addrop/random`'s `Draw.permutation` under the key seed → `Key.Purpose.shuffle` → 0 → epoch
 * (a Philox counter-based generator, not Effect's `Random`), so a run resumed at epoch e, batch b recreates
 * the exact order from the seed alone, on every runtime.
 *
 * @since 0.1.0
 */
import { Draw, Key } from "@addrop/random"
import { Effect, Stream } from "effect"
import { BatchEncodeFailed, InvalidDataOption } from "./DataError.js"
import type { Dataset } from "./Dataset.js"

/**
 * What batching needs from a tokenizer: `@addrop/tokenizer`'s `Tokenizer` satisfies it structurally, and so
 * can any other. Rows must come back padded to a common length.
 *
 * @since 0.1.0
 * @category models
 */
export interface BatchTokenizer {
  readonly encodeBatch: (
    texts: ReadonlyArray<string>,
    pairs: ReadonlyArray<string> | undefined,
    options: { readonly maxLength: number; readonly padding: "longest" }
  ) => {
    readonly inputIds: ReadonlyArray<ReadonlyArray<number>>
    readonly attentionMask: ReadonlyArray<ReadonlyArray<number>>
    readonly tokenTypeIds: ReadonlyArray<ReadonlyArray<number>>
  }
}

/**
 * The model inputs of B examples padded to the longest, L tokens: `inputIds`, `attentionMask` and
 * `tokenTypeIds` are row-major `[B, L]`; `indices` `[B]` the examples' positions in the dataset's `examples`.
 * What {@link collateInputs} produces for prediction, labelled or not.
 *
 * @since 0.1.0
 * @category models
 */
export interface Inputs {
  readonly inputIds: Int32Array
  readonly attentionMask: Int32Array
  readonly tokenTypeIds: Int32Array
  readonly shape: readonly [batch: number, length: number]
  readonly indices: Int32Array
}

/**
 * One labelled batch: the {@link Inputs} and `labels` `[B]`, class ids (Int32Array) or regression targets
 * (Float32Array).
 *
 * @since 0.1.0
 * @category models
 */
export interface Batch extends Inputs {
  readonly labels: Int32Array | Float32Array
}

/**
 * What {@link collateInputs} needs of a dataset: examples with a text and an optional second text. A
 * labelled `Dataset` and an `UnlabelledDataset` both are one.
 *
 * @since 0.1.0
 * @category models
 */
export interface TextDataset {
  readonly examples: ReadonlyArray<{ readonly text: string; readonly textPair?: string | undefined }>
}

/** Sub-tag under `Key.Purpose.shuffle` for epoch orders (kept so that epoch orders stay as recorded). */
const EPOCH_TAG = 0

const checkInteger = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidDataOption({ reason: `${name} must be an integer in [${min}, ${max}], got ${value}` })
  }
}

/**
 * The order of `n` examples in an epoch: a permutation of 0..n−1 that depends only on (seed, epoch).
 * Throws {@link InvalidDataOption} for a seed that is not a non-negative safe integer or an epoch that is not
 * a uint32.
 *
 * @example
 * ```ts
 * import { Batch } from "@addrop/data"
 * const order = Batch.epochOrder(872, { seed: 42, epoch: 3 })
 * ```
 * @since 0.1.0
 * @category order
 */
export const epochOrder = (
  n: number,
  shuffle: { readonly seed: number; readonly epoch: number }
): Int32Array => {
  checkInteger("n", n, 0)
  checkInteger("seed", shuffle.seed, 0)
  checkInteger("epoch", shuffle.epoch, 0, 0xffffffff)
  return Draw.permutation(
    Key.foldAll(Key.make(shuffle.seed), [Key.Purpose.shuffle, EPOCH_TAG, shuffle.epoch]),
    n
  )
}

/**
 * Options of {@link batchIndices}, {@link batches} and {@link inputBatches}. Without `shuffle` the order is the dataset's;
 * `dropLast` leaves out a final partial batch; `from` starts at that batch of the epoch (to resume).
 *
 * @since 0.1.0
 * @category models
 */
export interface OrderOptions {
  readonly batchSize: number
  readonly shuffle?: { readonly seed: number; readonly epoch: number } | undefined
  readonly dropLast?: boolean | undefined
  readonly from?: number | undefined
}

/**
 * The example positions of each batch of an epoch.
 *
 * @since 0.1.0
 * @category order
 */
export const batchIndices = (n: number, options: OrderOptions): Array<Int32Array> => {
  checkInteger("batchSize", options.batchSize, 1)
  checkInteger("from", options.from ?? 0, 0)
  const order =
    options.shuffle === undefined
      ? Int32Array.from({ length: n }, (_, i) => i)
      : epochOrder(n, options.shuffle)
  const count = options.dropLast ? Math.floor(n / options.batchSize) : Math.ceil(n / options.batchSize)
  const out: Array<Int32Array> = []
  for (let b = options.from ?? 0; b < count; b++) {
    out.push(order.subarray(b * options.batchSize, Math.min(n, (b + 1) * options.batchSize)))
  }
  return out
}

type EncodeOptions = { readonly tokenizer: BatchTokenizer; readonly maxLength: number }

/**
 * Tokenizes the examples at `indices` into model inputs padded to their longest row (at most `maxLength`),
 * without labels: for prediction, on an `UnlabelledDataset` or a labelled `Dataset` alike.
 *
 * @example
 * ```ts
 * import { Batch, Glue } from "@addrop/data"
 * import { Tokenizer } from "@addrop/tokenizer"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const tokenizer = yield* Tokenizer.fromDirectory("bert-base-uncased")
 *   const test = yield* Glue.loadUnlabelled("rte", "RTE/test.tsv")
 *   const inputs = yield* Batch.collateInputs(test, [0, 1, 2], { tokenizer, maxLength: 128 })
 *   const ids = Array.from(inputs.indices, (i) => test.examples[i]!.id) // keys of the predictions
 * })
 * ```
 * @since 0.1.0
 * @category batching
 */
export const collateInputs = (
  dataset: TextDataset,
  indices: ArrayLike<number>,
  options: EncodeOptions
): Effect.Effect<Inputs, BatchEncodeFailed | InvalidDataOption> =>
  Effect.suspend((): Effect.Effect<Inputs, BatchEncodeFailed | InvalidDataOption> => {
    const examples: Array<TextDataset["examples"][number]> = []
    for (let i = 0; i < indices.length; i++) {
      const example = dataset.examples[indices[i]!]
      if (example === undefined) {
        return Effect.fail(new InvalidDataOption({ reason: `index ${indices[i]} is outside the dataset` }))
      }
      examples.push(example)
    }
    const paired = examples.some((e) => e.textPair !== undefined)
    let encoded: ReturnType<BatchTokenizer["encodeBatch"]>
    try {
      encoded = options.tokenizer.encodeBatch(
        examples.map((e) => e.text),
        paired ? examples.map((e) => e.textPair ?? "") : undefined,
        { maxLength: options.maxLength, padding: "longest" }
      )
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      return Effect.fail(new BatchEncodeFailed({ reason, cause }))
    }
    const rows = examples.length
    const length = encoded.inputIds[0]?.length ?? 0
    const parts = [encoded.inputIds, encoded.attentionMask, encoded.tokenTypeIds]
    if (parts.some((p) => p.length !== rows || p.some((r) => r.length !== length))) {
      return Effect.fail(
        new BatchEncodeFailed({ reason: `the tokenizer did not return ${rows} rows of equal length` })
      )
    }
    const [inputIds, attentionMask, tokenTypeIds] = parts.map((p) => {
      const flat = new Int32Array(rows * length)
      p.forEach((r, i) => {
        flat.set(r, i * length)
      })
      return flat
    }) as [Int32Array, Int32Array, Int32Array]
    return Effect.succeed({
      inputIds,
      attentionMask,
      tokenTypeIds,
      shape: [rows, length] as const,
      indices: Int32Array.from(indices)
    })
  })

/**
 * Tokenizes the examples at `indices` into one labelled batch padded to its longest row (at most
 * `maxLength`). Only a labelled `Dataset` is accepted: an `UnlabelledDataset` is a type error, and a dataset
 * whose label kind is neither classification nor regression fails with {@link InvalidDataOption} (use
 * {@link collateInputs}).
 *
 * @since 0.1.0
 * @category batching
 */
export const collate = (
  dataset: Dataset,
  indices: ArrayLike<number>,
  options: EncodeOptions
): Effect.Effect<Batch, BatchEncodeFailed | InvalidDataOption> =>
  Effect.suspend(() => {
    const kind: string = dataset.labels.kind
    if (kind !== "classification" && kind !== "regression") {
      return Effect.fail(
        new InvalidDataOption({
          reason: `collate needs labels, and the dataset's labels are of kind "${kind}"; use collateInputs`
        })
      )
    }
    return Effect.map(collateInputs(dataset, indices, options), (inputs) => {
      const examples = Array.from(inputs.indices, (i) => dataset.examples[i]!)
      const labels =
        kind === "regression"
          ? Float32Array.from(examples, (e) => e.label)
          : Int32Array.from(examples, (e) => e.label)
      return { ...inputs, labels }
    })
  })

/**
 * The batches of one epoch, tokenized lazily one batch at a time.
 *
 * @example
 * ```ts
 * import { Batch, Glue } from "@addrop/data"
 * import { Tokenizer } from "@addrop/tokenizer"
 * import { Effect, Stream } from "effect"
 * const program = Effect.gen(function* () {
 *   const tokenizer = yield* Tokenizer.fromDirectory("bert-base-uncased")
 *   const train = yield* Glue.loadAll("rte", "RTE/train.tsv")
 *   const epoch = Batch.batches(train, { tokenizer, batchSize: 16, maxLength: 128, shuffle: { seed: 42, epoch: 0 } })
 *   yield* Stream.runForEach(epoch, (batch) => Effect.log(batch.shape))
 * })
 * ```
 * @since 0.1.0
 * @category batching
 */
export const batches = (
  dataset: Dataset,
  options: OrderOptions & EncodeOptions
): Stream.Stream<Batch, BatchEncodeFailed | InvalidDataOption> =>
  ordered(dataset.examples.length, options, (indices) => collate(dataset, indices, options))

/**
 * The model inputs of a dataset, labelled or not, in batches tokenized lazily one at a time (by default in
 * the dataset's order): what prediction runs on.
 *
 * @example
 * ```ts
 * import { Batch, Glue } from "@addrop/data"
 * import { Tokenizer } from "@addrop/tokenizer"
 * import { Effect, Stream } from "effect"
 * const program = Effect.gen(function* () {
 *   const tokenizer = yield* Tokenizer.fromDirectory("bert-base-uncased")
 *   const test = yield* Glue.loadUnlabelled("sst2", "SST-2/test.tsv")
 *   yield* Stream.runForEach(Batch.inputBatches(test, { tokenizer, batchSize: 64, maxLength: 128 }), (inputs) =>
 *     Effect.log(inputs.shape)
 *   )
 * })
 * ```
 * @since 0.1.0
 * @category batching
 */
export const inputBatches = (
  dataset: TextDataset,
  options: OrderOptions & EncodeOptions
): Stream.Stream<Inputs, BatchEncodeFailed | InvalidDataOption> =>
  ordered(dataset.examples.length, options, (indices) => collateInputs(dataset, indices, options))

const ordered = <A>(
  n: number,
  options: OrderOptions,
  f: (indices: Int32Array) => Effect.Effect<A, BatchEncodeFailed | InvalidDataOption>
): Stream.Stream<A, BatchEncodeFailed | InvalidDataOption> =>
  Stream.unwrap(
    Effect.map(
      Effect.try({
        try: () => batchIndices(n, options),
        catch: (e) => (e instanceof InvalidDataOption ? e : new InvalidDataOption({ reason: String(e) }))
      }),
      (groups) => Stream.mapEffect(Stream.fromIterable(groups), f)
    )
  )
