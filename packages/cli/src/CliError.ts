/**
 * Failures the CLI reports as one line.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A flag or config-file value that is missing, malformed or out of range.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOption extends Data.TaggedError("InvalidOption")<{
  readonly option: string
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    const shown = typeof this.value === "string" ? this.value : JSON.stringify(this.value)
    return `--${this.option} ${shown ?? ""}: ${this.reason}`.replace(/ +:/, ":")
  }
}

/**
 * A file or folder the command needs does not exist or cannot be used.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingInput extends Data.TaggedError("MissingInput")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.path}: ${this.reason}`
  }
}

/**
 * What a command reports when it fails: the one line printed before exiting with status 1.
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}
