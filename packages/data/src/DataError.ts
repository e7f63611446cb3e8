/**
 * Typed failures of loading, validating, sampling and batching data. Every row-level error names the file
 * and the 1-based line (and the 1-based column where one is at fault).
 *
 * @since 0.1.0
 */
import { Data } from "effect"

// Message getters tolerate absent fields: Bun's Error constructor reads `message` before the fields are set.
const quoted = (values: ReadonlyArray<string> | undefined): string =>
  (values ?? []).map((v) => `"${v}"`).join(", ")

const at = (file: string, line: number, column?: number): string =>
  column === undefined ? `${file}:${line}` : `${file}:${line}, column ${column}`

/**
 * The file cannot be opened or read.
 *
 * @since 0.1.0
 * @category errors
 */
export class DataFileError extends Data.TaggedError("DataFileError")<{
  readonly file: string
  readonly reason: string
}> {
  override get message(): string {
    return `Cannot read ${this.file}: ${this.reason}`
  }
}

/**
 * The file has no data rows (it is empty, blank, or holds only a header).
 *
 * @since 0.1.0
 * @category errors
 */
export class EmptyFile extends Data.TaggedError("EmptyFile")<{
  readonly file: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.file} has no data rows: ${this.reason}`
  }
}

/**
 * The header (or, for a file without one, the first row) lacks columns the task needs.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingColumns extends Data.TaggedError("MissingColumns")<{
  readonly file: string
  readonly line: number
  readonly missing: ReadonlyArray<string>
  readonly found: ReadonlyArray<string>
}> {
  override get message(): string {
    return `${at(this.file, this.line)}: missing column(s) ${quoted(this.missing)}; found ${quoted(this.found)}`
  }
}

/**
 * A row that cannot be read: a wrong number of columns, bad quoting, invalid UTF-8 or JSON, a missing field.
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedRow extends Data.TaggedError("MalformedRow")<{
  readonly file: string
  readonly line: number
  readonly column?: number | undefined
  readonly reason: string
}> {
  override get message(): string {
    return `${at(this.file, this.line, this.column)}: ${this.reason}`
  }
}

/**
 * A classification label that is not in the task's label set.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownLabel extends Data.TaggedError("UnknownLabel")<{
  readonly file: string
  readonly line: number
  readonly column: number
  readonly value: string
  readonly expected: ReadonlyArray<string>
}> {
  override get message(): string {
    return `${at(this.file, this.line, this.column)}: unknown label "${this.value}"; expected one of ${quoted(this.expected)}`
  }
}

/**
 * A regression target that is not a finite number, or lies outside the task's range.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRegressionTarget extends Data.TaggedError("InvalidRegressionTarget")<{
  readonly file: string
  readonly line: number
  readonly column: number
  readonly value: string
  readonly reason: string
}> {
  override get message(): string {
    return `${at(this.file, this.line, this.column)}: regression target "${this.value}" ${this.reason}`
  }
}

/**
 * Options that cannot be honoured: a batch size below 1, a seed that is not a non-negative integer, a label
 * map whose ids fall outside the label names, a stratified sample of a regression task, labels asked of a
 * dataset read without them.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidDataOption extends Data.TaggedError("InvalidDataOption")<{
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid data option: ${this.reason}`
  }
}

/**
 * A class has fewer examples than a stratified sample asks for.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotEnoughExamples extends Data.TaggedError("NotEnoughExamples")<{
  readonly label: string
  readonly available: number
  readonly requested: number
}> {
  override get message(): string {
    return `Class "${this.label}" has ${this.available} examples, fewer than the ${this.requested} requested`
  }
}

/**
 * The tokenizer failed on a batch (for example a `maxLength` too small for its special tokens), or returned
 * rows of unequal length.
 *
 * @since 0.1.0
 * @category errors
 */
export class BatchEncodeFailed extends Data.TaggedError("BatchEncodeFailed")<{
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `Batch encoding failed: ${this.reason}`
  }
}

/**
 * An error about one row: in `onBadRow: "skip"` mode these are counted instead of raised.
 *
 * @since 0.1.0
 * @category errors
 */
export type RowError = MalformedRow | UnknownLabel | InvalidRegressionTarget

/**
 * Any failure of reading a data file.
 *
 * @since 0.1.0
 * @category errors
 */
export type LoadError = DataFileError | EmptyFile | MissingColumns | RowError | InvalidDataOption
