/**
 * How the CLI reads a data file: in the GLUE task's own layout, or — for any TSV, CSV or JSON Lines file —
 * with `@addrop/data`'s generic loader and the columns named by `--text-column`, `--text-pair-column` and
 * `--label-column` (header names, JSON keys, or 0-based indices with `--no-header`). The task still decides
 * the label set, the model head and the metrics.
 *
 * @since 0.1.0
 */
import { closeSync, openSync, readSync } from "node:fs"
import { extname } from "node:path"
import { type Dataset, Glue, type LoadError } from "@addrop/data"
import { Effect } from "effect"
import { HeaderlessFile, InvalidOption } from "./CliError.js"

/**
 * The data flags: all undefined and `header` true means "the task's GLUE layout".
 *
 * @since 0.1.0
 * @category models
 */
export interface DataLayout {
  /** tsv, csv or jsonl; by default the file's extension tells. */
  readonly format: string | undefined
  readonly textColumn: string | undefined
  readonly textPairColumn: string | undefined
  readonly labelColumn: string | undefined
  /** False: the first row is data and columns are 0-based indices. */
  readonly header: boolean
}

/**
 * No data flags: GLUE files in the task's layout (other extensions still read generically).
 *
 * @since 0.1.0
 * @category constants
 */
export const glue: DataLayout = {
  format: undefined,
  textColumn: undefined,
  textPairColumn: undefined,
  labelColumn: undefined,
  header: true
}

/**
 * The formats `--format` takes.
 *
 * @since 0.1.0
 * @category constants
 */
export const formats: ReadonlyArray<Dataset.Format> = ["tsv", "csv", "jsonl"]

const byExtension: Readonly<Record<string, Dataset.Format>> = {
  ".tsv": "tsv",
  ".csv": "csv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl"
}

/**
 * The file extensions tried, in order, for `train.*` and `dev.*` in a `--data` folder without `--format`.
 *
 * @since 0.1.0
 * @category constants
 */
export const extensions = (format: string | undefined): ReadonlyArray<string> =>
  format === undefined ? ["tsv", "csv", "jsonl"] : [format]

const columnFlags = [
  ["textColumn", "text-column"],
  ["textPairColumn", "text-pair-column"],
  ["labelColumn", "label-column"]
] as const

/**
 * Checks the data flags on their own (before any file is read): a known format, no `--no-header` for JSON
 * Lines (its keys name the columns), and indices for columns without a header.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DataLayout } from "@addrop/cli"
 * // fails: --text-column sentence: without a header (--no-header), columns are 0-based indices …
 * const checked = DataLayout.validate({ ...DataLayout.glue, header: false, textColumn: "sentence" })
 * ```
 * @since 0.1.0
 * @category validation
 */
export const validate = (layout: DataLayout): Effect.Effect<DataLayout, InvalidOption> =>
  Effect.gen(function* () {
    if (layout.format !== undefined && !(formats as ReadonlyArray<string>).includes(layout.format)) {
      return yield* new InvalidOption({
        option: "format",
        value: layout.format,
        reason: `expected one of ${formats.join(", ")}`
      })
    }
    if (!layout.header && layout.format === "jsonl") {
      return yield* new InvalidOption({
        option: "header",
        value: false,
        reason: "JSON Lines has no header: its keys name the columns; drop --no-header"
      })
    }
    for (const [key, flag] of columnFlags) {
      const value = layout[key]
      if (value === undefined) continue
      if (value.trim() === "") return yield* new InvalidOption({ option: flag, value, reason: "is empty" })
      if (!layout.header && !/^\d+$/.test(value.trim())) {
        return yield* new InvalidOption({
          option: flag,
          value,
          reason: "without a header (--no-header), columns are 0-based indices such as 0 or 1"
        })
      }
    }
    return layout
  })

