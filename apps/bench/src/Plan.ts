/**
 * What a benchmark invocation measures: configurations (a preset at a batch shape, on some tfjs
 * backends, tfjs and the PyTorch reference each at some thread counts), whole-run comparisons and the
 * matmul throughput that gives the step times their context.
 */
import type { BackendName } from "@addrop/backends"
import type { Presets } from "@addrop/models"

/**
 * A thread count both engines run at: a number, or `"all"` for every core of the machine (tfjs wasm's
 * `threads: "auto"`, PyTorch's `torch.set_num_threads(nproc)`).
 */
export type Threads = number | "all"

export interface StepConfig {
  readonly preset: Presets.PresetName
  readonly batch: number
  readonly seq: number
  readonly warmup: number
  readonly steps: number
  readonly backends: ReadonlyArray<BackendName.BackendName>
  /**
   * Thread counts of tfjs and of PyTorch. tfjs' wasm backend runs each in its own fresh processes (its
   * pool size is fixed per process); the other tfjs backends run one thread and are measured once.
   */
  readonly threads: ReadonlyArray<Threads>
}

export interface RunConfig {
  readonly preset: Presets.PresetName
  readonly backend: BackendName.BackendName
  readonly batch: number
  readonly seq: number
  readonly epochs: number
  readonly stepsPerEpoch: number
}

/** `apps/bench/src/matmul.ts`: a square float32 matmul on wasm, one process per thread count. */
export interface MatmulConfig {
  readonly size: number
  readonly rounds: number
  readonly threads: ReadonlyArray<Threads>
}

export interface Plan {
  readonly name: string
  readonly steps: ReadonlyArray<StepConfig>
  readonly runs: ReadonlyArray<RunConfig>
  readonly matmul?: MatmulConfig | undefined
}

/**
 * The thread settings tfjs runs a configuration's backend at: all of the plan's on wasm (the only tfjs
 * backend with a pool), one thread on the others.
 */
export const tfjsThreads = (config: StepConfig, backend: BackendName.BackendName): ReadonlyArray<Threads> =>
  backend === "wasm" ? config.threads : [1]

const bothThreads: ReadonlyArray<Threads> = [1, "all"]

const tiny16x128: StepConfig = {
  preset: "tiny",
  batch: 16,
  seq: 128,
  warmup: 1,
  steps: 5,
  backends: ["wasm"],
  threads: bothThreads
}

const mini16x128: StepConfig = {
  preset: "mini",
  batch: 16,
  seq: 128,
  warmup: 1,
  steps: 3,
  backends: ["wasm"],
  threads: bothThreads
}

const matmul512: MatmulConfig = { size: 512, rounds: 3, threads: bothThreads }

const tinyRun: RunConfig = { preset: "tiny", backend: "wasm", batch: 8, seq: 64, epochs: 2, stepsPerEpoch: 4 }

/**
 * The full benchmark behind BENCHMARKS.md (well over an hour on a 2-core machine, most of it BERT-base
 * at two thread counts): tiny and mini at 16 × 128 and BERT-base at 8 × 128 on wasm with 1 and all
 * threads; tiny at 8 × 64 on the pure-JavaScript cpu backend beside wasm (mini and base take minutes per
 * step there); whole runs of tiny on wasm and cpu.
 */
export const full: Plan = {
  name: "full",
  steps: [
    { ...tiny16x128, warmup: 2, steps: 7 },
    {
      preset: "tiny",
      batch: 8,
      seq: 64,
      warmup: 1,
      steps: 3,
      backends: ["cpu", "wasm"],
      threads: bothThreads
    },
    { ...mini16x128, steps: 5 },
    { preset: "base", batch: 8, seq: 128, warmup: 1, steps: 3, backends: ["wasm"], threads: bothThreads }
  ],
  runs: [
    { preset: "tiny", backend: "wasm", batch: 16, seq: 128, epochs: 2, stepsPerEpoch: 8 },
    { preset: "tiny", backend: "cpu", batch: 8, seq: 64, epochs: 2, stepsPerEpoch: 3 }
  ],
  matmul: matmul512
}

/** Tiny 16 × 128 only, on wasm, with 1 and all threads: a few minutes (9 on 2 shared cores at load 10–24). */
export const quick: Plan = {
  name: "quick",
  steps: [tiny16x128],
  runs: [tinyRun],
  matmul: matmul512
}

/** Tiny and mini at 16 × 128 without BERT-base (24 minutes on 2 shared cores at load 8–35). */
export const tinyMini: Plan = {
  name: "tiny-mini",
  steps: [tiny16x128, mini16x128],
  runs: [tinyRun],
  matmul: matmul512
}

export const plans: Readonly<Record<string, Plan>> = { full, quick, "tiny-mini": tinyMini }

/** What the command line narrows a plan to; unset keeps the plan's own. */
export interface Selection {
  readonly presets?: ReadonlyArray<string> | undefined
  readonly backends?: ReadonlyArray<string> | undefined
  /** Replaces the thread settings of every configuration and of the matmul. */
  readonly threads?: ReadonlyArray<Threads> | undefined
  /** False drops the whole runs. */
  readonly runs?: boolean | undefined
  /** False drops the matmul. */
  readonly matmul?: boolean | undefined
}

/**
 * A plan narrowed to the selected presets and backends (configurations left without a backend are
 * dropped), with the selected thread settings.
 *
 * @example
 * ```ts
 * const baseOnly = select(full, { presets: ["base"], threads: [1], runs: false })
 * ```
 */
export const select = (plan: Plan, selection: Selection): Plan => {
  const { presets, backends, threads } = selection
  const keeps = (xs: ReadonlyArray<string> | undefined, x: string) => xs === undefined || xs.includes(x)
  return {
    name: plan.name,
    steps: plan.steps
      .filter((s) => keeps(presets, s.preset))
      .map((s) => ({
        ...s,
        backends: s.backends.filter((b) => keeps(backends, b)),
        threads: threads ?? s.threads
      }))
      .filter((s) => s.backends.length > 0),
    runs:
      selection.runs === false
        ? []
        : plan.runs.filter((r) => keeps(presets, r.preset) && keeps(backends, r.backend)),
    matmul:
      selection.matmul === false || plan.matmul === undefined
        ? undefined
        : { ...plan.matmul, threads: threads ?? plan.matmul.threads }
  }
}

/** `--threads 1,all`: thread counts (positive integers) or `all`; throws on anything else. */
export const parseThreads = (text: string): Array<Threads> =>
  text.split(",").map((item) => {
    const t = item.trim()
    if (t === "all") return "all"
    const n = Number(t)
    if (t === "" || !Number.isSafeInteger(n) || n < 1)
      throw new Error(`--threads: expected positive counts or "all", got "${item}"`)
    return n
  })
