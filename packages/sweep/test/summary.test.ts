/**
 * Summary statistics against numbers computed by hand.
 */
import { describe, expect, it } from "vitest"
import { Results, type Spec, Summary } from "../src/index.js"

const job = (method: string, p: number | undefined, q: number | undefined, seed: number): Spec.Job => ({
  id: `${method}-${p}-${q}-${seed}`,
  method,
  p,
  q,
  seed,
  settings: {}
})
const run = (j: Spec.Job, score: number | null): Summary.RunResult => ({
  job: j,
  score,
  epochs: 2,
  steps: 8,
  resumedFrom: null
})

// ft: 0.80, 0.70, 0.75; ga(0.1, 0.1): 0.82, 0.74, 0.80; ga(0.3, 0.1): 0.90, 0.60, and seed 3 never
// evaluated; rd(0.1, 0.1): 0.50 on seed 1 only.
const results = [
  run(job("ft", undefined, undefined, 1), 0.8),
  run(job("ft", undefined, undefined, 2), 0.7),
  run(job("ft", undefined, undefined, 3), 0.75),
  run(job("ga", 0.1, 0.1, 1), 0.82),
  run(job("ga", 0.1, 0.1, 2), 0.74),
  run(job("ga", 0.1, 0.1, 3), 0.8),
  run(job("ga", 0.3, 0.1, 1), 0.9),
  run(job("ga", 0.3, 0.1, 2), 0.6),
  run(job("ga", 0.3, 0.1, 3), null),
  run(job("rd", 0.1, 0.1, 1), 0.5)
]
const summary = Summary.summarize(results, "accuracy")
const setting = (method: string, p: number | null) =>
  summary.settings.find((s) => s.method === method && s.p === p)!

describe("Summary.stats", () => {
  it("gives the mean and the sample standard deviation", () => {
    expect(Summary.stats([1, 2, 3])).toEqual({ n: 3, mean: 2, std: 1 })
    expect(Summary.stats([2, 4, 4, 4, 5, 5, 7, 9]).std).toBeCloseTo(2.13809, 5)
    expect(Summary.stats([0.5])).toEqual({ n: 1, mean: 0.5, std: null })
    expect(Summary.stats([])).toEqual({ n: 0, mean: null, std: null })
  })
})

describe("Summary.summarize", () => {
  it("averages each setting over its seeds", () => {
    const ft = setting("ft", null)
    expect(ft.n).toBe(3)
    expect(ft.mean).toBeCloseTo(0.75, 10)
    expect(ft.std).toBeCloseTo(0.05, 10)
    expect(ft.vsFt).toBeNull()
    const ga = setting("ga", 0.1)
    expect(ga.mean).toBeCloseTo(0.786667, 6)
    // deviations −0.046667, 0.033333, 0.013333 → variance 0.0034667 / 2
    expect(ga.std).toBeCloseTo(Math.sqrt(0.00346667 / 2), 6)
  })

  it("leaves runs without a score out", () => {
    const ga3 = setting("ga", 0.3)
    expect(ga3.seeds).toEqual([1, 2])
    expect(ga3.mean).toBeCloseTo(0.75, 10)
    expect(ga3.std).toBeCloseTo(Math.sqrt(0.045), 10)
  })

  it("pairs AD-Drop − FT by seed", () => {
    // ga(0.1, 0.1) − ft: 0.02, 0.04, 0.05 → mean 0.036667, std 0.0152753
    const d = setting("ga", 0.1).vsFt!
    expect(d.seeds).toEqual([1, 2, 3])
    expect(d.mean).toBeCloseTo(0.036667, 6)
    expect(d.std).toBeCloseTo(0.0152753, 6)
    // ga(0.3, 0.1) − ft: +0.10, −0.10 → mean 0, std √0.02
    const d3 = setting("ga", 0.3).vsFt!
    expect(d3.mean).toBeCloseTo(0, 10)
    expect(d3.std).toBeCloseTo(Math.sqrt(0.02), 10)
    const rd = setting("rd", 0.1).vsFt!
    expect(rd).toMatchObject({ n: 1, std: null })
    expect(rd.mean).toBeCloseTo(-0.3, 10)
  })

  it("picks the best (p, q) per AD-Drop method by mean", () => {
    expect(summary.best.map((s) => [s.method, s.p, s.q])).toEqual([
      ["ga", 0.1, 0.1],
      ["rd", 0.1, 0.1]
    ])
  })

  it("writes TSV with one row per setting and marks the best", () => {
    const lines = Summary.toTsv(summary).trim().split("\n")
    expect(lines[0]!.split("\t").slice(0, 6)).toEqual(["method", "p", "q", "n", "mean_accuracy", "std"])
    expect(lines).toHaveLength(1 + 4)
    const ga = lines.find((l) => l.startsWith("ga\t0.1\t"))!.split("\t")
    expect(ga.slice(3, 10)).toEqual(["3", "0.7867", "0.0416", "0.0367", "0.0153", "3", "yes"])
  })

  it("renders a self-contained page with a p × q heatmap per method", () => {
    const html = Results.page(summary, "sweep", ["sst2"])
    expect(html).not.toMatch(/<script|https?:\/\//)
    expect(html.match(/<figure class="heatmap">/g)).toHaveLength(2)
    expect(html).toContain("0.787")
  })
})
