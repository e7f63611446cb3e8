/**
 * Metrics against scikit-learn 1.2.1 and SciPy 1.10.1 (Debian bookworm's python3-sklearn and python3-scipy,
 * NumPy 1.24.2). The expected numbers were printed by the Python snippets in the comments.
 *
 * Setup: import numpy as np, warnings; warnings.simplefilter("ignore")
 *        from scipy.stats import pearsonr, spearmanr, rankdata
 *        from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { accuracy, averageRanks, f1, macroF1, matthews, pearson, spearman } from "../src/index.js"

const value = (r: Result.Result<number, unknown>): number => Result.getOrThrow(r)

// Binary labels, n = 20.
const bp = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1]
const bg = [1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
// Three classes, n = 15.
const mp = [0, 1, 2, 2, 1, 0, 0, 2, 1, 1, 2, 0, 1, 2, 2]
const mg = [0, 1, 2, 1, 1, 0, 2, 2, 0, 1, 2, 0, 1, 0, 2]

describe("binary classification (n = 20)", () => {
  it("accuracy: accuracy_score(bg, bp) = 0.75", () => {
    expect(value(accuracy(bp, bg))).toBe(0.75)
  })
  it("f1: f1_score(bg, bp) = 0.7826086956521738, pos_label=0 → 0.7058823529411765", () => {
    expect(value(f1(bp, bg))).toBeCloseTo(0.7826086956521738, 15)
    expect(value(f1(bp, bg, { positive: 0 }))).toBeCloseTo(0.7058823529411765, 15)
  })
  it("macroF1: f1_score(bg, bp, average='macro') = 0.7442455242966752", () => {
    expect(value(macroF1(bp, bg))).toBeCloseTo(0.7442455242966752, 15)
  })
  it("matthews: matthews_corrcoef(bg, bp) = 0.4923659639173309", () => {
    expect(value(matthews(bp, bg))).toBeCloseTo(0.4923659639173309, 15)
  })
})

describe("three classes (n = 15)", () => {
  it("accuracy_score(mg, mp) = 0.7333333333333333", () => {
    expect(value(accuracy(mp, mg))).toBeCloseTo(0.7333333333333333, 15)
  })
  it("f1_score(mg, mp, average='macro') = 0.7313131313131312", () => {
    expect(value(macroF1(mp, mg))).toBeCloseTo(0.7313131313131312, 15)
  })
  it("matthews_corrcoef(mg, mp) = 0.6040404496926219 (multiclass formula)", () => {
    expect(value(matthews(mp, mg))).toBeCloseTo(0.6040404496926219, 15)
  })
  it("f1 of class 2 vs rest: f1_score([g==2], [p==2]) = 0.7272727272727272", () => {
    expect(value(f1(mp, mg, { positive: 2 }))).toBeCloseTo(0.7272727272727272, 15)
  })
})

describe("a label that only the predictions use: lp = [0,1,3,1], lg = [0,1,1,1]", () => {
  const lp = [0, 1, 3, 1]
  const lg = [0, 1, 1, 1]
  it("f1_score(lg, lp, average='macro') = 0.6 (labels 0, 1, 3)", () => {
    expect(value(macroF1(lp, lg))).toBeCloseTo(0.6, 15)
  })
  it("labels=[0, 1] → 0.9; labels=[0, 1, 2] → 0.6 (class 2 never occurs and scores 0)", () => {
    expect(value(macroF1(lp, lg, { labels: [0, 1] }))).toBeCloseTo(0.9, 15)
    expect(value(macroF1(lp, lg, { labels: [0, 1, 2] }))).toBeCloseTo(0.6, 15)
    expect(value(macroF1(lp, lg, { labels: [1, 0, 1] }))).toBeCloseTo(0.9, 15)
  })
  it("matthews_corrcoef(lg, lp) = 0.6454972243679028", () => {
    expect(value(matthews(lp, lg))).toBeCloseTo(0.6454972243679028, 15)
  })
})

describe("correlations", () => {
  const x = [0.1, 2.5, 3.7, 1.2, 4.9, 3.3, 0.0, 2.2, 4.4, 1.9]
  const y = [0.3, 2.0, 4.1, 1.0, 4.5, 2.9, 0.8, 2.6, 3.9, 2.4]
  it("pearsonr(x, y)[0] = 0.9635096803035902", () => {
    expect(value(pearson(x, y))).toBeCloseTo(0.9635096803035902, 14)
  })
  it("spearmanr(x, y)[0] = 0.9393939393939393", () => {
    expect(value(spearman(x, y))).toBeCloseTo(0.9393939393939393, 14)
  })
  it("pearson is symmetric and invariant to shifting and scaling (up to rounding)", () => {
    expect(value(pearson(y, x))).toBe(value(pearson(x, y)))
    // pearsonr(np.array(x) + 1e6, y)[0] = 0.9635096803024096: SciPy loses digits there; both are within 1e-11
    expect(
      value(
        pearson(
          x.map((v) => v + 1e6),
          y
        )
      )
    ).toBeCloseTo(0.9635096803035902, 10)
    expect(
      value(
        pearson(
          x.map((v) => v * -3),
          y
        )
      )
    ).toBeCloseTo(-0.9635096803035902, 14)
  })

  const tx = [1, 2, 2, 3, 3, 3, 4, 5, 5, 1]
  const ty = [2, 1, 3, 3, 2, 5, 5, 4, 4, 1]
  it("ties: rankdata(tx) = [1.5, 3.5, 3.5, 6, 6, 6, 8, 9.5, 9.5, 1.5]", () => {
    expect(Array.from(averageRanks(tx))).toEqual([1.5, 3.5, 3.5, 6, 6, 6, 8, 9.5, 9.5, 1.5])
    expect(Array.from(averageRanks([]))).toEqual([])
  })
  it("ties: spearmanr(tx, ty)[0] = 0.7421530430042756, pearsonr(tx, ty)[0] = 0.7200822998230956", () => {
    expect(value(spearman(tx, ty))).toBeCloseTo(0.7421530430042756, 14)
    expect(value(pearson(tx, ty))).toBeCloseTo(0.7200822998230956, 14)
  })
  it("two points: pearsonr([1,2],[5,3])[0] = -1.0, spearmanr(...)[0] = -0.9999999999999999", () => {
    expect(value(pearson([1, 2], [5, 3]))).toBe(-1)
    expect(value(spearman([1, 2], [5, 3]))).toBeCloseTo(-1, 15)
  })
  it("typed arrays: pearsonr([.5,.25,.125,.75,1], [1..5]) = 0.6625891564490793, spearmanr = 0.6", () => {
    const fx = Float32Array.of(0.5, 0.25, 0.125, 0.75, 1.0)
    const fy = Int32Array.of(1, 2, 3, 4, 5)
    expect(value(pearson(fx, fy))).toBeCloseTo(0.6625891564490793, 14)
    expect(value(spearman(fx, fy))).toBeCloseTo(0.6, 14)
  })
})

/**
 * Larger inputs both sides generate the same way:
 *   n = 2000; i = np.arange(n)
 *   pred = (i*37 + (i*i) % 11) % 3;  gold = ((i*53) % 7) % 3
 *   x = ((i*7919) % 1009) / 100;     y = x + ((i*104729) % 211) / 50 - 2
 *   binary: pred % 2, gold % 2;      ties: np.floor(x), np.floor(y)
 */
