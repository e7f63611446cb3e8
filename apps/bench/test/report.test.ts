import { expect, it } from "vitest"
import * as Report from "../src/Report.js"

const tfjs = (layers: "0" | "all", adMs: number) => ({
  preset: "tiny" as const,
  backend: "wasm" as const,
  threads: 1,
  runtime: "node 20",
  batch: 8,
  seq: 64,
  layers,
  ftMs: 400,
  adMs,
  ratio: adMs / 400,
  peakRssMb: 600,
  tensorsLeakedPerStep: 0,
  ftPeakRssMb: 580,
  memRatio: 600 / 580,
  attributionMs: 150,
  maskMs: 10,
  restMs: adMs - 560,
  warmup: 1,
  steps: 3,
  vocabSize: 30522
})

const results: Report.Results = {
  date: "2026-01-01",
  plan: "quick",
  command: "npm run bench -w @addrop/bench-app -- --plan quick",
  machine: {
    nproc: 2,
    cpu: "AMD EPYC",
    memoryGb: 23,
    os: "Debian",
    node: "20",
    tfjs: "4.22.0",
    python: "3.11",
    torch: "1.13"
  },
  steps: [
    {
      config: {
        preset: "tiny",
        batch: 8,
        seq: 64,
        warmup: 1,
        steps: 3,
        backends: ["wasm"],
        torchThreads: [1]
      },
      tfjs: [tfjs("0", 600), tfjs("all", 640)],
      torch: [
        {
          threads: 1,
          torch: "1.13",
          timings: {
            ft: { samplesMs: [100], medianMs: 100 },
            "addrop:0": { samplesMs: [150], medianMs: 150 },
            "addrop:all": { samplesMs: [160], medianMs: 160 }
          },
          peakRssMb: { ft: 300, "addrop:0": 310, "addrop:all": 320 }
        }
      ]
    }
  ],
  runs: [
    {
      config: { preset: "tiny", backend: "wasm", batch: 8, seq: 64, epochs: 2, stepsPerEpoch: 4 },
      result: { epochs: 2, stepsPerEpoch: 4, layers: "all", plainS: 10, crossS: 12, ratio: 1.2 }
    }
  ]
}

it("each case line carries the PyTorch medians and the tfjs ÷ PyTorch ratios", () => {
  const line = Report.caseLine(results.steps[0]!, results.steps[0]!.tfjs[1]!)
  expect(line.torch.threads1).toEqual({
    ftMs: 100,
    adMs: 160,
    ratio: 1.6,
    tfjsOverTorchFt: 4,
    tfjsOverTorchAd: 4
  })
})

it("the tables list every case, the PyTorch comparison and the whole runs", () => {
  const md = Report.markdown(results)
  expect(md.startsWith(Report.START)).toBe(true)
  expect(md.endsWith(Report.END)).toBe(true)
  expect(md).toContain("| tiny | wasm | 8×64 | all | 400 | 640 | 1.60 |")
  expect(md).toContain("| tiny | 8×64 | FT | wasm | 400 | 100 | 4.00 |")
  expect(md).toContain("| tiny | wasm | 8×64 | 2 × 4 | 10.0 | 12.0 | 1.20 |")
})

it("replaces only the generated section of BENCHMARKS.md", () => {
  const document = `# Benchmarks\n\nprose\n\n${Report.START}\nold\n${Report.END}\n\nmore prose\n`
  const updated = Report.replaceSection(document, `${Report.START}\nnew\n${Report.END}`)
  expect(updated).toBe(`# Benchmarks\n\nprose\n\n${Report.START}\nnew\n${Report.END}\n\nmore prose\n`)
  expect(Report.replaceSection("# B\n", "S")).toBe("# B\n\nS\n")
})
