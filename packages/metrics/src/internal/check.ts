import { EmptyInput, InvalidValue, LengthMismatch, type MetricError } from "../MetricError.js"

/** A plain or typed array of numbers. */
export type Values = ArrayLike<number>

/**
 * The first problem with a pair of inputs: different lengths, no values, or a value that is not finite
 * (or, with `integers`, not an integer).
 */
export const checkPair = (
  metric: string,
  names: readonly [string, string],
  a: Values,
  b: Values,
  integers: boolean
): MetricError | undefined => {
  if (a.length !== b.length) return new LengthMismatch({ metric, names, lengths: [a.length, b.length] })
  if (a.length === 0) return new EmptyInput({ metric })
  return checkValues(metric, names[0], a, integers) ?? checkValues(metric, names[1], b, integers)
}

const checkValues = (
  metric: string,
  argument: string,
  xs: Values,
  integers: boolean
): InvalidValue | undefined => {
  for (let i = 0; i < xs.length; i++) {
    const value = xs[i]!
    if (typeof value !== "number" || !Number.isFinite(value) || (integers && !Number.isInteger(value))) {
      const expected = integers ? "an integer class label" : "a finite number"
      return new InvalidValue({ metric, argument, index: i, value, expected })
    }
  }
  return undefined
}
