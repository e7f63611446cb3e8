/**
 * Multi-head self-attention on projections `[B,L,H·D]` with hand-written gradients.
 *
 * Differentiated op by op, attention keeps about eight `[B,H,L,L]`/`[B,H,L,D]` tensors per layer for the
 * backward pass and creates a gradient for every intermediate (tfjs keeps all of them until the backward
 * pass ends): for BERT-base at 8 × 128 that is over a gigabyte, more than the wasm heap can spare. Here
 * attention is two ops around tfjs' softmax — the scaled, biased scores from the projections, and the
 * dropped-out probabilities times the values — which compute exactly the same forward values with the
 * same kernels, keep q, k, v, the probabilities and the dropout mask, and compute each input's gradient
 * only when it is needed (AD-Drop's attribution pass needs no gradient below the first tapped layer).
 *
 * @since 0.1.0
 */
import {
  applyDropoutMask,
  customOp,
  customOpOutputs,
  dropoutKeepMask,
  matMul,
  unbroadcast
} from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { type AttentionOptions, attention, mergeHeads, splitHeads } from "./Attention.js"

/**
 * Options of {@link selfAttention}: those of `attention` and the number of heads.
 *
 * @since 0.1.0
 * @category models
 */
export interface SelfAttentionOptions extends AttentionOptions {
  readonly heads: number
}

/**
 * The result of {@link selfAttention}.
 *
 * @since 0.1.0
 * @category models
 */
export interface SelfAttentionResult {
  /** The heads' contexts merged back: `[B,L,H·D]`. */
  readonly context: tf.Tensor3D
  /** The attention probabilities after the intervention (`mapProbs`, then `probsTap`), before dropout. */
  readonly probs: tf.Tensor4D
}

/**
 * `mergeHeads(attention(splitHeads(q), splitHeads(k), splitHeads(v), options))` for projections q, k, v
 * `[B,L,H·D]`: the same values, from one op with a hand-written gradient whenever the intervention has no
 * `mapProbs` (a function the op cannot differentiate by hand); with one it falls back to the op-by-op
 * composition.
 *
 * @example
 * ```ts
 * import { selfAttention } from "@addrop/attention"
 * const { context } = selfAttention(q, k, v, { heads: 12, keyPaddingBias, dropoutRate: 0.1, dropoutSeed })
 * ```
 * @since 0.1.0
 * @category ops
 */
export const selfAttention = (
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  options: SelfAttentionOptions
): SelfAttentionResult => {
  const { heads } = options
  const width = q.shape[2]
  if (
    width % heads !== 0 ||
    !tf.util.arraysEqual(k.shape, q.shape) ||
    !tf.util.arraysEqual(v.shape, q.shape)
  ) {
    throw new RangeError(
      `self-attention shapes disagree: q [${q.shape}], k [${k.shape}], v [${v.shape}], ${heads} heads`
    )
  }
  const intervention = options.intervention
  if (intervention?.mapProbs !== undefined) {
    return tf.tidy(() => {
      const { context, probs } = attention(
        splitHeads(q, heads),
        splitHeads(k, heads),
        splitHeads(v, heads),
        options
      )
      return { context: mergeHeads(context), probs }
    })
  }
  const depth = width / heads
  const factor = 1 / Math.sqrt(depth)
  const rate = options.dropoutRate ?? 0
  if (rate > 0 && options.dropoutSeed === undefined)
    throw new RangeError("attention dropout needs a dropoutSeed")
  const padding = options.keyPaddingBias
  const scoreBias = intervention?.scoreBias
  const tap = intervention?.probsTap
  return tf.tidy(() => {
    const scores = scaledScores(q, k, heads, factor, padding, scoreBias)
    // tfjs' own softmax and gradient (the engine frees nothing of it before the backward pass ends).
    const p = tf.softmax(scores) as tf.Tensor4D
    const [context, probs] = weightedValues(p, v, heads, rate, options.dropoutSeed, tap)
    return { context: context as tf.Tensor3D, probs: probs as tf.Tensor4D }
  })
}

/**
 * `splitHeads(q)·c · splitHeads(k)ᵀ + padding + scoreBias` `[B,H,L,L]`; keeps the split q and k only,
 * and computes each input's gradient from the scores' gradient when needed.
 */
