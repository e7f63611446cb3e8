/**
 * Summary statistics of timing samples.
 *
 * @since 0.1.0
 */

/**
 * The median of a non-empty list (the mean of the two middle values for an even count); NaN when empty.
 *
 * @example
 * ```ts
 * import { Stats } from "@addrop/bench"
 * Stats.median([3, 1, 2]) // 2
 * ```
 * @since 0.1.0
 * @category statistics
 */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Rounds to `digits` decimals (for compact JSON output).
 *
 * @since 0.1.0
 * @category statistics
 */
export const round = (value: number, digits = 1): number => {
  if (!Number.isFinite(value)) return value
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
