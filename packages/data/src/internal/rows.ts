/**
 * The row reader behind the generic loader and the GLUE tasks: layout detection, label validation, and the
 * fail-or-skip policy for bad rows.
 */
import { Effect, Result, Stream } from "effect"
import {
  DataFileError,
  EmptyFile,
  InvalidDataOption,
  InvalidRegressionTarget,
  type LoadError,
  MalformedRow,
  MissingColumns,
  type RowError,
  UnknownLabel
} from "../DataError.js"
import type {
  Columns,
  Example,
  Format,
  LabelSpec,
  Layout,
  LoadResult,
  OnBadRow,
  Row,
  SkippedRow,
  Source
} from "../Dataset.js"
import { readLines } from "./lines.js"
import { type RecordItem, readRecords } from "./records.js"

/** What the row reader needs, resolved from a {@link Source} or a task. */
export interface Plan {
  readonly format: Format
  readonly layouts: ReadonlyArray<
    Layout | { readonly header: false; readonly width: "first"; readonly columns: Columns }
  >
  readonly jsonColumns?: Columns | undefined
  readonly labels: LabelSpec
  readonly quote: string | null
  readonly onBadRow: OnBadRow
}

type LabelParser = (raw: string) => number | string

/** Returns the label value, or the reason it is invalid (a string). */
const labelParser = (labels: LabelSpec): LabelParser | InvalidDataOption => {
  if (labels.kind === "regression") {
    const { min, max } = labels
    if ((min !== undefined && !Number.isFinite(min)) || (max !== undefined && !Number.isFinite(max))) {
      return new InvalidDataOption({ reason: "regression bounds must be finite numbers" })
    }
    return (raw) => {
      const text = raw.trim()
      // Number() alone would read "" as 0 and accept "0x10" or "Infinity".
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return "is not a number"
      const value = Number(text)
      if (!Number.isFinite(value)) return "is not a finite number"
      if (min !== undefined && value < min) return `is below the minimum ${min}`
      if (max !== undefined && value > max) return `is above the maximum ${max}`
      return value
    }
  }
  const { names } = labels
  if (names.length === 0)
    return new InvalidDataOption({ reason: "a classification task needs at least one label name" })
  const map = new Map<string, number>(
    Object.entries(labels.map ?? Object.fromEntries(names.map((n, i) => [n, i])))
  )
  for (const [raw, id] of map) {
    if (!Number.isInteger(id) || id < 0 || id >= names.length) {
      return new InvalidDataOption({
        reason: `label map sends "${raw}" to ${id}, not an id in [0, ${names.length})`
      })
    }
  }
  return (raw) => map.get(raw.trim()) ?? `unknown`
}

/** The accepted raw label values, for error messages. */
const accepted = (labels: LabelSpec): ReadonlyArray<string> =>
  labels.kind === "classification"
    ? Object.keys(labels.map ?? Object.fromEntries(labels.names.map((n) => [n, 0])))
    : []

/** Resolves a generic {@link Source}. */
export const planOf = (source: Source): Plan | InvalidDataOption => {
  const { columns } = source
  const onBadRow = source.onBadRow ?? "fail"
  if (source.format === "jsonl") {
    for (const key of [columns.text, columns.textPair, columns.label]) {
      if (typeof key === "number")
        return new InvalidDataOption({ reason: "JSON Lines columns are keys, not indices" })
    }
    return {
      format: "jsonl",
      layouts: [],
      jsonColumns: columns,
      labels: source.labels,
      quote: null,
      onBadRow
    }
  }
  const header = source.header ?? true
  const names = [columns.text, columns.textPair, columns.label].filter((c) => c !== undefined)
  if (header && !names.every((c) => typeof c === "string")) {
    return new InvalidDataOption({
      reason: "with a header, columns are names; give indices with header: false"
    })
  }
  if (!header && !names.every((c) => typeof c === "number" && Number.isInteger(c) && c >= 0)) {
    return new InvalidDataOption({ reason: "without a header, columns are 0-based indices" })
  }
  const layout = header
    ? {
        header: true as const,
        text: columns.text as string,
        textPair: columns.textPair as string | undefined,
        label: columns.label as string
      }
    : { header: false as const, width: "first" as const, columns }
  const quote = source.quote === undefined ? (source.format === "csv" ? '"' : null) : source.quote
  if (quote !== null && quote.length !== 1)
    return new InvalidDataOption({ reason: "quote must be one character" })
  return { format: source.format, layouts: [layout], labels: source.labels, quote, onBadRow }
}

