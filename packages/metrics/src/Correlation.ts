/**
 * Correlation metrics over real values, matching SciPy.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import { checkPair } from "./internal/check.js"
import type { MetricError } from "./MetricError.js"

const names = ["x", "y"] as const

/**
 * Pearson's correlation coefficient `r` (SciPy's `pearsonr(x, y)[0]`), in `[−1, 1]`; a GLUE metric of
 * STS-B. It is `NaN` when undefined — either input constant (including a single value) — as in SciPy; `NaN`
 * compares false with everything, so a model-selection loop that keeps the best score never picks it. Fails
 * with `LengthMismatch`, `EmptyInput`, or `InvalidValue` for `NaN`/±∞ inputs.
 *
 * @example
 * ```ts
 * import { pearson } from "@addrop/metrics"
 * pearson([1, 2, 3], [2, 4, 7]) // Result.succeed(0.9933…)
 * ```
 * @since 0.1.0
 * @category correlation
 */
export const pearson = (x: ArrayLike<number>, y: ArrayLike<number>): Result.Result<number, MetricError> => {
  const error = checkPair("pearson", names, x, y, false)
  return error === undefined ? Result.succeed(correlate(x, y)) : Result.fail(error)
}

/**
 * Spearman's rank correlation `ρ` (SciPy's `spearmanr(x, y)[0]`): Pearson's `r` of the ranks, tied values
 * sharing their average rank; a GLUE metric of STS-B. `NaN` when either input is constant, like
 * {@link pearson}.
 *
 * @example
 * ```ts
 * import { spearman } from "@addrop/metrics"
 * spearman([1, 2, 3], [2, 4, 70]) // Result.succeed(1)
 * ```
 * @since 0.1.0
 * @category correlation
 */
export const spearman = (x: ArrayLike<number>, y: ArrayLike<number>): Result.Result<number, MetricError> => {
  const error = checkPair("spearman", names, x, y, false)
  return error === undefined
    ? Result.succeed(correlate(averageRanks(x), averageRanks(y)))
    : Result.fail(error)
}

/**
 * 1-based ranks with ties given their average rank (SciPy's `rankdata(x, method="average")`).
 *
 * @example
 * ```ts
 * import { averageRanks } from "@addrop/metrics"
 * averageRanks([10, 20, 20, 5]) // Float64Array [2, 3.5, 3.5, 1]
 * ```
 * @since 0.1.0
 * @category correlation
 */
export const averageRanks = (x: ArrayLike<number>): Float64Array => {
  const n = x.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!)
  const ranks = new Float64Array(n)
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++
    const rank = (i + j) / 2 + 1
    for (let t = i; t <= j; t++) ranks[order[t]!] = rank
    i = j + 1
  }
  return ranks
}

/** Pearson's r of two equal-length, non-empty, finite inputs, computed the way SciPy 1.10 does. */
const correlate = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  const n = x.length
  if (isConstant(x) || isConstant(y)) return Number.NaN
  if (n === 2) return Math.sign(x[1]! - x[0]!) * Math.sign(y[1]! - y[0]!)
  const xm = centred(x)
  const ym = centred(y)
  const nx = norm(xm)
  const ny = norm(ym)
  let r = 0
  for (let i = 0; i < n; i++) r += (xm[i]! / nx) * (ym[i]! / ny)
  return Math.max(-1, Math.min(1, r))
}

const isConstant = (x: ArrayLike<number>): boolean => {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false
  return true
}

const centred = (x: ArrayLike<number>): Float64Array => {
  let sum = 0
  for (let i = 0; i < x.length; i++) sum += x[i]!
  const mean = sum / x.length
  const out = new Float64Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - mean
  return out
}

/** Euclidean norm, scaled by the largest magnitude so squares cannot overflow or underflow. */
const norm = (x: Float64Array): number => {
  let scale = 0
  for (const v of x) scale = Math.max(scale, Math.abs(v))
  if (scale === 0) return 0
  let sum = 0
  for (const v of x) sum += (v / scale) ** 2
  return scale * Math.sqrt(sum)
}
