/**
 * AD-Drop's mask in one pass over the rows, in JavaScript, for the backends that keep tensors in host memory
 * (cpu, wasm): per row, the threshold by selection instead of a full sort of every row (`tf.topk`), and the
 * drop draw of a position computed only when the position is a candidate — Philox is counter-based, so
 * element e's draw is word e of the stream whichever draws are skipped.
 *
 * It computes exactly what {@link Mask.sample} computes from the same draws (the same float32 comparisons,
 * the same threshold positions from {@link Mask.thresholdIndices}), so the bits equal the tensor path's
 * for any key. One difference is defined here where the tensor path leaves it to the backend's sort: a NaN
 * score orders after every number (as typed-array sorting does); NaN scores are never candidates either way.
 *
 * @since 0.1.0
 */
import { Draw, type Key } from "@addrop/random"
import { thresholdIndices } from "./Mask.js"

/**
 * Where a position's uniform draw in [0, 1) comes from: given values (`[B,H,L,L]`, row-major), or word e of
 * the Philox stream of `key` for flat position e, scaled as `Draw.uniform` scales it.
 *
 * @since 0.1.0
 * @category models
 */
export type DropDraws =
  | { readonly _tag: "Values"; readonly values: Float32Array }
  | { readonly _tag: "Stream"; readonly key: Key.Key }

/** The draw of flat position e (a Philox block is computed only when e leaves the one computed last). */
const drawSource = (draws: DropDraws): ((e: number) => number) =>
  draws._tag === "Values" ? (e) => draws.values[e]! : Draw.uniformAt(draws.key)

/**
 * The k-th smallest of `xs[0..n)` (0-based; no NaN), reordering `xs`: Hoare's quickselect with a
 * median-of-three pivot, linear on average (a few hundred comparisons for a row of 128 keys).
 */
const select = (xs: Float64Array, n: number, k: number): number => {
  let lo = 0
  let hi = n - 1
  while (hi > lo) {
    const a = xs[lo]!
    const b = xs[(lo + hi) >>> 1]!
    const c = xs[hi]!
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))
    let i = lo
    let j = hi
    while (i <= j) {
      while (xs[i]! < pivot) i++
      while (pivot < xs[j]!) j--
      if (i <= j) {
        const t = xs[i]!
        xs[i] = xs[j]!
        xs[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return xs[k]!
  }
  return xs[lo]!
}

/**
 * A batch entry's real keys (positions whose key-mask value is non-zero, increasing) and the index k of its
 * rows' threshold among their sorted real scores (k = ⌊n·(1−p)⌋ for n real keys; no candidates when k ≥ n).
 *
 * @since 0.1.0
 * @category models
 */
export interface EntryKeys {
  readonly real: Int32Array
  readonly k: number
}

/**
 * {@link EntryKeys} of every batch entry of a key mask `[B,L]` (row-major).
 *
 * @since 0.1.0
 * @category ops
 */
export const entryKeys = (
  keyMask: ArrayLike<number>,
  batch: number,
  length: number,
  p: number
): Array<EntryKeys> => {
  const thresholds = thresholdIndices(length, p)
  return Array.from({ length: batch }, (_, b) => {
    const positions: Array<number> = []
    for (let j = 0; j < length; j++) if (keyMask[b * length + j] !== 0) positions.push(j)
    return { real: Int32Array.from(positions), k: thresholds[positions.length]! }
  })
}

/**
 * The drop mask (1 = dropped) of `scores` `[B,H,L,L]` given the key mask `[B,L]` (non-zero = real key):
 * per row, real keys whose score is ≥ the k-th smallest real score (k = ⌊n·(1−p)⌋, none when k ≥ n),
 * dropped where their draw is < q (q compared in float32, as a float32 tensor comparison does).
 *
 * @example
 * ```ts
 * import { Key } from "@addrop/random"
 * import { RowKernel } from "@addrop/mask"
 * const dropped = RowKernel.sample(scores, keyMask, [1, 2, 4, 4], 0.3, 0.3, { _tag: "Stream", key: Key.make(0) })
 * ```
 * @since 0.1.0
 * @category ops
 */
export const sample = (
  scores: Float32Array,
  keyMask: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  p: number,
  q: number,
  draws: DropDraws
): Float32Array => {
  const [batch, heads, rows, length] = shape
  const out = new Float32Array(batch * heads * rows * length)
  const q32 = Math.fround(q)
  const drawAt = drawSource(draws)
  const row = new Float64Array(length)
  for (const [b, { real, k }] of entryKeys(keyMask, batch, length, p).entries()) {
    const n = real.length
    if (k >= n) continue
    for (let r = 0; r < heads * rows; r++) {
      const base = (b * heads * rows + r) * length
      // NaN orders after every number: set them aside, and a threshold among them is NaN (no candidates).
      let numbers = 0
      for (let t = 0; t < n; t++) {
        const x = scores[base + real[t]!]!
        if (!Number.isNaN(x)) row[numbers++] = x
      }
      if (k >= numbers) continue
      const threshold = select(row, numbers, k)
      for (let t = 0; t < n; t++) {
        const e = base + real[t]!
        if (scores[e]! >= threshold && drawAt(e) < q32) out[e] = 1
      }
    }
  }
  return out
}