const scaledScores = (
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  heads: number,
  factor: number,
  padding: tf.Tensor | undefined,
  scoreBias: tf.Tensor | undefined
): tf.Tensor4D => {
  const inputs: Record<string, tf.Tensor> = { q, k }
  if (padding !== undefined) inputs.padding = padding
  if (scoreBias !== undefined) inputs.scoreBias = scoreBias
  return customOp({
    name: "addrop.attentionScores",
    inputs,
    forward: (save) => {
      const q4 = splitHeads(q, heads)
      const k4 = splitHeads(k, heads)
      save([q4, k4])
      // The same kernels in the same order as `attention`, so the values are identical.
      let scores = matMul<tf.Tensor4D>(tf.mul(q4, factor), k4, { transposeB: true })
      if (padding !== undefined) scores = tf.add(scores, padding)
      if (scoreBias !== undefined) scores = tf.add(scores, scoreBias)
      return scores
    },
    backward: (dScores, saved) => {
      const [q4, k4] = saved as [tf.Tensor4D, tf.Tensor4D]
      const grads: Record<string, () => tf.Tensor> = {
        q: () => mergeHeads(tf.mul(matMul<tf.Tensor4D>(dScores as tf.Tensor4D, k4), factor)),
        k: () =>
          mergeHeads(tf.mul(matMul<tf.Tensor4D>(dScores as tf.Tensor4D, q4, { transposeA: true }), factor)),
        padding: () => unbroadcast(dScores, padding!.shape),
        scoreBias: () => unbroadcast(dScores, scoreBias!.shape)
      }
      return grads as { [K in keyof typeof inputs]: () => tf.Tensor }
    }
  }) as tf.Tensor4D
}

/**
 * `[mergeHeads(dropout(p + tap) · splitHeads(v)), p + tap]`; keeps p, the split v, the boolean dropout
 * mask and the tap.
 */
const weightedValues = (
  p: tf.Tensor4D,
  v: tf.Tensor3D,
  heads: number,
  rate: number,
  seed: number | undefined,
  tap: tf.Tensor4D | undefined
): Array<tf.Tensor> => {
  const inputs: Record<string, tf.Tensor> = { p, v }
  if (tap !== undefined) inputs.tap = tap
  return customOpOutputs({
    name: "addrop.attentionValues",
    inputs,
    forward: (save) => {
      const v4 = splitHeads(v, heads)
      // A fresh tensor even without a tap: an op must not return one of its inputs as an output (the
      // tape would then route the probabilities' gradient into p twice).
      const tapped = tap === undefined ? tf.clone(p) : (tf.add(p, tap) as tf.Tensor4D)
      const keep = rate > 0 ? dropoutKeepMask(tapped.shape, rate, seed!) : undefined
      const dropped = keep === undefined ? tapped : applyDropoutMask(tapped, keep, rate)
      save([v4, p, ...(keep === undefined ? [] : [keep]), ...(tap === undefined ? [] : [tap])])
      return [mergeHeads(matMul<tf.Tensor4D>(dropped, v4)), tapped]
    },
    backward: ([dContext, dProbs], saved, share) => {
      const [v4, savedP] = saved as [tf.Tensor4D, tf.Tensor4D]
      const keep = rate > 0 ? saved[2] : undefined
      const savedTap = tap === undefined ? undefined : saved[rate > 0 ? 3 : 2]
      // The gradient of p + tap is that of both p and the tap: computed once here (p's or the tap's
      // gradient is always requested) and shared until the node's gradients are done.
      const { dContext4, dTapped } = tf.tidy(() => {
        const dContext4 = splitHeads(dContext as tf.Tensor3D, heads)
        let dTapped = matMul<tf.Tensor4D>(dContext4, v4, { transposeB: true })
        if (keep !== undefined) dTapped = applyDropoutMask(dTapped, keep, rate) as tf.Tensor4D
        // The probabilities output's gradient (zeros unless something used the returned probabilities).
        return { dContext4, dTapped: tf.add(dTapped, dProbs!) as tf.Tensor4D }
      })
      share(dContext4)
      share(dTapped)
      const grads: Record<string, () => tf.Tensor> = {
        p: () => tf.clone(dTapped),
        tap: () => tf.clone(dTapped),
        v: () => {
          const tapped = savedTap === undefined ? savedP : tf.add(savedP, savedTap)
          const dropped = keep === undefined ? tapped : applyDropoutMask(tapped, keep, rate)
          return mergeHeads(matMul<tf.Tensor4D>(dropped, dContext4, { transposeA: true }))
        }
      }
      return grads as { [K in keyof typeof inputs]: () => tf.Tensor }
    }
  })
}