interface Resolved {
  readonly width: number
  readonly text: number
  readonly textPair: number | undefined
  readonly label: number
}

/** Matches the first record to a layout; a header record is consumed. */
const resolve = (
  plan: Plan,
  fields: ReadonlyArray<string>
):
  | { readonly resolved: Resolved; readonly consumed: boolean }
  | { readonly missing: ReadonlyArray<string> }
  | undefined => {
  let missing: ReadonlyArray<string> | undefined
  for (const layout of plan.layouts) {
    if (layout.header) {
      const names = fields.map((f) => f.trim())
      const wanted = [layout.text, layout.textPair, layout.label].filter((c) => c !== undefined)
      const absent = wanted.filter((w) => !names.includes(w))
      if (absent.length === 0) {
        const index = (name: string) => names.indexOf(name)
        return {
          resolved: {
            width: fields.length,
            text: index(layout.text),
            textPair: layout.textPair === undefined ? undefined : index(layout.textPair),
            label: index(layout.label)
          },
          consumed: true
        }
      }
      missing ??= absent
    } else if ("columns" in layout) {
      const { text, textPair, label } = layout.columns as { text: number; textPair?: number; label: number }
      const needed = Math.max(text, textPair ?? 0, label) + 1
      if (fields.length >= needed) {
        return { resolved: { width: fields.length, text, textPair, label }, consumed: false }
      }
    } else if (fields.length === layout.width) {
      return {
        resolved: { width: layout.width, text: layout.text, textPair: layout.textPair, label: layout.label },
        consumed: false
      }
    }
  }
  return missing === undefined ? undefined : { missing }
}

const widthsOf = (plan: Plan): string =>
  plan.layouts
    .flatMap((l) => {
      if (l.header) return []
      if (l.width !== "first") return [String(l.width)]
      const { text, textPair, label } = l.columns as { text: number; textPair?: number; label: number }
      return [`at least ${Math.max(text, textPair ?? 0, label) + 1}`]
    })
    .join(" or ")

