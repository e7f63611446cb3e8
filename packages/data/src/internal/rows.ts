/**
 * The row reader behind the generic loader and the GLUE tasks: layout detection, label validation (or, read
 * without labels, id validation), and the fail-or-skip policy for bad rows.
 */
import { Effect, FileSystem, Result, Stream } from "effect"
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
  Example,
  Format,
  LabelSpec,
  LoadResult,
  NoLabels,
  OnBadRow,
  Row,
  SkippedRow,
  Source,
  UnlabelledExample,
  UnlabelledLoadResult,
  UnlabelledSource
} from "../Dataset.js"
import { CHUNK, type Line, linesOf } from "./lines.js"
import { type RecordItem, readRecords } from "./records.js"

/**
 * A header layout: the named columns must all be in the header; `label` is read only with labels; `id` (a
 * required column) or `ids` (the first present, if any) is read only without labels.
 */
interface HeaderLayout {
  readonly header: true
  readonly text: string
  readonly textPair?: string | undefined
  readonly label?: string | undefined
  readonly id?: string | undefined
  readonly ids?: ReadonlyArray<string> | undefined
}

/** A headerless layout: exactly `width` columns, or (`width` undefined) as many as the first row has. */
interface IndexLayout {
  readonly header: false
  readonly width: number | undefined
  readonly text: number
  readonly textPair?: number | undefined
  readonly label?: number | undefined
  readonly id?: number | undefined
}

/** What the row reader needs, resolved from a {@link Source}, an {@link UnlabelledSource} or a task. */
export interface Plan {
  readonly format: Format
  readonly layouts: ReadonlyArray<HeaderLayout | IndexLayout>
  readonly jsonColumns?:
    | {
        readonly text: string
        readonly textPair?: string | undefined
        readonly label?: string | undefined
        readonly id?: string | undefined
      }
    | undefined
  readonly labels: LabelSpec | NoLabels
  readonly quote: string | null
  readonly onBadRow: OnBadRow
}

type LabelParser = (raw: string) => number | string

