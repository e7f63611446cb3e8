/**
 * Labelled text examples read from TSV, CSV or JSON Lines files, streamed without loading the whole file,
 * with every label validated and every bad row either raised as a typed error (file, line, column) or,
 * with `onBadRow: "skip"`, counted and reported.
 *
 * @since 0.1.0
 */
import type { Effect, Stream } from "effect"
import type { LoadError, RowError } from "./DataError.js"
import { collect, examplesOf, planOf, streamPlan } from "./internal/rows.js"

/**
 * One labelled example. `label` is a class id (classification) or the target value (regression);
 * `index` counts the examples of the file from 0, `line` is the 1-based line of its row.
 *
 * @since 0.1.0
 * @category models
 */
export interface Example {
  readonly index: number
  readonly line: number
  readonly text: string
  readonly textPair?: string | undefined
  readonly label: number
}

/**
 * A row left out under `onBadRow: "skip"`, with the error it would have raised.
 *
 * @since 0.1.0
 * @category models
 */
export interface SkippedRow {
  readonly line: number
  readonly reason: string
  readonly error: RowError
}

/**
 * An element of {@link streamRows}: an example, or a row skipped.
 *
 * @since 0.1.0
 * @category models
 */
export type Row =
  | { readonly _tag: "Example"; readonly example: Example }
  | { readonly _tag: "Skipped"; readonly skipped: SkippedRow }

/**
 * The labels of a dataset. Classification: `names[id]` names class `id`, and `map` sends each accepted raw
 * value (as written in the file; JSON numbers and booleans as their text) to an id — by default each name to
 * its index. Regression: any finite number, within `[min, max]` when given.
 *
 * @since 0.1.0
 * @category models
 */
export type LabelSpec =
  | {
      readonly kind: "classification"
      readonly names: ReadonlyArray<string>
      readonly map?: Readonly<Record<string, number>> | undefined
    }
  | { readonly kind: "regression"; readonly min?: number | undefined; readonly max?: number | undefined }

/**
 * Examples in memory with their label set: what sampling and batching work on.
 *
 * @since 0.1.0
 * @category models
 */
export interface Dataset {
  readonly examples: ReadonlyArray<Example>
  readonly labels: LabelSpec
}

/**
 * A file read whole by {@link loadAll}: its examples and the rows skipped.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadResult extends Dataset {
  readonly file: string
  readonly skipped: ReadonlyArray<SkippedRow>
}

/**
 * File formats: tab- or comma-separated values, or JSON Lines (one object per line).
 *
 * @since 0.1.0
 * @category models
 */
export type Format = "tsv" | "csv" | "jsonl"

/**
 * Where the text, optional second text and label are: header names (or JSON keys), or 0-based column
 * indices for a file without a header.
 *
 * @since 0.1.0
 * @category models
 */
export interface Columns {
  readonly text: string | number
  readonly textPair?: string | number | undefined
  readonly label: string | number
}

/**
 * One way a task's delimited file can be laid out: a header row holding the named columns, or no header and
 * exactly `width` columns, found by index. A task may accept several; the first row decides which applies.
 *
 * @since 0.1.0
 * @category models
 */
export type Layout =
  | {
      readonly header: true
      readonly text: string
      readonly textPair?: string | undefined
      readonly label: string
    }
  | {
      readonly header: false
      readonly width: number
      readonly text: number
      readonly textPair?: number | undefined
      readonly label: number
    }

/**
 * What to do with a bad row: raise its error (the default) or skip it and report it.
 *
 * @since 0.1.0
 * @category models
 */
export type OnBadRow = "fail" | "skip"

/**
 * A file description for the generic loader. `header` defaults to true for TSV and CSV (then `columns` holds
 * names; without a header, indices, and every row must have as many columns as the first). `quote` defaults
 * to `"` for CSV and to none for TSV (GLUE's TSV files contain bare quotes).
 *
 * @since 0.1.0
 * @category models
 */
export interface Source {
  readonly format: Format
  readonly columns: Columns
  readonly labels: LabelSpec
  readonly header?: boolean | undefined
  readonly quote?: string | null | undefined
  readonly onBadRow?: OnBadRow | undefined
}

/**
 * Every row of a file, examples and skipped rows alike, read lazily (64 KiB at a time).
 *
 * @since 0.1.0
 * @category streams
 */
export const streamRows = (file: string, source: Source): Stream.Stream<Row, LoadError> =>
  streamPlan(file, planOf(source))

/**
 * The examples of a file, read lazily; skipped rows (with `onBadRow: "skip"`) are left out — use
 * {@link streamRows} or {@link loadAll} to see them.
 *
 * @example
 * ```ts
 * import { Dataset } from "@addrop/data"
 * import { Stream } from "effect"
 * const examples = Dataset.stream("reviews.jsonl", {
 *   format: "jsonl",
 *   columns: { text: "review", label: "stars" },
 *   labels: { kind: "classification", names: ["neg", "pos"], map: { "1": 0, "2": 0, "4": 1, "5": 1 } }
 * })
 * ```
 * @since 0.1.0
 * @category streams
 */
export const stream = (file: string, source: Source): Stream.Stream<Example, LoadError> =>
  examplesOf(streamRows(file, source))

/**
 * A whole file in memory: examples, and the rows skipped under `onBadRow: "skip"`.
 *
 * @example
 * ```ts
 * import { Dataset } from "@addrop/data"
 * import { Effect } from "effect"
 * const { examples, skipped } = await Effect.runPromise(
 *   Dataset.loadAll("data.csv", {
 *     format: "csv",
 *     columns: { text: "text", label: "label" },
 *     labels: { kind: "classification", names: ["no", "yes"] },
 *     onBadRow: "skip"
 *   })
 * )
 * ```
 * @since 0.1.0
 * @category loading
 */
export const loadAll = (file: string, source: Source): Effect.Effect<LoadResult, LoadError> =>
  collect(file, source.labels, streamRows(file, source))