/** The rows of a file, as an async generator that throws {@link LoadError}s. */
async function* rowsOf(file: string, plan: Plan): AsyncGenerator<Row> {
  const parse = labelParser(plan.labels)
  if (typeof parse !== "function") throw parse
  const expected = accepted(plan.labels)
  const skip = plan.onBadRow === "skip"
  let index = 0
  let dataRows = 0
  let anyRecord = false

  const bad = function* (error: RowError): Generator<Row> {
    if (!skip) throw error
    yield { _tag: "Skipped", skipped: { line: error.line, reason: error.message, error } }
  }

  const example = function* (
    line: number,
    text: unknown,
    textPair: unknown,
    rawLabel: unknown,
    labelColumn: number
  ): Generator<Row> {
    dataRows++
    if (typeof text !== "string")
      return yield* bad(new MalformedRow({ file, line, reason: "the text is not a string" }))
    if (textPair !== undefined && typeof textPair !== "string") {
      return yield* bad(new MalformedRow({ file, line, reason: "the second text is not a string" }))
    }
    const raw =
      typeof rawLabel === "string"
        ? rawLabel
        : typeof rawLabel === "number" || typeof rawLabel === "boolean"
          ? String(rawLabel)
          : undefined
    if (raw === undefined) {
      return yield* bad(
        new MalformedRow({ file, line, reason: `the label ${JSON.stringify(rawLabel)} is not a value` })
      )
    }
    const label = parse(raw)
    if (typeof label === "string") {
      return yield* bad(
        plan.labels.kind === "classification"
          ? new UnknownLabel({ file, line, column: labelColumn, value: raw, expected })
          : new InvalidRegressionTarget({ file, line, column: labelColumn, value: raw, reason: label })
      )
    }
    yield { _tag: "Example", example: { index: index++, line, text, textPair, label } }
  }

  if (plan.format === "jsonl") {
    const columns = plan.jsonColumns!
    for await (const { line, text } of readLines(file)) {
      if (text === undefined) {
        anyRecord = true
        dataRows++
        yield* bad(new MalformedRow({ file, line, reason: "the line is not valid UTF-8" }))
        continue
      }
      if (text.trim() === "") continue
      anyRecord = true
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (e) {
        dataRows++
        yield* bad(
          new MalformedRow({
            file,
            line,
            reason: `invalid JSON: ${e instanceof Error ? e.message : String(e)}`
          })
        )
        continue
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        dataRows++
        yield* bad(new MalformedRow({ file, line, reason: "the line is not a JSON object" }))
        continue
      }
      const record = value as Record<string, unknown>
      const absent = [columns.text, columns.textPair, columns.label].filter(
        (k): k is string => typeof k === "string" && !(k in record)
      )
      if (absent.length > 0) {
        dataRows++
        yield* bad(
          new MalformedRow({
            file,
            line,
            reason: `missing field(s) ${absent.map((k) => `"${k}"`).join(", ")}`
          })
        )
        continue
      }
      const pairKey = columns.textPair as string | undefined
      yield* example(
        line,
        record[columns.text as string],
        pairKey === undefined ? undefined : record[pairKey],
        record[columns.label as string],
        1
      )
    }
    if (!anyRecord) throw new EmptyFile({ file, reason: "it holds no JSON lines" })
    if (dataRows === 0) throw new EmptyFile({ file, reason: "it holds no rows" })
    return
  }

  const delimiter = plan.format === "tsv" ? "\t" : ","
  let layout: Resolved | undefined
  let headerLine: number | undefined
  for await (const item of readRecords(readLines(file), {
    delimiter,
    quote: plan.quote
  }) as AsyncIterable<RecordItem>) {
    anyRecord = true
    if (item._tag === "Problem") {
      dataRows++
      yield* bad(new MalformedRow({ file, line: item.line, column: item.column, reason: item.reason }))
      continue
    }
    const { line, fields } = item
    if (layout === undefined) {
      const found = resolve(plan, fields)
      if (found === undefined || "missing" in found) {
        if (plan.layouts.every((l) => l.header)) {
          throw new MissingColumns({ file, line, missing: found?.missing ?? [], found: fields })
        }
        // A headerless first row of an unexpected width: a bad row (skippable) until one fits.
        dataRows++
        const orHeader = found === undefined ? "" : ` (or a header naming ${found.missing.join(", ")})`
        yield* bad(
          new MalformedRow({
            file,
            line,
            reason: `expected ${widthsOf(plan)} columns${orHeader}, found ${fields.length}`
          })
        )
        continue
      }
      layout = found.resolved
      if (found.consumed) {
        headerLine = line
        continue
      }
    }
    if (fields.length !== layout.width) {
      dataRows++
      yield* bad(
        new MalformedRow({ file, line, reason: `expected ${layout.width} columns, found ${fields.length}` })
      )
      continue
    }
    yield* example(
      line,
      fields[layout.text],
      layout.textPair === undefined ? undefined : fields[layout.textPair],
      fields[layout.label],
      layout.label + 1
    )
  }
  if (!anyRecord) throw new EmptyFile({ file, reason: "it is empty" })
  if (dataRows === 0) {
    throw new EmptyFile({
      file,
      reason: headerLine === undefined ? "it holds no rows" : "it holds only a header"
    })
  }
}

const isLoadError = (u: unknown): u is LoadError =>
  typeof u === "object" &&
  u !== null &&
  "_tag" in u &&
  [
    "DataFileError",
    "EmptyFile",
    "MissingColumns",
    "MalformedRow",
    "UnknownLabel",
    "InvalidRegressionTarget",
    "InvalidDataOption"
  ].includes((u as { _tag: string })._tag)

/** The rows of a file under a resolved plan, as a stream. */
export const streamPlan = (file: string, plan: Plan | InvalidDataOption): Stream.Stream<Row, LoadError> =>
  plan instanceof InvalidDataOption
    ? Stream.fail(plan)
    : Stream.suspend(() =>
        Stream.fromAsyncIterable(rowsOf(file, plan), (e) =>
          isLoadError(e) ? e : new DataFileError({ file, reason: e instanceof Error ? e.message : String(e) })
        )
      )

/** Collects a row stream into a {@link LoadResult}. */
export const collect = (
  file: string,
  labels: LabelSpec,
  rows: Stream.Stream<Row, LoadError>
): Effect.Effect<LoadResult, LoadError> =>
  Effect.map(
    Stream.runFold(
      rows,
      () => ({ examples: [] as Array<Example>, skipped: [] as Array<SkippedRow> }),
      (acc, row) => {
        if (row._tag === "Example") acc.examples.push(row.example)
        else acc.skipped.push(row.skipped)
        return acc
      }
    ),
    ({ examples, skipped }) => ({ file, labels, examples, skipped })
  )

/** The examples of a row stream, skipped rows left out. */
export const examplesOf = <E>(rows: Stream.Stream<Row, E>): Stream.Stream<Example, E> =>
  Stream.filterMap(rows, (row) => (row._tag === "Example" ? Result.succeed(row.example) : Result.fail(row)))
