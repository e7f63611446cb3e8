import type { Bench } from "@addrop/bench"
import { describe, expect, it } from "vitest"
import * as Plan from "../src/Plan.js"
import * as Report from "../src/Report.js"
import type { TorchKind } from "../src/Torch.js"

/** A tfjs case of a plain step `ftMs` and an AD-Drop step `adMs`, every other field consistent with them. */
const tfjs = (
  backend: "wasm" | "cpu",
  threads: number | "auto",
  layers: "0" | "all",
  ftMs: number,
  adMs: number
): Bench.CaseResult => ({
  preset: "tiny",
  backend,
  threads,
  runtime: "node 20",
  batch: 16,
  seq: 128,
  layers,
  ftMs,
  adMs,
  ratio: adMs / ftMs,
  peakRssMb: 600,
  tensorsLeakedPerStep: 0,
  ftPeakRssMb: 580,
  memRatio: 600 / 580,
  attributionMs: 150,
  maskMs: 10,
  restMs: adMs - ftMs - 160,
  warmup: 1,
  steps: 3,
  vocabSize: 30522
})

/** PyTorch at a thread setting with the given medians (null: that kind has no timing). */
const torch = (
  setting: Plan.Threads,
  threads: number,
  ms: Readonly<Record<TorchKind, number>>
): Report.TorchColumn => ({
  setting,
  threads,
  torch: "1.13",
  timings: {
    ft: { samplesMs: [ms.ft], medianMs: ms.ft },
    "addrop:0": { samplesMs: [ms["addrop:0"]], medianMs: ms["addrop:0"] },
    "addrop:all": { samplesMs: [ms["addrop:all"]], medianMs: ms["addrop:all"] }
  },
  peakRssMb: { ft: 300, "addrop:0": 310, "addrop:all": 320 }
})

const config: Plan.StepConfig = {
  preset: "tiny",
  batch: 16,
  seq: 128,
  warmup: 1,
  steps: 3,
  backends: ["wasm"],
  threads: [1, "all"]
}

// PyTorch is faster with 2 threads on the plain step and with 1 thread on both AD-Drop steps, so "best"
// must be chosen per kind of step.
const step: Report.StepResults = {
  config,
  // Listed "all" first: the report must order columns by thread count, not by arrival.
  tfjs: [
    tfjs("wasm", "auto", "0", 240, 360),
    tfjs("wasm", "auto", "all", 240, 420),
    tfjs("wasm", 1, "0", 400, 600),
    tfjs("wasm", 1, "all", 400, 640)
  ],
  torch: [
    torch(1, 1, { ft: 100, "addrop:0": 150, "addrop:all": 170 }),
    torch("all", 2, { ft: 80, "addrop:0": 160, "addrop:all": 190 })
  ],
  load: { before: 1.5, after: 2.25 }
}

const results: Report.Results = {
  date: "2026-01-01",
  plan: "quick",
  command: "npm run bench -w @addrop/bench-app -- --plan quick",
  machine: {
    nproc: 2,
    cores: 2,
    cpu: "AMD EPYC",
    memoryGb: 23,
    os: "Debian",
    node: "20",
    tfjs: "4.22.0",
    python: "3.11",
    torch: "1.13"
  },
  load: { start: [1.5, 1, 0.5], end: [2.25, 1.5, 0.75] },
  steps: [step],
  runs: [
    {
      config: { preset: "tiny", backend: "wasm", batch: 8, seq: 64, epochs: 2, stepsPerEpoch: 4 },
      result: { epochs: 2, stepsPerEpoch: 4, layers: "all", plainS: 10, crossS: 12, ratio: 1.2 }
    }
  ],
  matmul: [
    { size: 512, requested: 1, threads: 1, keptGflops: 28.5, disposedGflops: 2.5, checksum: -4.5 },
    { size: 512, requested: "all", threads: 2, keptGflops: 45.25, disposedGflops: 2.75, checksum: -4.5 }
  ]
}

describe("best of PyTorch", () => {
  it("takes the faster thread count per kind of step", () => {
    expect(Report.torchBest(step.torch, "ft")).toEqual({ threads: 2, ms: 80 })
    expect(Report.torchBest(step.torch, "addrop:0")).toEqual({ threads: 1, ms: 150 })
    expect(Report.torchBest(step.torch, "addrop:all")).toEqual({ threads: 1, ms: 170 })
  })

  it("passes over a thread count that failed and is null when none ran", () => {
    const failed: Report.TorchColumn = { setting: 1, threads: 1, error: "no torch" }
    expect(Report.torchBest([failed, step.torch[1]!], "addrop:0")).toEqual({ threads: 2, ms: 160 })
    expect(Report.torchBest([failed], "ft")).toBeNull()
  })
})

