/**
 * Typed failures of a benchmark.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A benchmark option outside its domain (an unknown preset or backend, a non-positive batch…).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidBenchOption extends Data.TaggedError("InvalidBenchOption")<{
  readonly option: string
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid bench option ${this.option} = ${JSON.stringify(this.value)}: ${this.reason}`
  }
}

/**
 * A measurement failed: in its child process (which crashed, ran out of memory, or could not start the
 * backend) or in this one. `detail` holds the error, or the tail of the child's stderr.
 *
 * @since 0.1.0
 * @category errors
 */
export class MeasurementFailed extends Data.TaggedError("MeasurementFailed")<{
  /** What was being measured, e.g. `wasm tiny B=8 L=64 addrop(all)`. */
  readonly what: string
  /** The child's exit code or signal, when it exited. */
  readonly exit?: string | undefined
  readonly detail: string
}> {
  override get message(): string {
    const exit = this.exit === undefined ? "" : ` (${this.exit})`
    return `Benchmark ${this.what} failed${exit}: ${this.detail}`
  }
}