/**
 * Whether a file is read with the generic loader: any data flag is given, or its extension is not .tsv
 * (GLUE files are TSV).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isGeneric = (layout: DataLayout, file: string): boolean =>
  layout.format !== undefined ||
  layout.textColumn !== undefined ||
  layout.textPairColumn !== undefined ||
  layout.labelColumn !== undefined ||
  !layout.header ||
  (byExtension[extname(file).toLowerCase()] ?? "tsv") !== "tsv"

/**
 * The format of a file: `--format`, else its extension (.tsv, .csv, .jsonl, .ndjson).
 *
 * @since 0.1.0
 * @category constructors
 */
export const formatOf = (layout: DataLayout, file: string): Effect.Effect<Dataset.Format, InvalidOption> => {
  const format = (layout.format as Dataset.Format | undefined) ?? byExtension[extname(file).toLowerCase()]
  return format !== undefined
    ? Effect.succeed(format)
    : Effect.fail(
        new InvalidOption({
          option: "format",
          value: undefined,
          reason: `cannot tell the format of ${file} from its extension; add --format tsv, csv or jsonl`
        })
      )
}

/** The split of a first line, for messages only: tabs, or commas outside double quotes. */
const splitLine = (line: string, format: Dataset.Format): Array<string> => {
  if (format === "tsv") return line.split("\t")
  const fields: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '"' && quoted && line[i + 1] === '"') {
      field += '"'
      i++
    } else if (c === '"') quoted = !quoted
    else if (c === "," && !quoted) {
      fields.push(field)
      field = ""
    } else field += c
  }
  fields.push(field)
  return fields
}

/**
 * The fields of a delimited file's first non-empty line (read from its first 64 KiB), for messages; empty
 * when the file cannot be read.
 *
 * @since 0.1.0
 * @category messages
 */