describe("generated inputs (n = 2000)", () => {
  const i = Array.from({ length: 2000 }, (_, k) => k)
  const pred = i.map((k) => (k * 37 + ((k * k) % 11)) % 3)
  const gold = i.map((k) => ((k * 53) % 7) % 3)
  const x = i.map((k) => ((k * 7919) % 1009) / 100)
  const y = i.map((k, j) => x[j]! + ((k * 104729) % 211) / 50 - 2)
  it("accuracy 0.336, macro-F1 0.33276664908847425, MCC 0.004112689539506618", () => {
    expect(value(accuracy(pred, gold))).toBeCloseTo(0.336, 15)
    expect(value(macroF1(pred, gold))).toBeCloseTo(0.33276664908847425, 14)
    expect(value(matthews(pred, gold))).toBeCloseTo(0.004112689539506618, 14)
  })
  it("binary: F1 0.30906148867313915, accuracy 0.573, MCC 0.0025750825918955506", () => {
    const p = pred.map((v) => v % 2)
    const g = gold.map((v) => v % 2)
    expect(value(f1(p, g))).toBeCloseTo(0.30906148867313915, 14)
    expect(value(accuracy(p, g))).toBeCloseTo(0.573, 15)
    expect(value(matthews(p, g))).toBeCloseTo(0.0025750825918955506, 14)
  })
  it("pearson 0.9196045536461761, spearman 0.9244867657955174", () => {
    expect(value(pearson(x, y))).toBeCloseTo(0.9196045536461761, 13)
    expect(value(spearman(x, y))).toBeCloseTo(0.9244867657955174, 13)
  })
  it("heavy ties (floor): spearman 0.9168106922107754, pearson 0.9110360334778297", () => {
    const xf = x.map(Math.floor)
    const yf = y.map(Math.floor)
    expect(value(spearman(xf, yf))).toBeCloseTo(0.9168106922107754, 13)
    expect(value(pearson(xf, yf))).toBeCloseTo(0.9110360334778297, 13)
  })
})
