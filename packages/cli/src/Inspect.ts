/**
 * What AD-Drop would do to one input: the model's logits and pseudo label, the attribution maps of the
 * chosen layers, and the masks sampled from them — the data behind `addrop attribute` and the report's
 * heatmaps. The model runs in evaluation mode (no dropout), so the output is deterministic for a seed.
 *
 * @since 0.1.0
 */
import { Method } from "@addrop/attribution"
import { Options as MaskOptions, Sampler } from "@addrop/mask"
import type { Model } from "@addrop/models"
import { Key } from "@addrop/random"
import { InvalidEncodeInput, MaxLengthTooSmall, type Tokenizer } from "@addrop/tokenizer"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"

/**
 * Nested `[head][row][col]` values.
 *
 * @since 0.1.0
 * @category models
 */
export type HeadMaps = Array<Array<Array<number>>>

/**
 * The inspection of one input.
 *
 * @since 0.1.0
 * @category models
 */
export interface Inspection {
  readonly inputIds: Array<number>
  readonly tokens: Array<string>
  readonly logits: Array<number>
  readonly pseudoLabel: number
  readonly attributions: Record<string, HeadMaps>
  readonly masks?: Record<string, HeadMaps> | undefined
}

/**
 * Options of {@link inspect}.
 *
 * @since 0.1.0
 * @category models
 */
export interface InspectOptions {
  readonly method: Method.Method
  readonly layers: ReadonlyArray<number>
  /** When given, masks are sampled with these settings (1 = dropped). */
  readonly mask?:
    | { readonly p: number; readonly q: number; readonly strategy: "high" | "low" | "random" }
    | undefined
  readonly seed: number
  /** Gold label, for the `gold` method. */
  readonly label?: number | undefined
}

const nest = (values: ArrayLike<number>, heads: number, length: number): HeadMaps =>
  Array.from({ length: heads }, (_, h) =>
    Array.from({ length }, (_, i) =>
      Array.from(values as ArrayLike<number>).slice((h * length + i) * length, (h * length + i + 1) * length)
    )
  )

/**
 * Attributes one text (or text pair) and samples the masks AD-Drop would apply.
 *
 * @example
 * ```ts
 * import { Inspect } from "@addrop/cli"
 * const result = yield* Inspect.inspect(model, tokenizer, "a gripping film", undefined, { method: "ga", layers: [0], seed: 1 })
 * ```
 * @since 0.1.0
 * @category inspection
 */
export const inspect = (
  model: Model.Model,
  tokenizer: Tokenizer.Tokenizer,
  text: string,
  textPair: string | undefined,
  options: InspectOptions
) =>
  Effect.gen(function* () {
    // The mask options are checked before any tensor is made; the tokenizer throws its tagged errors.
    const mask = options.mask === undefined ? undefined : yield* MaskOptions.make(options.mask)
    const encoding = yield* Effect.try({
      try: () =>
        tokenizer.encode(text, textPair, {
          maxLength: model.config.maxPositionEmbeddings - (model.config.modelType === "roberta" ? 2 : 0)
        }),
      catch: (cause) =>
        cause instanceof InvalidEncodeInput || cause instanceof MaxLengthTooSmall
          ? cause
          : new InvalidEncodeInput({ reason: cause instanceof Error ? cause.message : String(cause) })
    })
    const length = encoding.inputIds.length
    const batch: Model.Batch = {
      inputIds: tf.tensor2d([encoding.inputIds], [1, length], "int32"),
      attentionMask: tf.tensor2d([encoding.attentionMask], [1, length], "int32"),
      tokenTypeIds: tf.tensor2d([encoding.tokenTypeIds], [1, length], "int32")
    }
    const labels =
      options.label === undefined
        ? undefined
        : tf.tensor1d([options.label], model.task === "regression" ? "float32" : "int32")
    const root = Key.make(options.seed)
    const result = yield* Method.attribute(model, batch, {
      method: options.method,
      layers: options.layers,
      labels,
      tokenMask: batch.attentionMask,
      key: Key.foldAll(root, [Key.Purpose.region, 0])
    }).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds!])
          labels?.dispose()
        })
      )
    )
    const heads = model.numHeads
    const logits = Array.from(yield* Effect.promise(() => result.logits.data()))
    const attributions: Record<string, HeadMaps> = {}
    const masks: Record<string, HeadMaps> = {}
    const keyMask = tf.tensor2d([encoding.attentionMask], [1, length], "int32")
    for (const [layer, map] of result.maps) {
      attributions[String(layer)] = nest(yield* Effect.promise(() => map.data()), heads, length)
      if (mask !== undefined) {
        // Shapes agree by construction (one encoding, validated options): sampling cannot throw here.
        const dropped = Sampler.sample(map, keyMask, mask, Key.foldAll(root, [Key.Purpose.mask, 0, layer]))
        masks[String(layer)] = nest(yield* Effect.promise(() => dropped.data()), heads, length)
        dropped.dispose()
      }
      map.dispose()
    }
    keyMask.dispose()
    result.logits.dispose()
    const pseudoLabel = model.task === "classification" ? logits.indexOf(Math.max(...logits)) : 0
    return {
      inputIds: encoding.inputIds,
      tokens: encoding.tokens,
      logits,
      pseudoLabel,
      attributions,
      ...(options.mask === undefined ? {} : { masks })
    } satisfies Inspection
  })
