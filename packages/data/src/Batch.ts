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
import type { Dataset, Example } from "./Dataset.js"

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
 * One batch of B examples padded to the longest, L tokens: `inputIds`, `attentionMask` and `tokenTypeIds` are
 * row-major `[B, L]`; `labels` `[B]` holds class ids (Int32Array) or regression targets (Float32Array);
 * `indices` `[B]` the examples' positions in the dataset's `examples`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Batch {
  readonly inputIds: Int32Array
  readonly attentionMask: Int32Array
  readonly tokenTypeIds: Int32Array
  readonly shape: readonly [batch: number, length: number]
  readonly labels: Int32Array | Float32Array
  readonly indices: Int32Array
}

/** Sub-tag under `Key.Purpose.shuffle` for epoch orders (sampling uses 1). */
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
 * Options of {@link batchIndices} and {@link batches}. Without `shuffle` the order is the dataset's;
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

/**
 * Tokenizes the examples at `indices` into one batch padded to its longest row (at most `maxLength`).
 *
 * @since 0.1.0
 * @category batching
 */
export const collate = (
  dataset: Dataset,
  indices: ArrayLike<number>,
  options: { readonly tokenizer: BatchTokenizer; readonly maxLength: number }
): Effect.Effect<Batch, BatchEncodeFailed | InvalidDataOption> =>
  Effect.suspend((): Effect.Effect<Batch, BatchEncodeFailed | InvalidDataOption> => {
    const examples: Array<Example> = []
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
    const labels =
      dataset.labels.kind === "regression"
        ? Float32Array.from(examples, (e) => e.label)
        : Int32Array.from(examples, (e) => e.label)
    return Effect.succeed({
      inputIds,
      attentionMask,
      tokenTypeIds,
      shape: [rows, length] as const,
      labels,
      indices: Int32Array.from(indices)
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
  options: OrderOptions & { readonly tokenizer: BatchTokenizer; readonly maxLength: number }
): Stream.Stream<Batch, BatchEncodeFailed | InvalidDataOption> =>
  Stream.unwrap(
    Effect.map(
      Effect.try({
        try: () => batchIndices(dataset.examples.length, options),
        catch: (e) => (e instanceof InvalidDataOption ? e : new InvalidDataOption({ reason: String(e) }))
      }),
      (groups) =>
        Stream.mapEffect(Stream.fromIterable(groups), (indices) => collate(dataset, indices, options))
    )
  )