export const firstRow = (file: string, format: Dataset.Format): ReadonlyArray<string> => {
  let fd: number | undefined
  try {
    fd = openSync(file, "r")
    const buffer = Buffer.alloc(64 * 1024)
    const n = readSync(fd, buffer, 0, buffer.length, 0)
    const line = buffer
      .subarray(0, n)
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)
      .find((l) => l.trim() !== "")
    return line === undefined ? [] : splitLine(line, format)
  } catch {
    return []
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const isLabelOf = (task: Glue.TaskName) => {
  const labels = Glue.tasks[task].labels
  if (labels.kind !== "classification") return (v: string) => v.trim() !== "" && Number.isFinite(Number(v))
  const accepted = new Set(labels.map === undefined ? labels.names : Object.keys(labels.map))
  return (v: string) => accepted.has(v.trim())
}

/**
 * The flags that read a headerless file whose first row is `fields`, guessed from it: the label column is the
 * first field that is one of the task's labels, the text columns the longest others (in file order). Without
 * a confident guess, the flags with `N` for the indices.
 *
 * @example
 * ```ts
 * import { DataLayout } from "@addrop/cli"
 * DataLayout.suggestFlags("sst2", ["1", "a gripping story"], { labelled: true })
 * // "--no-header --text-column 1 --label-column 0"
 * ```
 * @since 0.1.0
 * @category messages
 */
export const suggestFlags = (
  task: Glue.TaskName,
  fields: ReadonlyArray<string>,
  options: { readonly labelled: boolean }
): string => {
  const pair = Glue.tasks[task].pair
  const generic = `--no-header --text-column N${pair ? " --text-pair-column N" : ""}${options.labelled ? " --label-column N" : ""} (0-based column indices)`
  const isLabel = isLabelOf(task)
  const label = options.labelled ? fields.findIndex(isLabel) : -1
  if (options.labelled && label < 0) return generic
  const texts = fields
    .map((f, i) => ({ i, length: f.trim().length }))
    .filter(({ i, length }) => i !== label && length > 0)
    .sort((a, b) => b.length - a.length || a.i - b.i)
    .slice(0, pair ? 2 : 1)
    .map(({ i }) => i)
    .sort((a, b) => a - b)
  if (texts.length < (pair ? 2 : 1)) return generic
  return `--no-header --text-column ${texts[0]}${pair ? ` --text-pair-column ${texts[1]}` : ""}${options.labelled ? ` --label-column ${label}` : ""}`
}

const headerlessHint = (
  task: Glue.TaskName,
  file: string,
  reason: string,
  fields: ReadonlyArray<string>,
  labelled: boolean
) => new HeaderlessFile({ file, reason, firstRow: fields, flags: suggestFlags(task, fields, { labelled }) })

/**
 * The generic loader's description of a labelled file, or undefined for a GLUE file read in the task's
 * layout. Columns default to the task's GLUE header names (SST-2: sentence, label); without a header the text
 * and label columns must be named, and a missing one fails with the file's first row and the flags to add.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sourceFor = (
  task: Glue.TaskName,
  file: string,
  layout: DataLayout
): Effect.Effect<Dataset.Source | undefined, InvalidOption | HeaderlessFile> =>
  Effect.gen(function* () {
    if (!isGeneric(layout, file)) return undefined
    const columns = yield* columnsFor(task, file, layout, true)
    return {
      format: columns.format,
      header: layout.header,
      labels: Glue.tasks[task].labels,
      columns: { text: columns.text, textPair: columns.textPair, label: columns.label! }
    }
  })

/**
 * As {@link sourceFor}, for reading without labels (prediction): `--label-column` is not needed, and examples
 * are numbered by row.
 *
 * @since 0.1.0
 * @category constructors
 */
export const inputSourceFor = (
  task: Glue.TaskName,
  file: string,
  layout: DataLayout
): Effect.Effect<Dataset.UnlabelledSource | undefined, InvalidOption | HeaderlessFile> =>
  Effect.gen(function* () {
    if (!isGeneric(layout, file)) return undefined
    const columns = yield* columnsFor(task, file, layout, false)
    return {
      format: columns.format,
      header: layout.header,
      labels: { kind: "none" },
      columns: { text: columns.text, textPair: columns.textPair }
    }
  })

const columnsFor = (task: Glue.TaskName, file: string, layout: DataLayout, labelled: boolean) =>
  Effect.gen(function* () {
    yield* validate(layout)
    const format = yield* formatOf(layout, file)
    const spec = Glue.tasks[task]
    if (!layout.header) {
      const missing = [
        layout.textColumn === undefined ? "--text-column" : undefined,
        spec.pair && layout.textPairColumn === undefined ? "--text-pair-column" : undefined,
        labelled && layout.labelColumn === undefined ? "--label-column" : undefined
      ].filter((f) => f !== undefined)
      if (missing.length > 0) {
        return yield* headerlessHint(
          task,
          file,
          `without a header (--no-header), name the columns by 0-based index (${missing.join(", ")} missing)`,
          firstRow(file, format),
          labelled
        )
      }
      const index = (v: string | undefined) => (v === undefined ? undefined : Number(v.trim()))
      return {
        format,
        text: index(layout.textColumn)!,
        textPair: index(layout.textPairColumn),
        label: labelled ? index(layout.labelColumn) : undefined
      }
    }
    const named = spec.layouts.find((l) => l.header)
    const name = (v: string | undefined, fallback: string | undefined) =>
      v === undefined ? fallback : v.trim()
    return {
      format,
      text: name(layout.textColumn, named?.text ?? (spec.pair ? "sentence1" : "sentence"))!,
      textPair: name(layout.textPairColumn, spec.pair ? (named?.textPair ?? "sentence2") : undefined),
      label: labelled ? name(layout.labelColumn, named?.label ?? "label") : undefined
    }
  })

/**
 * Adds to a loading failure what a user needs when the file has no header: a `MissingColumns` on the first
 * line of a delimited file read with a header becomes a {@link HeaderlessFile} that shows the first row and
 * the flags to add. Other failures pass through.
 *
 * @since 0.1.0
 * @category messages
 */
export const explainLoadError =
  (task: Glue.TaskName, layout: DataLayout, labelled: boolean) =>
  <E extends LoadError>(error: E): E | HeaderlessFile =>
    error._tag === "MissingColumns" && layout.header && error.line === 1 && layout.format !== "jsonl"
      ? headerlessHint(
          task,
          error.file,
          `line 1 is not a header naming ${error.missing.map((c) => JSON.stringify(c)).join(", ")}`,
          error.found,
          labelled
        )
      : error
