/**
 * Multi-head scaled dot-product attention as a tfjs op.
 *
 * @since 0.1.0
 */
import { add, dropout, matMul, scale } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import type { Intervention } from "./Intervention.js"

/**
 * Options of {@link attention}.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttentionOptions {
  /** Additive key-padding bias broadcastable to `[B,H,L,L]`, usually `[B,1,1,L]` (see `keyPaddingBias`). */
  readonly keyPaddingBias?: tf.Tensor | undefined
  /** This layer's intervention: AD-Drop score bias and/or a map over the probabilities. */
  readonly intervention?: Intervention | undefined
  /** Attention-probability dropout rate (training only); needs `dropoutSeed`. */
  readonly dropoutRate?: number | undefined
  readonly dropoutSeed?: number | undefined
}

/**
 * The result of {@link attention}.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttentionResult {
  /** `probs · v`: `[B,H,L,D]`. */
  readonly context: tf.Tensor4D
  /** The attention probabilities after the intervention (`mapProbs`, then `probsTap`), before dropout: `[B,H,L,L]`. */
  readonly probs: tf.Tensor4D
}

/**
 * `softmax(q·kᵀ/√D + keyPaddingBias + scoreBias) · v` for q, k, v `[B,H,L,D]`.
 *
 * The probabilities pass through `intervention.mapProbs` before dropout and the product with v, so a
 * caller that adds a zero "tap" tensor there gets ∂output/∂probs as the gradient with respect to the tap —
 * for any number of layers in one backward pass.
 *
 * @example
 * ```ts
 * import { attention } from "@addrop/attention"
 * import { keyPaddingBias } from "@addrop/ops"
 * const { context, probs } = attention(q, k, v, { keyPaddingBias: keyPaddingBias(attentionMask) })
 * ```
 * @since 0.1.0
 * @category ops
 */
export const attention = (
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: AttentionOptions = {}
): AttentionResult => {
  const depth = q.shape[3]
  if (k.shape[3] !== depth || v.shape[2] !== k.shape[2]) {
    throw new RangeError(`attention shapes disagree: q [${q.shape}], k [${k.shape}], v [${v.shape}]`)
  }
  const probs = tf.tidy(() => {
    // Scaling q ([B,H,L,D]) is cheaper than scaling the scores ([B,H,L,L]). The ops' `scale` and `add` keep
    // nothing for the backward pass (tfjs' Mul and Add would keep q and the scores before each bias).
    let scores = matMul<tf.Tensor4D>(scale(q, 1 / Math.sqrt(depth)), k, { transposeB: true })
    if (options.keyPaddingBias !== undefined) scores = add(scores, options.keyPaddingBias)
    const scoreBias = options.intervention?.scoreBias
    if (scoreBias !== undefined) scores = add(scores, scoreBias)
    const p = tf.softmax(scores) as tf.Tensor4D
    const mapProbs = options.intervention?.mapProbs
    const mapped = mapProbs === undefined ? p : mapProbs(p)
    const tap = options.intervention?.probsTap
    return tap === undefined ? mapped : (tf.add(mapped, tap) as tf.Tensor4D)
  })
  const context = tf.tidy(() => {
    const rate = options.dropoutRate ?? 0
    const dropped = rate > 0 ? dropout(probs, rate, requireSeed(options.dropoutSeed)) : probs
    return matMul<tf.Tensor4D>(dropped, v)
  })
  return { context, probs }
}

const requireSeed = (seed: number | undefined): number => {
  if (seed === undefined) throw new RangeError("attention dropout needs a dropoutSeed")
  return seed
}

/**
 * `[B,L,H·D]` → `[B,H,L,D]`: splits a projection into heads.
 *
 * @since 0.1.0
 * @category ops
 */
export const splitHeads = (x: tf.Tensor3D, heads: number): tf.Tensor4D =>
  tf.tidy(() => {
    const [batch, length, width] = x.shape
    if (width % heads !== 0) throw new RangeError(`hidden width ${width} is not divisible by ${heads} heads`)
    return tf.transpose(tf.reshape(x, [batch, length, heads, width / heads]), [0, 2, 1, 3])
  })

/**
 * `[B,H,L,D]` → `[B,L,H·D]`: merges heads back into the hidden width.
 *
 * @since 0.1.0
 * @category ops
 */
export const mergeHeads = (x: tf.Tensor4D): tf.Tensor3D =>
  tf.tidy(() => {
    const [batch, heads, length, depth] = x.shape
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, length, heads * depth])
  })
