/**
 * Per-layer interventions on attention: how AD-Drop and attribution methods reach inside a model.
 *
 * A model that accepts `Interventions` applies, in each attention layer ℓ that has an entry, the entry's
 * `scoreBias` to the scores before softmax (AD-Drop's drop mask), its `mapProbs` to the probabilities
 * after softmax (integrated-gradient scaling, capturing the maps) and then adds its `probsTap` (attribution
 * taps). All are optional and independent.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * What to do to one layer's attention.
 *
 * @since 0.1.0
 * @category models
 */
export interface Intervention {
  /** Added to the scaled scores before softmax; broadcastable to `[B,H,L,L]` (e.g. −1e9 where dropped). */
  readonly scoreBias?: tf.Tensor | undefined
  /** Replaces the attention probabilities `[B,H,L,L]` (after softmax, before attention dropout). */
  readonly mapProbs?: ((probs: tf.Tensor4D) => tf.Tensor4D) | undefined
  /**
   * Added to the probabilities `[B,H,L,L]` after `mapProbs`, before attention dropout. A zero tap changes
   * nothing, and its gradient is the gradient with respect to the probabilities: attribution methods use
   * it (a tap, unlike `mapProbs`, lets the model differentiate attention by hand).
   */
  readonly probsTap?: tf.Tensor4D | undefined
}

/**
 * Interventions keyed by 0-based layer index.
 *
 * @since 0.1.0
 * @category models
 */
export type Interventions = ReadonlyMap<number, Intervention>

/**
 * No interventions.
 *
 * @since 0.1.0
 * @category constructors
 */
export const none: Interventions = new Map()

/**
 * Score biases for several layers (AD-Drop's second pass).
 *
 * @example
 * ```ts
 * import { Intervention } from "@addrop/attention"
 * const interventions = Intervention.scoreBiases(new Map([[0, dropBiasLayer0]]))
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const scoreBiases = (biases: ReadonlyMap<number, tf.Tensor>): Interventions =>
  new Map([...biases].map(([layer, scoreBias]) => [layer, { scoreBias }]))

/**
 * Merges two intervention maps; where both name a layer, biases and taps add and `mapProbs` compose (`a`
 * first).
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge = (a: Interventions, b: Interventions): Interventions => {
  const out = new Map(a)
  for (const [layer, right] of b) {
    const left = out.get(layer)
    if (left === undefined) {
      out.set(layer, right)
      continue
    }
    const scoreBias =
      left.scoreBias === undefined
        ? right.scoreBias
        : right.scoreBias === undefined
          ? left.scoreBias
          : tf.add(left.scoreBias, right.scoreBias)
    const mapProbs =
      left.mapProbs === undefined
        ? right.mapProbs
        : right.mapProbs === undefined
          ? left.mapProbs
          : (p: tf.Tensor4D) => right.mapProbs!(left.mapProbs!(p))
    const probsTap =
      left.probsTap === undefined
        ? right.probsTap
        : right.probsTap === undefined
          ? left.probsTap
          : (tf.add(left.probsTap, right.probsTap) as tf.Tensor4D)
    out.set(layer, { scoreBias, mapProbs, probsTap })
  }
  return out
}
