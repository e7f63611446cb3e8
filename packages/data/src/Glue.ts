/**
 * The GLUE tasks that AD-Drop evaluates on: where each task's text, second text, label and id are, and its
 * label set (or regression range). Files are read as GLUE's own TSV files are (tab separated, quotes as
 * plain text), in every layout the task is distributed in: labelled train/dev files with {@link loadAll},
 * and for prediction GLUE's unlabelled test files (or labelled files, the label ignored) with
 * {@link loadUnlabelled}. The metrics of a task are `@addrop/metrics`' (`glueTasks[task].metrics`).
 *
 * @since 0.1.0
 */
import type { Effect, FileSystem, Stream } from "effect"
import type { LoadError } from "./DataError.js"
import {
  type Example,
  type InputLayout,
  type LabelSpec,
  type Layout,
  type LoadResult,
  noLabels,
  type OnBadRow,
  type Row,
  type UnlabelledExample,
  type UnlabelledLoadResult
} from "./Dataset.js"
import { collect, examplesOf, type Plan, streamPlan } from "./internal/rows.js"

/**
 * The tasks of the registry.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskName = "sst2" | "cola" | "rte" | "mrpc" | "stsb" | "mnli" | "qnli" | "qqp"

/**
 * A task: whether it takes sentence pairs, its labels, the labelled file layouts {@link loadAll} accepts, and
 * the layouts {@link loadUnlabelled} accepts — GLUE's test file first, then the labelled layouts with their
 * label ignored. The first row of a file decides which layout applies.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskSpec {
  readonly name: TaskName
  readonly description: string
  readonly pair: boolean
  readonly labels: LabelSpec
  readonly layouts: ReadonlyArray<Layout>
  readonly unlabelledLayouts: ReadonlyArray<InputLayout>
}

const binary = (
  names: readonly [string, string],
  aliases: Readonly<Record<string, number>> = {}
): LabelSpec => ({
  kind: "classification",
  names,
  map: { "0": 0, "1": 1, ...aliases }
})

/**
 * The registry. Class ids follow the GLUE datasets as Hugging Face publishes them (RTE and QNLI:
 * 0 entailment, 1 not_entailment; MNLI: 0 entailment, 1 neutral, 2 contradiction), and text labels are
 * accepted beside numeric ones where GLUE's files use them.
 *
 * @since 0.1.0
 * @category registry
 */
