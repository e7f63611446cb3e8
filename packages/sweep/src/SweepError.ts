/**
 * Failures of a sweep, each with what a user needs to act on it.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A sweep spec (a JSON file or the sweep flags) that is malformed: an unknown key, a value of the wrong
 * kind, an empty list or a bad seed range.
 *
 * @example
 * ```ts
 * new InvalidSpec({ field: "seeds", value: "3-1", reason: "a range must go up, e.g. 1-3" })
 * ```
 * @since 0.1.0
 * @category errors
 */
export class InvalidSpec extends Data.TaggedError("InvalidSpec")<{
  readonly field: string
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    const shown = typeof this.value === "string" ? this.value : JSON.stringify(this.value)
    return `sweep spec ${this.field}${shown === undefined ? "" : ` ${shown}`}: ${this.reason}`
  }
}

/**
 * The Redis server behind `--queue` cannot be reached (or does not answer in time).
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueUnreachable extends Data.TaggedError("QueueUnreachable")<{
  readonly url: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot reach the job queue at ${this.url} (${this.reason}); start Redis there (e.g. redis-server --port PORT) or fix --queue`
  }
}

/**
 * A `--queue` value that is not a `redis://host:port` URL.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidQueueUrl extends Data.TaggedError("InvalidQueueUrl")<{
  readonly url: string
}> {
  override get message(): string {
    return `--queue ${this.url}: expected redis://host:port (or rediss:// for TLS)`
  }
}

/**
 * A job that failed (after the executor's retries); its run folder keeps the logs and checkpoint, so
 * re-running the sweep resumes it.
 *
 * @since 0.1.0
 * @category errors
 */
export class JobFailed extends Data.TaggedError("JobFailed")<{
  readonly id: string
  readonly reason: string
}> {
  override get message(): string {
    return `job ${this.id} failed: ${this.reason}`
  }
}

/**
 * The sweep folder cannot be written or read.
 *
 * @since 0.1.0
 * @category errors
 */
export class SweepIoError extends Data.TaggedError("SweepIoError")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.path}: ${this.reason}`
  }
}
