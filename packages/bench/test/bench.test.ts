import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Bench, BenchCase, Stats } from "../src/index.js"

const spec: BenchCase.CaseSpec = { preset: "tiny", backend: "wasm", batch: 2, seq: 8, warmup: 1, steps: 3 }
const failure = (s: BenchCase.CaseSpec) => Effect.runSync(Effect.flip(BenchCase.validate(s)))

describe("BenchCase", () => {
  it("accepts a valid spec and names it", () => {
    expect(Effect.runSync(BenchCase.validate(spec))).toEqual(spec)
    expect(BenchCase.label(spec, { phase: "addrop", layers: "all" })).toBe("wasm tiny B=2 L=8 addrop(all)")
  })

  it("rejects unknown presets and backends, non-positive counts, too long sequences, odd widths", () => {
    expect(failure({ ...spec, preset: "huge" as "tiny" }).option).toBe("preset")
    expect(failure({ ...spec, backend: "tpu" as "wasm" }).option).toBe("backend")
    expect(failure({ ...spec, batch: 0 }).option).toBe("batch")
    expect(failure({ ...spec, steps: 1.5 }).option).toBe("steps")
    expect(failure({ ...spec, seq: 513 }).message).toMatch(/512 positions/)
    expect(failure({ ...spec, vocabSize: 1 }).option).toBe("vocabSize")
    expect(failure({ ...spec, modelOverrides: { hiddenSize: 33 } }).message).toMatch(
      /divisible by the 2 heads/
    )
  })

  it("threads: 1–8 or auto, wasm only, and named in the label", () => {
    expect(Effect.runSync(BenchCase.validate({ ...spec, threads: "auto" })).threads).toBe("auto")
    expect(BenchCase.label({ ...spec, threads: 2 })).toBe("wasm tiny B=2 L=8 threads=2")
    expect(failure({ ...spec, threads: 0 }).option).toBe("threads")
    expect(failure({ ...spec, threads: 9 }).message).toMatch(/at most 8 threads/)
    expect(failure({ ...spec, backend: "cpu", threads: 2 }).message).toMatch(/only the wasm backend/)
  })

  it("applies overrides to the preset", () => {
    const config = BenchCase.modelConfig({ ...spec, vocabSize: 64, modelOverrides: { hiddenSize: 32 } })
    expect([config.vocabSize, config.hiddenSize, config.numHiddenLayers]).toEqual([64, 32, 2])
    expect(BenchCase.layerIndices("all", 3)).toEqual([0, 1, 2])
    expect(BenchCase.layerIndices("0", 3)).toEqual([0])
  })
})

describe("Bench", () => {
  it("expands presets × backends with defaults and validates them", () => {
    const specs = Effect.runSync(
      Bench.specs({ presets: ["tiny", "base"], backends: ["cpu", "wasm"], steps: 2 })
    )
    expect(specs.map((s) => `${s.preset}/${s.backend}/${s.batch}x${s.seq}/${s.steps}`)).toEqual([
      "tiny/cpu/16x128/2",
      "tiny/wasm/16x128/2",
      "base/cpu/8x128/2",
      "base/wasm/8x128/2"
    ])
    expect(
      Effect.runSync(Effect.flip(Bench.specs({ presets: ["tiny"], backends: ["wasm"], batch: -1 }))).option
    ).toBe("batch")
  })

  it("gives threads to the wasm cases only", () => {
    const specs = Effect.runSync(Bench.specs({ presets: ["tiny"], backends: ["cpu", "wasm"], threads: 2 }))
    expect(specs.map((s) => [s.backend, s.threads])).toEqual([
      ["cpu", undefined],
      ["wasm", 2]
    ])
  })
})

describe("Stats", () => {
  it("medians of odd and even counts", () => {
    expect(Stats.median([3, 1, 2])).toBe(2)
    expect(Stats.median([4, 1, 3, 2])).toBe(2.5)
    expect(Stats.median([])).toBeNaN()
    expect(Stats.round(1.23456, 2)).toBe(1.23)
  })
})
