import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  accuracy,
  EmptyInput,
  f1,
  InvalidValue,
  LengthMismatch,
  macroF1,
  type MetricError,
  matthews,
  pearson,
  spearman
} from "../src/index.js"

const value = (r: Result.Result<number, unknown>): number => Result.getOrThrow(r)
const error = (r: Result.Result<number, MetricError>): MetricError => {
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${r.success}`)
  return r.failure
}
type Metric = (a: ArrayLike<number>, b: ArrayLike<number>) => Result.Result<number, MetricError>
const all: Array<[string, Metric]> = [
  ["accuracy", accuracy],
  ["f1", (a, b) => f1(a, b)],
  ["macroF1", (a, b) => macroF1(a, b)],
  ["matthews", matthews],
  ["pearson", pearson],
  ["spearman", spearman]
]

describe("input errors", () => {
  it.each(all)("%s fails with LengthMismatch, naming both inputs and lengths", (name, metric) => {
    const e = error(metric([1, 0, 1], [1, 0]))
    expect(e).toBeInstanceOf(LengthMismatch)
    const m = e as LengthMismatch
    expect(m.metric).toBe(name)
    expect(m.lengths).toEqual([3, 2])
    expect(m.message).toMatch(/has 3 values but .* has 2/)
  })
  it.each(all)("%s fails with EmptyInput on empty inputs", (name, metric) => {
    const e = error(metric([], new Float64Array(0)))
    expect(e).toBeInstanceOf(EmptyInput)
    expect(e._tag).toBe("EmptyInput")
    expect(e.message).toContain(name)
  })
  it.each(all)("%s fails with InvalidValue on NaN and infinities, with the index", (_, metric) => {
    const e = error(metric([1, 0, 1], [0, Number.NaN, 1]))
    expect(e).toBeInstanceOf(InvalidValue)
    expect((e as InvalidValue).argument).toMatch(/^(gold|y)$/)
    expect((e as InvalidValue).index).toBe(1)
    expect(error(metric([Number.POSITIVE_INFINITY, 0], [0, 1]))._tag).toBe("InvalidValue")
  })
  it("classification metrics reject fractional labels (probabilities instead of argmax labels)", () => {
    for (const [name, metric] of all.slice(0, 4)) {
      const e = error(metric([0.9, 0.2], [1, 0])) as InvalidValue
      expect(e._tag).toBe("InvalidValue")
      expect(e.message).toBe(`${name}: predictions[0] is 0.9, expected an integer class label`)
    }
  })
  it("correlations accept fractional values", () => {
    expect(value(pearson([0.9, 0.2, 0.4], [1, 0, 0.5]))).toBeGreaterThan(0.9)
  })
  it("rejects bad options", () => {
    expect(error(f1([1], [1], { positive: 0.5 }))._tag).toBe("InvalidValue")
    expect(error(macroF1([1], [1], { labels: [] }))._tag).toBe("EmptyInput")
    expect(error(macroF1([1], [1], { labels: [0, 1.5] }))._tag).toBe("InvalidValue")
  })
})

describe("edge cases (values from scikit-learn 1.2.1 / SciPy 1.10.1)", () => {
  it("all correct and all wrong", () => {
    const g = [1, 0, 1, 0]
    const w = [0, 1, 0, 1]
    expect(value(accuracy(g, g))).toBe(1)
    expect(value(accuracy(w, g))).toBe(0)
    expect(value(f1(g, g))).toBe(1)
    expect(value(f1(w, g))).toBe(0) // f1_score([1,0,1,0], [0,1,0,1]) = 0.0
    expect(value(macroF1(g, g))).toBe(1)
    expect(value(macroF1(w, g))).toBe(0)
    expect(value(matthews(g, g))).toBe(1) // matthews_corrcoef([1,0,1,0], [1,0,1,0]) = 1.0
    expect(value(matthews(w, g))).toBe(-1) // matthews_corrcoef([1,0,1,0], [0,1,0,1]) = -1.0
  })
  it("no positive class anywhere: binary F1 is 0 (zero_division), macro-F1 over the one class is 1", () => {
    // f1_score([0,0,0], [0,0,0]) = 0.0; f1_score([0,0,0], [0,0,0], average="macro") = 1.0
    expect(value(f1([0, 0, 0], [0, 0, 0]))).toBe(0)
    expect(value(macroF1([0, 0, 0], [0, 0, 0]))).toBe(1)
  })
  it("Matthews is 0 when either input has a single class", () => {
    // matthews_corrcoef([1,1,1,1], [1,0,1,0]) = matthews_corrcoef([1,0,1,0], [1,1,1,1]) = matthews_corrcoef([1,1], [1,1]) = 0.0
    expect(value(matthews([1, 0, 1, 0], [1, 1, 1, 1]))).toBe(0)
    expect(value(matthews([1, 1, 1, 1], [1, 0, 1, 0]))).toBe(0)
    expect(value(matthews([1, 1], [1, 1]))).toBe(0)
    expect(value(matthews([1], [1]))).toBe(0)
  })
  it("correlations of a constant input are NaN, as in SciPy", () => {
    // pearsonr([1,1,1], [1,2,3])[0] and spearmanr([1,1,1], [1,2,3])[0] are nan
    expect(value(pearson([1, 1, 1], [1, 2, 3]))).toBeNaN()
    expect(value(spearman([1, 1, 1], [1, 2, 3]))).toBeNaN()
    expect(value(pearson([1, 2, 3], [4, 4, 4]))).toBeNaN()
    expect(value(pearson([7], [3]))).toBeNaN()
  })
  it("a single label is scored", () => {
    expect(value(accuracy([2], [2]))).toBe(1)
    expect(value(f1([1], [0]))).toBe(0)
  })
  it("labels may be any integers, including negatives", () => {
    expect(value(matthews([-1, 1, -1, 1], [-1, 1, 1, 1]))).toBeCloseTo(
      value(matthews([0, 1, 0, 1], [0, 1, 1, 1])),
      15
    )
    expect(value(f1([-1, 1, -1], [-1, -1, -1], { positive: -1 }))).toBeCloseTo(0.8, 15)
  })
})

const labels = fc.integer({ min: 0, max: 3 })
const pairOf = <T>(arb: fc.Arbitrary<T>) =>
  fc
    .integer({ min: 1, max: 60 })
    .chain((n) =>
      fc.tuple(fc.array(arb, { minLength: n, maxLength: n }), fc.array(arb, { minLength: n, maxLength: n }))
    )
const reals = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true })

describe("properties", () => {
  it("classification scores stay in range; Matthews is symmetric; perfect predictions score 1", () => {
    fc.assert(
      fc.property(pairOf(labels), ([p, g]) => {
        const acc = value(accuracy(p, g))
        expect(acc).toBeGreaterThanOrEqual(0)
        expect(acc).toBeLessThanOrEqual(1)
        for (const s of [value(f1(p, g)), value(macroF1(p, g))]) {
          expect(s).toBeGreaterThanOrEqual(0)
          expect(s).toBeLessThanOrEqual(1)
        }
        const mcc = value(matthews(p, g))
        expect(Math.abs(mcc)).toBeLessThanOrEqual(1 + 1e-12)
        expect(value(matthews(g, p))).toBeCloseTo(mcc, 12)
        expect(value(accuracy(g, g))).toBe(1)
        expect(value(macroF1(g, g))).toBe(1)
        expect(value(matthews(g, g))).toBe(new Set(g).size > 1 ? 1 : 0)
      }),
      { numRuns: 300 }
    )
  })
  it("for binary labels, Matthews equals the 2×2 formula (TP·TN − FP·FN)/√(…)", () => {
    fc.assert(
      fc.property(pairOf(fc.integer({ min: 0, max: 1 })), ([p, g]) => {
        let tp = 0
        let tn = 0
        let fp = 0
        let fn = 0
        p.forEach((v, i) => {
          if (v === 1 && g[i] === 1) tp++
          else if (v === 0 && g[i] === 0) tn++
          else if (v === 1) fp++
          else fn++
        })
        const d = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
        expect(value(matthews(p, g))).toBeCloseTo(d === 0 ? 0 : (tp * tn - fp * fn) / Math.sqrt(d), 12)
      }),
      { numRuns: 300 }
    )
  })
  it("correlations lie in [−1, 1], are symmetric, and Spearman ignores monotone transforms", () => {
    fc.assert(
      fc.property(pairOf(reals), ([x, y]) => {
        const r = value(pearson(x, y))
        const rho = value(spearman(x, y))
        if (Number.isNaN(r)) {
          expect(new Set(x).size === 1 || new Set(y).size === 1).toBe(true)
          return
        }
        expect(Math.abs(r)).toBeLessThanOrEqual(1)
        expect(Math.abs(rho)).toBeLessThanOrEqual(1)
        expect(value(pearson(y, x))).toBeCloseTo(r, 12)
        // a strictly increasing transform that is exact in floating point: v ↦ (index of v among the sorted distinct values)² + 1
        const distinct = [...new Set(x)].sort((a, b) => a - b)
        expect(
          value(
            spearman(
              x.map((v) => distinct.indexOf(v) ** 2 + 1),
              y
            )
          )
        ).toBeCloseTo(rho, 12)
        expect(
          value(
            spearman(
              x.map((v) => -v),
              y
            )
          )
        ).toBeCloseTo(-rho, 12)
        expect(value(spearman(x, x))).toBeCloseTo(1, 12)
      }),
      { numRuns: 300 }
    )
  })
})
