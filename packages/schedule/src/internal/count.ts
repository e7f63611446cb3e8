/**
 * Throws a `RangeError` unless `value` is a safe integer ≥ `minimum`.
 */
export const requireCount = (name: string, value: unknown, minimum = 0): void => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum) {
    const expected = minimum === 0 ? "a non-negative integer" : `an integer ≥ ${minimum}`
    throw new RangeError(`${name} must be ${expected}, got ${String(value)}`)
  }
}
