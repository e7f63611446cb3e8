/**
 * AD-Drop masks as pure functions over tensors.
 *
 * For each attention row (b, h, i), over the n real (non-pad) keys of example b:
 * 1. sort the ranking scores ascending into s₀ ≤ … ≤ s_{n−1};
 * 2. k = ⌊n·(1−p)⌋ (computed in float64); if k ≥ n the row has no candidates, else the threshold is s_k;
 * 3. candidates are the real keys whose score is ≥ the threshold — ties at the threshold are all candidates,
 *    so a row has n − k candidates when its scores are distinct and possibly more with ties;
 * 4. a candidate is dropped when its uniform draw is < q.
 * Pad keys are never candidates and never dropped (the key-padding bias already masks them). Rows whose
 * query is a pad are treated like any other row. NaN scores are never candidates.
 *
 * @since 0.1.0
 */
import { MASKED_SCORE_BIAS } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import type { MaskOptions } from "./Options.js"

/**
 * ⌊n·(1−p)⌋ for n = 0..length, in float64, so every backend uses the same threshold positions.
 *
 * @since 0.1.0
 * @category internals
 */
export const thresholdIndices = (length: number, p: number): Int32Array =>
  Int32Array.from({ length: length + 1 }, (_, n) => Math.floor(n * (1 - p)))

/**
 * The candidate region: 1 where key j is among the top-p fraction of row (b,h,i)'s real keys by `scores`.
 *
 * @param scores ranking scores `[B,H,L,L]` (higher = more likely a candidate)
 * @param keyMask `[B,L]`, 1 for real tokens, 0 for padding
 * @returns float32 `[B,H,L,L]` of 0/1
 * @example
 * ```ts
 * import { Mask } from "@addrop/mask"
 * const region = Mask.candidates(attribution, attentionMask, 0.3)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const candidates = (scores: tf.Tensor4D, keyMask: tf.Tensor2D, p: number): tf.Tensor4D =>
  tf.tidy(() => {
    const [batch, , , length] = scores.shape
    if (keyMask.shape[0] !== batch || keyMask.shape[1] !== length) {
      throw new RangeError(`key mask [${keyMask.shape}] does not match scores [${scores.shape}]`)
    }
    // Broadcasting happens only in float32 Add/Mul (XNNPACK on wasm); comparisons and selects see
    // operands of the scores' shape (wasm's broadcasting Tile, LogicalAnd and GreaterEqual are ~50× slower).
    const real = tf.cast(tf.notEqual(keyMask, 0), "float32")
    const realRows = tf.reshape(real, [batch, 1, 1, length])
    const zeros = tf.zeros(scores.shape)
    const realFull = tf.cast(tf.add(zeros, realRows), "bool")
    // Pads sort last (+∞); ascending order is the descending order of the negated scores.
    const sortable = tf.where(realFull, scores, tf.fill(scores.shape, Number.POSITIVE_INFINITY))
    const ascending = tf.neg(tf.topk(tf.neg(sortable), length, true).values)
    const n = tf.sum(tf.cast(tf.notEqual(keyMask, 0), "int32"), 1)
    const k = tf.gather(tf.tensor1d(thresholdIndices(length, p), "int32"), n)
    const hasCandidates = tf.cast(tf.reshape(tf.less(k, n), [batch, 1, 1, 1]), "float32")
    // Select s_k with a one-hot over the sorted axis; `where` keeps the ±∞ of other positions out of the sum.
    // (wasm's OneHot writes int32 bits whatever the dtype asked for, hence the explicit cast.)
    const atK = tf.reshape(
      tf.cast(tf.oneHot(tf.minimum(k, tf.scalar(length - 1, "int32")), length), "float32"),
      [batch, 1, 1, length]
    )
    const atKFull = tf.cast(tf.add(zeros, atK), "bool")
    const threshold = tf.sum(tf.where(atKFull, ascending, zeros), 3, true)
    // Adding zeros changes no value a comparison can tell apart (only −0 becomes +0).
    const atLeast = tf.cast(tf.greaterEqual(scores, tf.add(zeros, threshold)), "float32")
    return tf.mul(atLeast, tf.mul(realRows, hasCandidates)) as tf.Tensor4D
  })

/**
 * Drops each candidate whose uniform draw is below q.
 *
 * @param region candidates `[B,H,L,L]` (0/1)
 * @param uniforms draws in [0,1) of the same shape
 * @returns float32 `[B,H,L,L]` with 1 = dropped
 * @since 0.1.0
 * @category ops
 */
export const drop = (region: tf.Tensor4D, uniforms: tf.Tensor4D, q: number): tf.Tensor4D =>
  tf.tidy(() => tf.mul(region, tf.cast(tf.less(uniforms, q), "float32")) as tf.Tensor4D)

/**
 * The ranking scores a strategy uses: the attribution (`high`), its negation (`low`), or the given random
 * scores (`random`).
 *
 * @since 0.1.0
 * @category ops
 */
export const rankingScores = (
  attribution: tf.Tensor4D,
  strategy: MaskOptions["strategy"],
  randomScores: () => tf.Tensor4D
): tf.Tensor4D => {
  switch (strategy) {
    case "high":
      return attribution
    case "low":
      return tf.neg(attribution)
    case "random":
      return randomScores()
  }
}

/**
 * Uniform draws for one mask: `drop` decides which candidates are dropped, `region` ranks keys for the
 * `random` strategy. Both are `[B,H,L,L]` in [0,1).
 *
 * @since 0.1.0
 * @category models
 */
export interface MaskDraws {
  readonly drop: tf.Tensor4D
  readonly region?: tf.Tensor4D | undefined
}

/**
 * The dropped positions for one layer: candidates by `options.strategy` and `p`, dropped with probability `q`.
 *
 * @example
 * ```ts
 * import { Mask } from "@addrop/mask"
 * const dropped = Mask.sample(attribution, attentionMask, { p: 0.3, q: 0.3, strategy: "high" }, { drop: uniforms })
 * const bias = Mask.toScoreBias(dropped) // add to the layer's scores in the second pass
 * ```
 * @since 0.1.0
 * @category ops
 */
export const sample = (
  attribution: tf.Tensor4D,
  keyMask: tf.Tensor2D,
  options: MaskOptions,
  draws: MaskDraws
): tf.Tensor4D =>
  tf.tidy(() => {
    const scores = rankingScores(attribution, options.strategy, () => {
      if (draws.region === undefined) throw new RangeError("the random strategy needs region draws")
      return draws.region
    })
    return drop(candidates(scores, keyMask, options.p), draws.drop, options.q)
  })

/**
 * The additive score bias of a drop mask: {@link MASKED_SCORE_BIAS} where dropped, 0 elsewhere.
 *
 * @since 0.1.0
 * @category ops
 */
export const toScoreBias = (dropped: tf.Tensor4D): tf.Tensor4D =>
  tf.tidy(() => tf.mul(dropped, MASKED_SCORE_BIAS) as tf.Tensor4D)
