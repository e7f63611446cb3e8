/**
 * The matmul throughput of tfjs wasm at each thread setting, for the report: runs `matmul.ts` in a fresh
 * process per setting (a pool's size is fixed per process) with this process's runtime and flags, and
 * reads its JSON line.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { MatmulConfig, Threads } from "./Plan.js"
import type { LoadSpan } from "./Report.js"

export const script = fileURLToPath(new URL("./matmul.ts", import.meta.url))

export interface MatmulResult {
  readonly size: number
  /** What the plan asked for (`"all"`: `threads: "auto"`). */
  readonly requested: Threads
  /** The pool the backend started. */
  readonly threads?: number | undefined
  readonly keptGflops?: number | undefined
  readonly disposedGflops?: number | undefined
  readonly keptRounds?: ReadonlyArray<number> | undefined
  readonly disposedRounds?: ReadonlyArray<number> | undefined
  readonly checksum?: number | undefined
  readonly load?: LoadSpan | undefined
  readonly error?: string | undefined
}

/** One setting's measurement; a failure is returned in `error`, not raised. */
export const measure = (
  config: MatmulConfig,
  requested: Threads,
  load: () => number
): Effect.Effect<MatmulResult> =>
  Effect.callback<MatmulResult>((resume) => {
    const before = load()
    const threads = requested === "all" ? "auto" : String(requested)
    const child = execFile(
      process.execPath,
      [...process.execArgv, script, String(config.size), threads, String(config.rounds)],
      { encoding: "utf8", maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        const span = { before, after: load() }
        const last = stdout.trim().split("\n").pop() ?? ""
        if (error !== null) {
          resume(
            Effect.succeed({
              size: config.size,
              requested,
              load: span,
              error: `${error.message.split("\n")[0]}: ${stderr.trim().slice(-500)}`
            })
          )
          return
        }
        try {
          const parsed = JSON.parse(last) as Omit<MatmulResult, "requested" | "load">
          resume(Effect.succeed({ ...parsed, size: config.size, requested, load: span }))
        } catch {
          resume(
            Effect.succeed({ size: config.size, requested, load: span, error: `unexpected output: ${last}` })
          )
        }
      }
    )
    return Effect.sync(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
  })