export const tasks: { readonly [K in TaskName]: TaskSpec & { readonly name: K } } = {
  sst2: {
    name: "sst2",
    description: "Stanford Sentiment Treebank, binary sentiment; header sentence, label",
    pair: false,
    labels: binary(["negative", "positive"]),
    layouts: [{ header: true, text: "sentence", label: "label" }],
    // test: index, sentence
    unlabelledLayouts: [{ header: true, text: "sentence", ids: ["index", "idx"] }]
  },
  cola: {
    name: "cola",
    description:
      "Corpus of Linguistic Acceptability; no header: sentence, label (two columns) or GLUE's source, label, author label, sentence",
    pair: false,
    labels: binary(["unacceptable", "acceptable"]),
    layouts: [
      { header: false, width: 2, text: 0, label: 1 },
      { header: false, width: 4, text: 3, label: 1 }
    ],
    // test: header index, sentence
    unlabelledLayouts: [
      { header: true, text: "sentence", ids: ["index", "idx"] },
      { header: false, width: 2, text: 0 },
      { header: false, width: 4, text: 3 }
    ]
  },
  rte: {
    name: "rte",
    description:
      "Recognizing Textual Entailment; header with sentence1, sentence2, label (0/1 or entailment/not_entailment)",
    pair: true,
    labels: binary(["entailment", "not_entailment"], { entailment: 0, not_entailment: 1 }),
    layouts: [{ header: true, text: "sentence1", textPair: "sentence2", label: "label" }],
    // test: index, sentence1, sentence2
    unlabelledLayouts: [{ header: true, text: "sentence1", textPair: "sentence2", ids: ["index", "idx"] }]
  },
  mrpc: {
    name: "mrpc",
    description: "Microsoft Research Paraphrase Corpus; header Quality, #1 ID, #2 ID, #1 String, #2 String",
    pair: true,
    labels: binary(["not_equivalent", "equivalent"]),
    layouts: [{ header: true, text: "#1 String", textPair: "#2 String", label: "Quality" }],
    // test: index, #1 ID, #2 ID, #1 String, #2 String
    unlabelledLayouts: [{ header: true, text: "#1 String", textPair: "#2 String", ids: ["index"] }]
  },
  stsb: {
    name: "stsb",
    description:
      "Semantic Textual Similarity Benchmark, regression 0..5; GLUE's header (…, sentence1, sentence2, score) or the same 10 columns without it",
    pair: true,
    labels: { kind: "regression", min: 0, max: 5 },
    layouts: [
      { header: true, text: "sentence1", textPair: "sentence2", label: "score" },
      { header: false, width: 10, text: 7, textPair: 8, label: 9 }
    ],
    // test: GLUE's header without score; also its 9 columns without a header
    unlabelledLayouts: [
      { header: true, text: "sentence1", textPair: "sentence2", ids: ["index"] },
      { header: false, width: 9, text: 7, textPair: 8, id: 0 },
      { header: false, width: 10, text: 7, textPair: 8, id: 0 }
    ]
  },
  mnli: {
    name: "mnli",
    description: "Multi-Genre NLI; GLUE header, sentence1, sentence2 and gold_label found by name",
    pair: true,
    labels: {
      kind: "classification",
      names: ["entailment", "neutral", "contradiction"],
      map: { entailment: 0, neutral: 1, contradiction: 2, "0": 0, "1": 1, "2": 2 }
    },
    layouts: [{ header: true, text: "sentence1", textPair: "sentence2", label: "gold_label" }],
    // test_matched / test_mismatched: GLUE header without label1…gold_label
    unlabelledLayouts: [{ header: true, text: "sentence1", textPair: "sentence2", ids: ["index"] }]
  },
  qnli: {
    name: "qnli",
    description: "Question NLI; header index, question, sentence, label",
    pair: true,
    labels: binary(["entailment", "not_entailment"], { entailment: 0, not_entailment: 1 }),
    layouts: [{ header: true, text: "question", textPair: "sentence", label: "label" }],
    // test: index, question, sentence
    unlabelledLayouts: [{ header: true, text: "question", textPair: "sentence", ids: ["index"] }]
  },
  qqp: {
    name: "qqp",
    description: "Quora Question Pairs; header id, qid1, qid2, question1, question2, is_duplicate",
    pair: true,
    labels: binary(["not_duplicate", "duplicate"]),
    layouts: [{ header: true, text: "question1", textPair: "question2", label: "is_duplicate" }],
    // test: id, question1, question2
    unlabelledLayouts: [{ header: true, text: "question1", textPair: "question2", ids: ["id"] }]
  }
}

/**
 * Options of the task loaders.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskOptions {
  readonly onBadRow?: OnBadRow | undefined
}

const plan = (task: TaskName, options: TaskOptions): Plan => ({
  format: "tsv",
  layouts: tasks[task].layouts,
  labels: tasks[task].labels,
  quote: null,
  onBadRow: options.onBadRow ?? "fail"
})

const unlabelledPlan = (task: TaskName, options: TaskOptions): Plan => ({
  format: "tsv",
  layouts: tasks[task].unlabelledLayouts,
  labels: noLabels,
  quote: null,
  onBadRow: options.onBadRow ?? "fail"
})

/**
 * Every row of a task file, examples and skipped rows alike, read lazily.
 *
 * @since 0.1.0
 * @category streams
 */
export const streamRows = (
  task: TaskName,
  file: string,
  options: TaskOptions = {}
): Stream.Stream<Row, LoadError, FileSystem.FileSystem> =>
  streamPlan(file, plan(task, options)) as Stream.Stream<Row, LoadError, FileSystem.FileSystem>

