/**
 * Text examples read from TSV, CSV or JSON Lines files, streamed without loading the whole file, with every
 * label validated and every bad row either raised as a typed error (file, line, column) or, with
 * `onBadRow: "skip"`, counted and reported. A source whose `labels` is {@link NoLabels} reads unlabelled
 * examples (for prediction): each keeps an `id` instead of a label.
 *
 * @since 0.1.0
 */
import type { Effect, FileSystem, Stream } from "effect"
import type { LoadError, RowError } from "./DataError.js"
import { collect, examplesOf, planOf, streamPlan, streamPlanOfBytes } from "./internal/rows.js"

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
 * One example without a label, read for prediction. `id` is the value of the file's id column as written
 * (whitespace trimmed; GLUE submissions are keyed by it) or, when the file has none, the 0-based number of
 * its data row (header excluded, bad rows counted) as text. `index` counts the examples of the file from 0,
 * `line` is the 1-based line of its row.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnlabelledExample {
  readonly index: number
  readonly line: number
  readonly id: string
  readonly text: string
  readonly textPair?: string | undefined
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
 * An element of {@link streamRows}: an example (an {@link Example}, or an {@link UnlabelledExample} when
 * reading without labels), or a row skipped.
 *
 * @since 0.1.0
 * @category models
 */
export type Row<A = Example> =
  | { readonly _tag: "Example"; readonly example: A }
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
 * The label "set" of a file read without labels. A dataset carrying it holds {@link UnlabelledExample}s and
 * is not a {@link Dataset}: `Batch.collate`, `Batch.batches` and `Sampling.fewShot` do not accept it (a type
 * error, and an `InvalidDataOption` at run time for untyped callers); `Batch.collateInputs` and
 * `Batch.inputBatches` batch it.
 *
 * @since 0.1.0
 * @category models
 */
export interface NoLabels {
  readonly kind: "none"
}

/**
 * The {@link NoLabels} value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const noLabels: NoLabels = { kind: "none" }

/**
 * Unlabelled examples in memory: what prediction batches.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnlabelledDataset {
  readonly examples: ReadonlyArray<UnlabelledExample>
  readonly labels: NoLabels
}

/**
 * A file read whole without labels: its examples and the rows skipped.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnlabelledLoadResult extends UnlabelledDataset {
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
 * Where the text, optional second text and optional id are in a file read without labels (names or keys,
 * or 0-based indices without a header). A given `id` column is required in every row; without one, examples
 * are numbered by row. Other columns, a label among them, are ignored.
 *
 * @since 0.1.0
 * @category models
 */
export interface InputColumns {
  readonly text: string | number
  readonly textPair?: string | number | undefined
  readonly id?: string | number | undefined
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
 * A layout read without labels (a GLUE test file, or a labelled file whose label is ignored): a header row
 * holding the named text columns — the id column being the first of `ids` that the header has, or none (then
 * examples are numbered by row) — or no header and exactly `width` columns, found by index.
 *
 * @since 0.1.0
 * @category models
 */
export type InputLayout =
  | {
      readonly header: true
      readonly text: string
      readonly textPair?: string | undefined
      readonly ids?: ReadonlyArray<string> | undefined
    }
  | {
      readonly header: false
      readonly width: number
      readonly text: number
      readonly textPair?: number | undefined
      readonly id?: number | undefined
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
 * A file description for reading without labels: as {@link Source}, with {@link InputColumns} and
 * `labels: { kind: "none" }` ({@link noLabels}).
 *
 * @since 0.1.0
 * @category models
 */
export interface UnlabelledSource {
  readonly format: Format
  readonly columns: InputColumns
  readonly labels: NoLabels
  readonly header?: boolean | undefined
  readonly quote?: string | null | undefined
  readonly onBadRow?: OnBadRow | undefined
}

/**
 * Every row of a file, examples and skipped rows alike, read lazily (64 KiB at a time). With an
 * {@link UnlabelledSource} the examples are {@link UnlabelledExample}s.
 *
 * @since 0.1.0
 * @category streams
 */
export function streamRows(file: string, source: Source): Stream.Stream<Row, LoadError, FileSystem.FileSystem>
export function streamRows(
  file: string,
  source: UnlabelledSource
): Stream.Stream<Row<UnlabelledExample>, LoadError, FileSystem.FileSystem>
export function streamRows(
  file: string,
  source: Source | UnlabelledSource
): Stream.Stream<Row<Example | UnlabelledExample>, LoadError, FileSystem.FileSystem>
export function streamRows(
  file: string,
  source: Source | UnlabelledSource
): Stream.Stream<Row<Example | UnlabelledExample>, LoadError, FileSystem.FileSystem> {
  return streamPlan(file, planOf(source))
}

/**
 * The examples of a file, read lazily; skipped rows (with `onBadRow: "skip"`) are left out — use
 * {@link streamRows} or {@link loadAll} to see them. With an {@link UnlabelledSource} the examples are
 * {@link UnlabelledExample}s.
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
 * const unlabelled = Dataset.stream("new.jsonl", {
 *   format: "jsonl",
 *   columns: { text: "review", id: "review_id" },
 *   labels: Dataset.noLabels
 * })
 * ```
 * @since 0.1.0
 * @category streams
 */
export function stream(file: string, source: Source): Stream.Stream<Example, LoadError, FileSystem.FileSystem>
export function stream(
  file: string,
  source: UnlabelledSource
): Stream.Stream<UnlabelledExample, LoadError, FileSystem.FileSystem>
export function stream(
  file: string,
  source: Source | UnlabelledSource
): Stream.Stream<Example | UnlabelledExample, LoadError, FileSystem.FileSystem>
export function stream(
  file: string,
  source: Source | UnlabelledSource
): Stream.Stream<Example | UnlabelledExample, LoadError, FileSystem.FileSystem> {
  return examplesOf(streamRows(file, source))
}

/**
 * A whole file's contents in memory (text, or its UTF-8 bytes), read as {@link loadAll} reads a file: for a
 * browser or an edge worker, which fetch their data instead of opening files. `name` stands for the file in
 * errors and results.
 *
 * @example
 * ```ts
 * import { Dataset } from "@addrop/data"
 * import { Effect } from "effect"
 * const text = await (await fetch("/data/train.tsv")).text()
 * const { examples } = await Effect.runPromise(
 *   Dataset.fromText("train.tsv", text, {
 *     format: "tsv",
 *     columns: { text: "sentence", label: "label" },
 *     labels: { kind: "classification", names: ["0", "1"] }
 *   })
 * )
 * ```
 * @since 0.1.0
 * @category loading
 */
export function fromText(
  name: string,
  contents: string | Uint8Array,
  source: Source
): Effect.Effect<LoadResult, LoadError>
export function fromText(
  name: string,
  contents: string | Uint8Array,
  source: UnlabelledSource
): Effect.Effect<UnlabelledLoadResult, LoadError>
export function fromText(
  name: string,
  contents: string | Uint8Array,
  source: Source | UnlabelledSource
): Effect.Effect<LoadResult | UnlabelledLoadResult, LoadError> {
  const bytes = typeof contents === "string" ? new TextEncoder().encode(contents) : contents
  return collect<LoadResult | UnlabelledLoadResult>(
    name,
    source.labels,
    streamPlanOfBytes(name, planOf(source), async function* () {
      yield bytes
    })
  )
}

/**
 * A whole file in memory: examples, and the rows skipped under `onBadRow: "skip"`. With an
 * {@link UnlabelledSource}, an {@link UnlabelledLoadResult}.
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
export function loadAll(
  file: string,
  source: Source
): Effect.Effect<LoadResult, LoadError, FileSystem.FileSystem>
export function loadAll(
  file: string,
  source: UnlabelledSource
): Effect.Effect<UnlabelledLoadResult, LoadError, FileSystem.FileSystem>
export function loadAll(
  file: string,
  source: Source | UnlabelledSource
): Effect.Effect<LoadResult | UnlabelledLoadResult, LoadError, FileSystem.FileSystem>
export function loadAll(
  file: string,
  source: Source | UnlabelledSource
): Effect.Effect<LoadResult | UnlabelledLoadResult, LoadError, FileSystem.FileSystem> {
  return collect<LoadResult | UnlabelledLoadResult, FileSystem.FileSystem>(
    file,
    source.labels,
    streamRows(file, source)
  )
}
