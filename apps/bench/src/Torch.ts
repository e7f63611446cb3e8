/**
 * The PyTorch reference (python/torch_bench.py), run with the same shapes, optimizer, batch and sequence
 * as the tfjs cases: one process times the three step kinds in interleaved rounds, then one fresh process
 * per kind measures its peak memory.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { StepConfig } from "./Plan.js"

export const script = fileURLToPath(new URL("../python/torch_bench.py", import.meta.url))

export type TorchKind = "ft" | "addrop:0" | "addrop:all"
export const kinds: ReadonlyArray<TorchKind> = ["ft", "addrop:0", "addrop:all"]

export interface TorchTiming {
  readonly samplesMs: ReadonlyArray<number>
  readonly medianMs: number
  readonly attributionMs?: number
  readonly maskMs?: number
}

export interface TorchResult {
  readonly threads: number
  readonly torch?: string
  readonly timings?: Readonly<Record<TorchKind, TorchTiming>>
  readonly peakRssMb?: Readonly<Record<TorchKind, number | null>>
  readonly error?: string
}

const runPython = (python: string, args: ReadonlyArray<string>): Effect.Effect<unknown, Error> =>
  Effect.callback<unknown, Error>((resume) => {
    const child = execFile(
      python,
      [script, ...args],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, env: { ...process.env, OMP_NUM_THREADS: undefined } },
      (error, stdout, stderr) => {
        const last = stdout.trim().split("\n").pop() ?? ""
        if (error !== null) {
          resume(Effect.fail(new Error(`${error.message.split("\n")[0]}: ${stderr.trim().slice(-2000)}`)))
          return
        }
        try {
          const parsed = JSON.parse(last) as { error?: string }
          if (parsed.error !== undefined) resume(Effect.fail(new Error(parsed.error)))
          else resume(Effect.succeed(parsed))
        } catch {
          resume(Effect.fail(new Error(`unexpected output: ${last.slice(0, 500)}`)))
        }
      }
    )
    return Effect.sync(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
  })

/** The reference's timings and per-kind peak memory for one configuration at one thread count. */
export const measure = (python: string, config: StepConfig, threads: number): Effect.Effect<TorchResult> =>
  Effect.gen(function* () {
    const common = [
      `--preset=${config.preset}`,
      `--batch=${config.batch}`,
      `--seq=${config.seq}`,
      `--threads=${threads}`
    ]
    const times = (yield* runPython(python, [
      ...common,
      `--warmup=${config.warmup}`,
      `--steps=${config.steps}`,
      `--kinds=${kinds.join(",")}`
    ])) as { torch: string; kinds: Record<TorchKind, TorchTiming> }
    const peaks: Record<string, number | null> = {}
    for (const kind of kinds) {
      const memory = yield* Effect.result(runPython(python, [...common, `--memory=${kind}`]))
      peaks[kind] =
        memory._tag === "Success" ? ((memory.success as { peakRssMb: number }).peakRssMb ?? null) : null
    }
    return {
      threads,
      torch: times.torch,
      timings: times.kinds,
      peakRssMb: peaks as Record<TorchKind, number | null>
    } satisfies TorchResult
  }).pipe(Effect.catch((error) => Effect.succeed<TorchResult>({ threads, error: error.message })))
