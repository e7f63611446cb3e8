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

/**
 * A data file read as if it had a header, or with `--no-header` but its columns not named: the message shows
 * the first row, column by column, and the flags that read it.
 *
 * @since 0.1.0
 * @category errors
 */
export class HeaderlessFile extends Data.TaggedError("HeaderlessFile")<{
  readonly file: string
  /** What went wrong, as the loader or the flag check says it. */
  readonly reason: string
  readonly firstRow: ReadonlyArray<string>
  /** The flags to add, e.g. `--no-header --text-column 1 --label-column 0`. */
  readonly flags: string
}> {
  override get message(): string {
    const shown = (this.firstRow ?? []).map(
      (f, i) => `${i}=${JSON.stringify(f.length > 60 ? `${f.slice(0, 57)}...` : f)}`
    )
    const reason = (this.reason ?? "").startsWith(this.file) ? this.reason : `${this.file}: ${this.reason}`
    return `${reason}; first row: ${shown.join(" ")}; if it has no header, read it with ${this.flags}`
  }
}