describe("comparison rows", () => {
  const rows = Report.comparisonRows(step)

  it("has the plain and both AD-Drop steps, tfjs and PyTorch columns ordered by thread count", () => {
    expect(rows.map((r) => r.kind)).toEqual(["ft", "addrop:0", "addrop:all"])
    expect(rows[0]!.tfjs).toEqual([
      { setting: 1, ms: 400 },
      { setting: "all", ms: 240 }
    ])
    expect(rows[2]!.torch).toEqual([
      { setting: 1, threads: 1, ms: 170 },
      { setting: "all", threads: 2, ms: 190 }
    ])
  })

  it("divides tfjs with all threads by PyTorch at its best", () => {
    expect(rows.map((r) => r.tfjsMost)).toEqual([
      { setting: "all", ms: 240 },
      { setting: "all", ms: 360 },
      { setting: "all", ms: 420 }
    ])
    expect(rows[0]!.tfjsOverTorchBest).toBeCloseTo(240 / 80, 12)
    expect(rows[1]!.tfjsOverTorchBest).toBeCloseTo(360 / 150, 12)
    expect(rows[2]!.tfjsOverTorchBest).toBeCloseTo(420 / 170, 12)
  })

  it("uses the one thread of a backend without a pool, and leaves a failed tfjs case without a ratio", () => {
    const cpu: Report.StepResults = {
      config: { ...config, backends: ["cpu", "wasm"] },
      tfjs: [
        tfjs("cpu", 1, "0", 8000, 12000),
        tfjs("cpu", 1, "all", 8000, 13000),
        { ...tfjs("wasm", "auto", "0", 1, 1), ftMs: null, adMs: null, error: "crashed" },
        { ...tfjs("wasm", "auto", "all", 1, 1), ftMs: null, adMs: null, error: "crashed" },
        tfjs("wasm", 1, "0", 400, 600),
        tfjs("wasm", 1, "all", 400, 640)
      ],
      torch: step.torch
    }
    const cpuRows = Report.comparisonRows(cpu)
    const cpuFt = cpuRows.find((r) => r.backend === "cpu" && r.kind === "ft")!
    expect(cpuFt.tfjs).toEqual([{ setting: 1, ms: 8000 }])
    expect(cpuFt.tfjsOverTorchBest).toBeCloseTo(8000 / 80, 12)
    const wasmFt = cpuRows.find((r) => r.backend === "wasm" && r.kind === "ft")!
    expect(wasmFt.tfjsMost).toEqual({ setting: "all", ms: null })
    expect(wasmFt.tfjsOverTorchBest).toBeNull()
  })
})

describe("AD-Drop ÷ plain per column", () => {
  const [layer0, all] = Report.adOverFtRows(step)

  it("divides each column's AD-Drop step by the same column's plain step", () => {
    expect(layer0!.kind).toBe("addrop:0")
    expect(layer0!.tfjs).toEqual([
      { setting: 1, ratio: 600 / 400 },
      { setting: "all", ratio: 360 / 240 }
    ])
    expect(layer0!.torch).toEqual([
      { setting: 1, ratio: 150 / 100 },
      { setting: "all", ratio: 160 / 80 }
    ])
    expect(all!.tfjs.map((c) => c.ratio)).toEqual([640 / 400, 420 / 240])
  })

  it("divides PyTorch's best AD-Drop step by its best plain step, each at its own thread count", () => {
    expect(layer0!.torchBest).toBeCloseTo(150 / 80, 12)
    expect(all!.torchBest).toBeCloseTo(170 / 80, 12)
  })
})

describe("case lines", () => {
  it("carry PyTorch per thread count and at its best with the tfjs ÷ PyTorch ratios", () => {
    const line = Report.caseLine(step, step.tfjs[0]!)
    expect(line.torch.threads2).toEqual({
      ftMs: 80,
      adMs: 160,
      ratio: 2,
      tfjsOverTorchFt: 3,
      tfjsOverTorchAd: 2.25
    })
    expect(line.torchBest).toEqual({
      ftThreads: 2,
      adThreads: 1,
      tfjsOverTorchFt: 3,
      tfjsOverTorchAd: 2.4
    })
  })
})