/**
 * The examples of a task file, read lazily.
 *
 * @example
 * ```ts
 * import { Glue } from "@addrop/data"
 * import { Effect, Stream } from "effect"
 * const count = await Effect.runPromise(Stream.runCount(Glue.stream("sst2", "glue/SST-2/train.tsv")))
 * ```
 * @since 0.1.0
 * @category streams
 */
export const stream = (
  task: TaskName,
  file: string,
  options: TaskOptions = {}
): Stream.Stream<Example, LoadError, FileSystem.FileSystem> => examplesOf(streamRows(task, file, options))

/**
 * A whole task file in memory.
 *
 * @example
 * ```ts
 * import { Glue } from "@addrop/data"
 * import { Effect } from "effect"
 * const rte = await Effect.runPromise(Glue.loadAll("rte", "glue/RTE/dev.tsv"))
 * rte.examples[0] // { index: 0, line: 2, text: "…", textPair: "…", label: 1 }
 * ```
 * @since 0.1.0
 * @category loading
 */
export const loadAll = (
  task: TaskName,
  file: string,
  options: TaskOptions = {}
): Effect.Effect<LoadResult, LoadError, FileSystem.FileSystem> =>
  collect<LoadResult, FileSystem.FileSystem>(file, tasks[task].labels, streamRows(task, file, options))

/**
 * Every row of a task file read without labels (see {@link loadUnlabelled}), examples and skipped rows
 * alike, read lazily.
 *
 * @since 0.1.0
 * @category streams
 */
export const streamUnlabelledRows = (
  task: TaskName,
  file: string,
  options: TaskOptions = {}
): Stream.Stream<Row<UnlabelledExample>, LoadError, FileSystem.FileSystem> =>
  streamPlan(file, unlabelledPlan(task, options)) as Stream.Stream<
    Row<UnlabelledExample>,
    LoadError,
    FileSystem.FileSystem
  >

/**
 * The examples of a task file read without labels (see {@link loadUnlabelled}), read lazily.
 *
 * @since 0.1.0
 * @category streams
 */
export const streamUnlabelled = (
  task: TaskName,
  file: string,
  options: TaskOptions = {}
): Stream.Stream<UnlabelledExample, LoadError, FileSystem.FileSystem> =>
  examplesOf(streamUnlabelledRows(task, file, options))

/**
 * A whole task file in memory without labels, for prediction: GLUE's test file (SST-2 and CoLA
 * `index, sentence`; RTE `index, sentence1, sentence2`; MRPC `index, #1 ID, #2 ID, #1 String, #2 String`;
 * STS-B GLUE's header without `score`; MNLI's test_matched/test_mismatched header; QNLI
 * `index, question, sentence`; QQP `id, question1, question2`) or any labelled layout of the task, whose
 * label column is ignored (not validated). Each example's `id` is the file's `index` (`id` for QQP; `idx`
 * in Hugging Face exports of SST-2, CoLA and RTE; column 0 of headerless STS-B) as written, or its 0-based
 * data row number when the file has no such column (CoLA and SST-2 train/dev, MRPC train/dev). A missing
 * file, a missing column, a row of the wrong width, an empty or duplicate id are typed errors naming the
 * file and line, as for {@link loadAll}.
 *
 * The result is an `UnlabelledDataset`: batch it with `Batch.collateInputs` or `Batch.inputBatches`;
 * `Batch.collate`/`Batch.batches` need labels and do not accept it.
 *
 * @example
 * ```ts
 * import { Glue } from "@addrop/data"
 * import { Effect } from "effect"
 * const test = await Effect.runPromise(Glue.loadUnlabelled("rte", "glue/RTE/test.tsv"))
 * test.examples[0] // { index: 0, line: 2, id: "0", text: "…", textPair: "…" }
 * ```
 * @since 0.1.0
 * @category loading
 */
export const loadUnlabelled = (
  task: TaskName,
  file: string,
  options: TaskOptions = {}
): Effect.Effect<UnlabelledLoadResult, LoadError, FileSystem.FileSystem> =>
  collect<UnlabelledLoadResult, FileSystem.FileSystem>(
    file,
    noLabels,
    streamUnlabelledRows(task, file, options)
  )
