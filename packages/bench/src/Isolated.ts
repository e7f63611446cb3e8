/**
 * Runs each measurement in a fresh child process, so that one case's memory peak, allocator growth and
 * compiled kernels never affect another's, and a case that crashes (the wasm heap's 4 GiB limit, say)
 * fails alone with its stderr.
 *
 * The child is this runtime (`process.execPath`) with this process's flags (`process.execArgv`), so a
 * parent started from TypeScript sources with `--import tsx` starts its children the same way. Results
 * come back over the IPC channel; the children's stdout (tfjs' console notices) is discarded.
 *
 * @since 0.1.0
 */
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { type CaseSpec, label, type StepKind } from "./BenchCase.js"
import { MeasurementFailed } from "./BenchError.js"
import type { ChildRequest, ChildResponse } from "./internal/protocol.js"
import type { RunComparison, RunSpec } from "./RunBench.js"
import type { MeasureOptions, StepMemory, StepTiming } from "./StepBench.js"

const childEntry = (): string => {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js"
  return fileURLToPath(new URL(`./internal/child${extension}`, import.meta.url))
}

const STDERR_TAIL = 4000

/** Sends one request to a fresh child and waits for its single answer. */
const request = <A>(what: string, message: ChildRequest): Effect.Effect<A, MeasurementFailed> =>
  Effect.callback<A, MeasurementFailed>((resume) => {
    const child = fork(childEntry(), [], {
      execArgv: process.execArgv.filter((flag) => !flag.startsWith("--inspect")),
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json"
    })
    let stderr = ""
    let answered = false
    child.stderr?.setEncoding("utf8")
    child.stderr?.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL)
    })
    child.on("message", (raw) => {
      const response = raw as ChildResponse
      answered = true
      child.disconnect()
      if (response.ok) resume(Effect.succeed(response.value as A))
      else resume(Effect.fail(new MeasurementFailed({ what, detail: response.error })))
    })
    child.on("error", (error) => {
      if (answered) return
      answered = true
      resume(Effect.fail(new MeasurementFailed({ what, detail: `could not start: ${error.message}` })))
    })
    child.on("exit", (code, signal) => {
      if (answered) return
      answered = true
      resume(
        Effect.fail(
          new MeasurementFailed({
            what,
            exit: signal === null ? `exit code ${code}` : `signal ${signal}`,
            detail: stderr.trim() === "" ? "the child exited without a result" : stderr.trim()
          })
        )
      )
    })
    child.send(message)
    return Effect.sync(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
  })

/**
 * {@link StepBench.measureTimes} in a fresh child process on the spec's backend.
 *
 * @example
 * ```ts
 * import { Isolated } from "@addrop/bench"
 * const [ft, ad] = yield* Isolated.measureTimes(spec, [{ phase: "ft" }, { phase: "addrop", layers: "0" }])
 * ```
 * @since 0.1.0
 * @category measuring
 */
export const measureTimes = (
  spec: CaseSpec,
  kinds: ReadonlyArray<StepKind>,
  options: Pick<MeasureOptions, "breakdownSamples"> = {}
): Effect.Effect<Array<StepTiming>, MeasurementFailed> =>
  request(`${label(spec)} timings`, {
    type: "times",
    spec,
    kinds,
    breakdownSamples: options.breakdownSamples
  })

/**
 * {@link StepBench.measureMemory} in a fresh child process on the spec's backend.
 *
 * @since 0.1.0
 * @category measuring
 */
export const measureMemory = (
  spec: CaseSpec,
  kind: StepKind,
  steps?: number
): Effect.Effect<StepMemory, MeasurementFailed> =>
  request(`${label(spec, kind)} memory`, { type: "memory", spec, kind, steps })

/**
 * {@link RunBench.compare} in a fresh child process on the spec's backend.
 *
 * @since 0.1.0
 * @category measuring
 */
export const compareRuns = (spec: RunSpec): Effect.Effect<RunComparison, MeasurementFailed> =>
  request(`${label(spec)} whole runs`, { type: "runs", spec })
