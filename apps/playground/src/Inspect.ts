/**
 * What AD-Drop sees in one sentence: the attribution of every layer and head (GA by default: the gradient of
 * the predicted class's logit with respect to each head's attention probabilities, `@addrop/attribution`),
 * and the cells an AD-Drop step would drop in the layers it masks (`@addrop/trainer`'s
 * `Step.adDropInterventions`: top-p candidates per row, each dropped with probability q, `@addrop/mask`),
 * in evaluation mode, read back as plain arrays.
 *
 * @since 0.1.0
 */
import { Method } from "@addrop/attribution"
import { Tensors } from "@addrop/backends"
import type { Model } from "@addrop/models"
import { Key } from "@addrop/random"
import type { Tokenizer } from "@addrop/tokenizer"
import { Step } from "@addrop/trainer"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import type { Settings } from "./Settings.js"

/**
 * One sentence's attribution and drops. Maps are `[H, L, L]` row-major (query row, key column), by layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Inspection {
  readonly text: string
  readonly tokens: ReadonlyArray<string>
  readonly heads: number
  readonly layers: ReadonlyArray<number>
  readonly attribution: ReadonlyMap<number, Float32Array>
  /** 1 where AD-Drop would drop the cell; only for the layers AD-Drop masks. */
  readonly dropped: ReadonlyMap<number, Float32Array>
  /** The predicted class and the class probabilities. */
  readonly prediction: number
  readonly probabilities: ReadonlyArray<number>
}

const read = (t: tf.Tensor) => Effect.promise(async () => Float32Array.from(await t.data()))

/**
 * Attributes `text` on every layer with `settings.method` and draws the drops of `settings.layers` with
 * `settings.p`, `settings.q` and the keys of step 0 of `settings.seed`; leaves no tensors behind.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Inspect from "./Inspect.js"
 * const seen = yield* Inspect.inspect(model, tokenizer, "a charming and affecting journey", settings)
 * seen.attribution.get(0) // Float32Array of heads × L × L
 * ```
 * @since 0.1.0
 * @category inspecting
 */
export const inspect = (
  model: Model.Model,
  tokenizer: Tokenizer.Tokenizer,
  text: string,
  settings: Settings
) =>
  Effect.gen(function* () {
    const encoding = tokenizer.encode(text, undefined, { maxLength: settings.maxLength })
    const length = encoding.inputIds.length
    const keep = yield* Tensors.keeper
    const batch: Model.Batch = {
      inputIds: keep(tf.tensor2d([encoding.inputIds], [1, length], "int32")),
      attentionMask: keep(tf.tensor2d([encoding.attentionMask], [1, length], "int32")),
      tokenTypeIds: keep(tf.tensor2d([encoding.tokenTypeIds], [1, length], "int32"))
    }
    const layers = Array.from({ length: model.numLayers }, (_, i) => i)
    // The prediction first: a sentence typed has no gold label, so `gold` (and the step's labels) take the
    // predicted class.
    const logits = keep(tf.tidy(() => model.forward(batch, { training: false }).logits))
    const probabilities = Array.from(yield* read(keep(tf.softmax(logits))))
    const prediction = probabilities.indexOf(Math.max(...probabilities))
    const labels = keep(tf.tensor1d([prediction], "int32"))
    const attributed = yield* Method.attribute(model, batch, {
      method: settings.method,
      layers,
      labels,
      key: Step.stepKeys(Key.make(settings.seed), 0).region
    })
    keep(attributed.logits)
    for (const map of attributed.maps.values()) keep(map)
    const masks = yield* Step.adDropInterventions(
      model,
      batch,
      labels,
      {
        method: settings.method,
        layers: settings.layers,
        mask: { p: settings.p, q: settings.q, strategy: "high" },
        attributionMode: "eval"
      },
      Step.stepKeys(Key.make(settings.seed), 0)
    )
    for (const mask of masks.dropped.values()) keep(mask)
    for (const intervention of masks.interventions.values())
      if (intervention.scoreBias) keep(intervention.scoreBias)
    const attribution = new Map<number, Float32Array>()
    for (const [layer, map] of attributed.maps) attribution.set(layer, yield* read(map))
    const dropped = new Map<number, Float32Array>()
    for (const [layer, mask] of masks.dropped) dropped.set(layer, yield* read(mask))
    return {
      text,
      tokens: encoding.tokens,
      heads: model.numHeads,
      layers,
      attribution,
      dropped,
      prediction,
      probabilities
    } satisfies Inspection
  }).pipe(Effect.scoped)
