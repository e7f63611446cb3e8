/**
 * What a benchmark invocation measures: configurations (a preset at a batch shape, on some tfjs
 * backends, with the PyTorch reference at some thread counts) and whole-run comparisons.
 */
import type { BackendName } from "@addrop/backends"
import type { Presets } from "@addrop/models"

export interface StepConfig {
  readonly preset: Presets.PresetName
  readonly batch: number
  readonly seq: number
  readonly warmup: number
  readonly steps: number
  readonly backends: ReadonlyArray<BackendName.BackendName>
  /** PyTorch thread counts; 1 is like-for-like with tfjs (wasm in Node runs one thread). */
  readonly torchThreads: ReadonlyArray<number>
}

export interface RunConfig {
  readonly preset: Presets.PresetName
  readonly backend: BackendName.BackendName
  readonly batch: number
  readonly seq: number
  readonly epochs: number
  readonly stepsPerEpoch: number
}

export interface Plan {
  readonly name: string
  readonly steps: ReadonlyArray<StepConfig>
  readonly runs: ReadonlyArray<RunConfig>
}

/**
 * The full benchmark behind BENCHMARKS.md (about 75 minutes on a 2-core machine, most of it BERT-base): tiny and mini at
 * 16 × 128 and BERT-base at 8 × 128 on wasm; tiny at 8 × 64 on the pure-JavaScript cpu backend (mini
 * and base take minutes per step there); whole runs of tiny on wasm and cpu.
 */
export const full: Plan = {
  name: "full",
  steps: [
    { preset: "tiny", batch: 16, seq: 128, warmup: 2, steps: 7, backends: ["wasm"], torchThreads: [1, 2] },
    {
      preset: "tiny",
      batch: 8,
      seq: 64,
      warmup: 1,
      steps: 3,
      backends: ["cpu", "wasm"],
      torchThreads: [1, 2]
    },
    { preset: "mini", batch: 16, seq: 128, warmup: 1, steps: 5, backends: ["wasm"], torchThreads: [1, 2] },
    { preset: "base", batch: 8, seq: 128, warmup: 1, steps: 3, backends: ["wasm"], torchThreads: [1, 2] }
  ],
  runs: [
    { preset: "tiny", backend: "wasm", batch: 16, seq: 128, epochs: 2, stepsPerEpoch: 8 },
    { preset: "tiny", backend: "cpu", batch: 8, seq: 64, epochs: 2, stepsPerEpoch: 3 }
  ]
}

/** A few minutes: tiny only, on wasm. */
export const quick: Plan = {
  name: "quick",
  steps: [
    { preset: "tiny", batch: 8, seq: 64, warmup: 1, steps: 5, backends: ["wasm"], torchThreads: [1, 2] }
  ],
  runs: [{ preset: "tiny", backend: "wasm", batch: 8, seq: 64, epochs: 2, stepsPerEpoch: 4 }]
}

export const plans: Readonly<Record<string, Plan>> = { full, quick }