describe("markdown", () => {
  const md = Report.markdown(results)

  it("is one generated section with the load averages", () => {
    expect(md.startsWith(Report.START)).toBe(true)
    expect(md.endsWith(Report.END)).toBe(true)
    expect(md).toContain("1.50 / 1.00 / 0.50 at the start, 2.25 / 1.50 / 0.75 at the end")
  })

  it("lists every tfjs case with its thread count, step ratio, leaks and load", () => {
    expect(md).toContain("| tiny | wasm | 1 | 16×128 | all | 400 | 640 | 1.60 |")
    expect(md).toContain("| tiny | wasm | all (2) | 16×128 | 0 | 240 | 360 | 1.50 |")
    expect(md).toContain("| 0 | 1.5 → 2.3 |")
  })

  it("puts tfjs and PyTorch side by side with PyTorch's best and the verdict on the ≤ 2.0 target", () => {
    expect(md).toContain(
      "| tfjs 1 thread ms | tfjs all (2) threads ms | PyTorch 1 thread ms | PyTorch all (2) threads ms | PyTorch best ms (threads) |"
    )
    expect(md).toContain("| tiny | 16×128 | FT | wasm | 400 | 240 | 100 | 80 | 80 (2) | 3.00 | not met |")
    expect(md).toContain(
      "| tiny | 16×128 | AD-Drop, GA on layer 0 | wasm | 600 | 360 | 150 | 160 | 150 (1) | 2.40 | not met |"
    )
  })

  it("says met where tfjs is within 2× of PyTorch's best", () => {
    const fast = { ...step, tfjs: step.tfjs.map((r) => (r.threads === "auto" ? { ...r, ftMs: 160 } : r)) }
    expect(Report.markdown({ ...results, steps: [fast] })).toContain("| 80 (2) | 2.00 | met |")
  })

  it("has the AD ÷ FT table per column, the whole runs and the matmul throughput", () => {
    expect(md).toContain("| tiny | 16×128 | 0 | wasm | 1.50 | 1.50 | 1.50 | 2.00 | 1.88 |")
    expect(md).toContain("| tiny | wasm | 8×64 | 2 × 4 | 10.0 | 12.0 | 1.20 |")
    expect(md).toContain("| 512 | all | 2 | 45.3 | 2.8 | -4.5 | — |")
  })
})

describe("plans", () => {
  it("run tfjs wasm and PyTorch at 1 and all threads, other tfjs backends at one", () => {
    for (const plan of Object.values(Plan.plans))
      for (const s of plan.steps) expect(s.threads).toEqual([1, "all"])
    expect(Plan.tfjsThreads(config, "wasm")).toEqual([1, "all"])
    expect(Plan.tfjsThreads(config, "cpu")).toEqual([1])
  })

  it("quick is tiny only, tiny-mini leaves BERT-base out, full has BERT-base at 8 × 128", () => {
    const shapes = (plan: Plan.Plan) => plan.steps.map((s) => `${s.preset} ${s.batch}×${s.seq}`)
    expect(shapes(Plan.quick)).toEqual(["tiny 16×128"])
    expect(shapes(Plan.tinyMini)).toEqual(["tiny 16×128", "mini 16×128"])
    expect(shapes(Plan.full)).toContain("base 8×128")
    expect(Plan.plans["tiny-mini"]).toBe(Plan.tinyMini)
  })
})

describe("plan selection", () => {
  it("narrows to presets and backends, replaces the thread settings and drops what is switched off", () => {
    const base = Plan.select(Plan.full, { presets: ["base"], threads: [1], runs: false })
    expect(base.steps.map((s) => [s.preset, s.threads])).toEqual([["base", [1]]])
    expect(base.runs).toEqual([])
    expect(base.matmul?.threads).toEqual([1])
    const cpu = Plan.select(Plan.full, { backends: ["cpu"], matmul: false })
    expect(cpu.steps.map((s) => `${s.preset} ${s.batch}×${s.seq} ${s.backends.join(",")}`)).toEqual([
      "tiny 8×64 cpu"
    ])
    expect(cpu.runs.map((r) => r.backend)).toEqual(["cpu"])
    expect(cpu.matmul).toBeUndefined()
    expect(Plan.select(Plan.quick, {})).toEqual(Plan.quick)
  })

  it("parses thread counts and all, and rejects anything else", () => {
    expect(Plan.parseThreads("1,all,4")).toEqual([1, "all", 4])
    for (const bad of ["0", "1.5", "two", "1,", "-2"])
      expect(() => Plan.parseThreads(bad)).toThrow(/--threads/)
  })
})

it("replaces only the generated section of BENCHMARKS.md", () => {
  const document = `# Benchmarks\n\nprose\n\n${Report.START}\nold\n${Report.END}\n\nmore prose\n`
  const updated = Report.replaceSection(document, `${Report.START}\nnew\n${Report.END}`)
  expect(updated).toBe(`# Benchmarks\n\nprose\n\n${Report.START}\nnew\n${Report.END}\n\nmore prose\n`)
  expect(Report.replaceSection("# B\n", "S")).toBe("# B\n\nS\n")
})