/** Returns the label value, or the reason it is invalid (a string). */
const labelParser = (labels: LabelSpec | NoLabels): LabelParser | InvalidDataOption | undefined => {
  if (labels.kind === "none") return undefined
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
  if (labels.kind !== "classification") {
    return new InvalidDataOption({
      reason: `unknown label kind ${JSON.stringify((labels as LabelSpec).kind)}`
    })
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
const accepted = (labels: LabelSpec | NoLabels): ReadonlyArray<string> =>
  labels.kind === "classification"
    ? Object.keys(labels.map ?? Object.fromEntries(labels.names.map((n) => [n, 0])))
    : []

/** Resolves a generic {@link Source} or {@link UnlabelledSource}. */
export const planOf = (source: Source | UnlabelledSource): Plan | InvalidDataOption => {
  const onBadRow = source.onBadRow ?? "fail"
  const labelled = source.labels.kind !== "none"
  const { text, textPair } = source.columns
  const label = "label" in source.columns && labelled ? source.columns.label : undefined
  const id = "id" in source.columns && !labelled ? source.columns.id : undefined
  if (labelled && label === undefined) {
    return new InvalidDataOption({ reason: "columns.label is required with labels" })
  }
  const keys = [text, textPair, label, id].filter((c) => c !== undefined)
  if (source.format === "jsonl") {
    if (!keys.every((k) => typeof k === "string")) {
      return new InvalidDataOption({ reason: "JSON Lines columns are keys, not indices" })
    }
    return {
      format: "jsonl",
      layouts: [],
      jsonColumns: {
        text: text as string,
        textPair: textPair as string | undefined,
        label: label as string | undefined,
        id: id as string | undefined
      },
      labels: source.labels,
      quote: null,
      onBadRow
    }
  }
  const header = source.header ?? true
  if (header && !keys.every((c) => typeof c === "string")) {
    return new InvalidDataOption({
      reason: "with a header, columns are names; give indices with header: false"
    })
  }
  if (!header && !keys.every((c) => typeof c === "number" && Number.isInteger(c) && c >= 0)) {
    return new InvalidDataOption({ reason: "without a header, columns are 0-based indices" })
  }
  const layout: HeaderLayout | IndexLayout = header
    ? {
        header: true,
        text: text as string,
        textPair: textPair as string | undefined,
        label: label as string | undefined,
        id: id as string | undefined
      }
    : {
        header: false,
        width: undefined,
        text: text as number,
        textPair: textPair as number | undefined,
        label: label as number | undefined,
        id: id as number | undefined
      }
  const quote = source.quote === undefined ? (source.format === "csv" ? '"' : null) : source.quote
  if (quote !== null && quote.length !== 1)
    return new InvalidDataOption({ reason: "quote must be one character" })
  return { format: source.format, layouts: [layout], labels: source.labels, quote, onBadRow }
}

interface Resolved {
  readonly width: number
  readonly text: number
  readonly textPair: number | undefined
  readonly label: number | undefined
  readonly id: number | undefined
}

const neededWidth = (layout: IndexLayout): number =>
  Math.max(layout.text, layout.textPair ?? 0, layout.label ?? 0, layout.id ?? 0) + 1

/** Matches the first record to a layout; a header record is consumed. */
const resolve = (
  plan: Plan,
  fields: ReadonlyArray<string>
):
  | { readonly resolved: Resolved; readonly consumed: boolean }
  | { readonly missing: ReadonlyArray<string> }
  | undefined => {
  const labelled = plan.labels.kind !== "none"
  let missing: ReadonlyArray<string> | undefined
  for (const layout of plan.layouts) {
    if (layout.header) {
      const names = fields.map((f) => f.trim())
      const label = labelled ? layout.label : undefined
      const id = labelled ? undefined : layout.id
      const wanted = [layout.text, layout.textPair, label, id].filter((c) => c !== undefined)
      const absent = wanted.filter((w) => !names.includes(w))
      if (absent.length === 0) {
        const index = (name: string | undefined) => (name === undefined ? undefined : names.indexOf(name))
        const optionalId = labelled ? undefined : layout.ids?.find((name) => names.includes(name))
        return {
          resolved: {
            width: fields.length,
            text: names.indexOf(layout.text),
            textPair: index(layout.textPair),
            label: index(label),
            id: index(id ?? optionalId)
          },
          consumed: true
        }
      }
      missing ??= absent
    } else {
      const fits =
        layout.width === undefined ? fields.length >= neededWidth(layout) : fields.length === layout.width
      if (fits) {
        return {
          resolved: {
            width: fields.length,
            text: layout.text,
            textPair: layout.textPair,
            label: labelled ? layout.label : undefined,
            id: labelled ? undefined : layout.id
          },
          consumed: false
        }
      }
    }
  }
  return missing === undefined ? undefined : { missing }
}

const widthsOf = (plan: Plan): string =>
  plan.layouts
    .flatMap((l) => {
      if (l.header) return []
      if (l.width !== undefined) return [String(l.width)]
      return [`at least ${neededWidth(l)}`]
    })
    .join(" or ")

/** The raw values of one row: the label (with labels) or the id (without), with their 1-based columns. */
interface RawRow {
  readonly line: number
  readonly text: unknown
  readonly textPair: unknown
  readonly label?: { readonly value: unknown; readonly column: number } | undefined
  readonly id?: { readonly value: unknown; readonly column: number | undefined } | undefined
}

/** A JSON value or field as label or id text: strings as they are, numbers and booleans as their text. */
const scalarText = (value: unknown, booleans: boolean): string | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "number" || (booleans && typeof value === "boolean")
      ? String(value)
      : undefined

/** The rows of a file's lines, as an async generator that throws {@link LoadError}s. */
async function* rowsOf(
  file: string,
  plan: Plan,
  lines: AsyncIterable<Line>
): AsyncGenerator<Row<Example | UnlabelledExample>> {
  const parse = labelParser(plan.labels)
  if (parse instanceof InvalidDataOption) throw parse
  const expected = accepted(plan.labels)
  const skip = plan.onBadRow === "skip"
  /** Without labels: where each id was first seen. */
  const seen = new Map<string, number>()
  let index = 0
  let dataRows = 0
  let anyRecord = false

  const bad = function* (error: RowError): Generator<Row<never>> {
    if (!skip) throw error
    yield { _tag: "Skipped", skipped: { line: error.line, reason: error.message, error } }
  }

  const example = function* (row: RawRow): Generator<Row<Example | UnlabelledExample>> {
    const { line, text, textPair } = row
    const rowNumber = dataRows++
    if (typeof text !== "string")
      return yield* bad(new MalformedRow({ file, line, reason: "the text is not a string" }))
    if (textPair !== undefined && typeof textPair !== "string") {
      return yield* bad(new MalformedRow({ file, line, reason: "the second text is not a string" }))
    }
    if (parse === undefined) {
      let id = String(rowNumber)
      if (row.id !== undefined) {
        const { value, column } = row.id
        const raw = scalarText(value, false)?.trim()
        if (raw === undefined || raw === "") {
          const reason =
            raw === undefined
              ? `the id ${JSON.stringify(value)} is not a string or number`
              : "the id is empty"
          return yield* bad(new MalformedRow({ file, line, column, reason }))
        }
        const first = seen.get(raw)
        if (first !== undefined) {
          return yield* bad(
            new MalformedRow({ file, line, column, reason: `duplicate id "${raw}" (first on line ${first})` })
          )
        }
        seen.set(raw, line)
        id = raw
      }
      return yield { _tag: "Example", example: { index: index++, line, id, text, textPair } }
    }
    if (row.label === undefined) {
      throw new InvalidDataOption({ reason: "the layout has no label column" })
    }
    const { value: rawLabel, column: labelColumn } = row.label
    const raw = scalarText(rawLabel, true)
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
    for await (const { line, text } of lines) {
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
      const absent = [columns.text, columns.textPair, columns.label, columns.id].filter(
        (k): k is string => k !== undefined && !(k in record)
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
      yield* example({
        line,
        text: record[columns.text],
        textPair: columns.textPair === undefined ? undefined : record[columns.textPair],
        label: columns.label === undefined ? undefined : { value: record[columns.label], column: 1 },
        id: columns.id === undefined ? undefined : { value: record[columns.id], column: undefined }
      })
    }
    if (!anyRecord) throw new EmptyFile({ file, reason: "it holds no JSON lines" })
    if (dataRows === 0) throw new EmptyFile({ file, reason: "it holds no rows" })
    return
  }

  const delimiter = plan.format === "tsv" ? "\t" : ","
  let layout: Resolved | undefined
  let headerLine: number | undefined
  for await (const item of readRecords(lines, {
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
    yield* example({
      line,
      text: fields[layout.text],
      textPair: layout.textPair === undefined ? undefined : fields[layout.textPair],
      label:
        layout.label === undefined ? undefined : { value: fields[layout.label], column: layout.label + 1 },
      id: layout.id === undefined ? undefined : { value: fields[layout.id], column: layout.id + 1 }
    })
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

/**
 * The rows of a file's bytes under a resolved plan, as a stream: {@link Example}s with labels, and
 * {@link UnlabelledExample}s without (callers narrow the type to the plan's). `file` names the source in errors;
 * a failure to read the bytes is a {@link DataFileError}.
 */
export const streamPlanOfBytes = (
  file: string,
  plan: Plan | InvalidDataOption,
  chunks: () => AsyncIterable<Uint8Array>
): Stream.Stream<Row<Example | UnlabelledExample>, LoadError> =>
  plan instanceof InvalidDataOption
    ? Stream.fail(plan)
    : Stream.suspend(() =>
        Stream.fromAsyncIterable(rowsOf(file, plan, linesOf(chunks())), (e) =>
          isLoadError(e) ? e : new DataFileError({ file, reason: e instanceof Error ? e.message : String(e) })
        )
      )

/**
 * The rows of a file under a resolved plan, read through the `FileSystem` service in 64 KiB chunks (never
 * the whole file); see {@link streamPlanOfBytes}.
 */
export const streamPlan = (
  file: string,
  plan: Plan | InvalidDataOption
): Stream.Stream<Row<Example | UnlabelledExample>, LoadError, FileSystem.FileSystem> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      // The file stream runs with this fiber's services; its reads (and the handle's close) stay inside
      // Effect, and the row parser pulls them one chunk at a time.
      const chunks = yield* Stream.toAsyncIterableEffect(fs.stream(file, { chunkSize: CHUNK }))
      return streamPlanOfBytes(file, plan, () => chunks)
    })
  )

/** Collects a row stream into a load result. */
export const collect = <R extends LoadResult | UnlabelledLoadResult, Services = never>(
  file: string,
  labels: R["labels"],
  rows: Stream.Stream<Row<R["examples"][number]>, LoadError, Services>
): Effect.Effect<R, LoadError, Services> =>
  Effect.map(
    Stream.runFold(
      rows,
      () => ({ examples: [] as Array<R["examples"][number]>, skipped: [] as Array<SkippedRow> }),
      (acc, row) => {
        if (row._tag === "Example") acc.examples.push(row.example)
        else acc.skipped.push(row.skipped)
        return acc
      }
    ),
    ({ examples, skipped }) => ({ file, labels, examples, skipped }) as unknown as R
  )

/** The examples of a row stream, skipped rows left out. */
export const examplesOf = <A, E, Services>(
  rows: Stream.Stream<Row<A>, E, Services>
): Stream.Stream<A, E, Services> =>
  Stream.filterMap(rows, (row) => (row._tag === "Example" ? Result.succeed(row.example) : Result.fail(row)))
