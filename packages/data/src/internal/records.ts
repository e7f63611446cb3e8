/**
 * Delimited records from lines. Without a quote character (GLUE's TSV files, read with QUOTE_NONE) a record
 * is one line split on the delimiter, quotes being ordinary text. With one (CSV, RFC 4180) a field that
 * starts with the quote runs to the next lone quote, `""` inside it stands for one quote, and it may span
 * lines; a quote inside an unquoted field is ordinary text.
 *
 * Bad quoting is reported at the line and column where it is found, and reading goes on after it: after a
 * stray character that follows a closing quote, with the next line; after a quoted field left open at the
 * end of the file, with the line after the one that opened it (those lines are read again), so that one
 * stray quote does not swallow the rest of the file.
 */
import type { Line } from "./lines.js"

export interface DelimitedRecord {
  readonly _tag: "Record"
  /** Line of the record's first character. */
  readonly line: number
  readonly fields: ReadonlyArray<string>
}

export interface RecordProblem {
  readonly _tag: "Problem"
  readonly line: number
  readonly column?: number | undefined
  readonly reason: string
}

export type RecordItem = DelimitedRecord | RecordProblem

export interface RecordOptions {
  readonly delimiter: string
  readonly quote: string | null
}

/** Incremental RFC 4180 parsing, one line at a time. */
class QuotedParser {
  private fields: Array<string> = []
  private field = ""
  private quoted = false // inside a quoted field
  private closed = false // a quoted field has just closed
  private lines: Array<Line & { readonly text: string }> = []
  private openIndex = 0 // in `lines`, the line that opened the quoted field
  private openColumn = 0

  constructor(
    private readonly delimiter: string,
    private readonly quote: string
  ) {}

  /** Whether a record is in progress (a quoted field spans lines). */
  get open(): boolean {
    return this.lines.length > 0
  }

  private reset(): void {
    this.fields = []
    this.field = ""
    this.quoted = false
    this.closed = false
    this.lines = []
  }

  /** The record (or problem) this line completes, if any. */
  feed(current: Line & { readonly text: string }): RecordItem | undefined {
    const { line, text } = current
    this.lines.push(current)
    for (let c = 0; c < text.length; c++) {
      const ch = text[c]!
      if (this.quoted) {
        if (ch === this.quote) {
          if (text[c + 1] === this.quote) {
            this.field += this.quote
            c++
          } else {
            this.quoted = false
            this.closed = true
          }
        } else this.field += ch
      } else if (ch === this.delimiter) {
        this.fields.push(this.field)
        this.field = ""
        this.closed = false
      } else if (this.closed) {
        this.reset()
        return {
          _tag: "Problem",
          line,
          column: c + 1,
          reason: `unexpected ${JSON.stringify(ch)} after a closing quote`
        }
      } else if (ch === this.quote && this.field === "") {
        this.quoted = true
        this.openIndex = this.lines.length - 1
        this.openColumn = c + 1
      } else this.field += ch
    }
    if (this.quoted) {
      this.field += "\n"
      return undefined
    }
    this.fields.push(this.field)
    const record: RecordItem = { _tag: "Record", line: this.lines[0]!.line, fields: this.fields }
    this.reset()
    return record
  }

  /** At the end of the input: the problem of a field never closed, and the lines to read again after it. */
  unterminated(): {
    readonly problem: RecordProblem
    readonly replay: ReadonlyArray<Line & { readonly text: string }>
  } {
    const opened = this.lines[this.openIndex]!
    const problem: RecordProblem = {
      _tag: "Problem",
      line: opened.line,
      column: this.openColumn,
      reason: "a quoted field is never closed"
    }
    const replay = this.lines.slice(this.openIndex + 1)
    this.reset()
    return { problem, replay }
  }
}

/**
 * Records (and problems) from a stream of lines. Empty lines between records are not records. Lines that are
 * not valid UTF-8 are problems.
 */
export async function* readRecords(
  lines: AsyncIterable<Line>,
  options: RecordOptions
): AsyncGenerator<RecordItem> {
  const invalid = (line: number): RecordProblem => ({
    _tag: "Problem",
    line,
    reason: "the line is not valid UTF-8"
  })
  if (options.quote === null) {
    for await (const { line, text } of lines) {
      if (text === undefined) yield invalid(line)
      else if (text !== "") yield { _tag: "Record", line, fields: text.split(options.delimiter) }
    }
    return
  }
  const parser = new QuotedParser(options.delimiter, options.quote)
  const feed = (current: Line & { readonly text: string }): RecordItem | undefined =>
    !parser.open && current.text === "" ? undefined : parser.feed(current)
  for await (const current of lines) {
    if (current.text === undefined) {
      // Also ends a record in progress: it cannot be read.
      if (parser.open) parser.unterminated()
      yield invalid(current.line)
      continue
    }
    const item = feed(current as Line & { readonly text: string })
    if (item !== undefined) yield item
  }
  while (parser.open) {
    const { problem, replay } = parser.unterminated()
    yield problem
    for (const current of replay) {
      const item = feed(current)
      if (item !== undefined) yield item
    }
  }
}
