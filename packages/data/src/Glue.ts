/**
 * The GLUE tasks that AD-Drop evaluates on: where each task's text, second text and label are, its label set
 * (or regression range) and the names of its metrics. Files are read as GLUE's own TSV files are (tab
 * separated, quotes as plain text), in every layout the task is distributed in.
 *
 * @since 0.1.0
 */
import type { Effect, Stream } from "effect"
import type { LoadError } from "./DataError.js"
import type { Example, LabelSpec, Layout, LoadResult, OnBadRow, Row } from "./Dataset.js"
import { collect, examplesOf, streamPlan } from "./internal/rows.js"

/**
 * Names of the metrics a task reports (computed by the metrics package).
 *
 * @since 0.1.0
 * @category models
 */
export type MetricName = "accuracy" | "f1" | "matthews" | "pearson" | "spearman"

/**
 * The tasks of the registry.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskName = "sst2" | "cola" | "rte" | "mrpc" | "stsb" | "mnli" | "qnli" | "qqp"

/**
 * A task: whether it takes sentence pairs, its labels, its metrics (the first is the one GLUE ranks by), and
 * the file layouts it accepts (the first row decides).
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskSpec {
  readonly name: TaskName
  readonly description: string
  readonly pair: boolean
  readonly labels: LabelSpec
  readonly metrics: ReadonlyArray<MetricName>
  readonly layouts: ReadonlyArray<Layout>
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
    metrics: ["accuracy"],
    layouts: [{ header: true, text: "sentence", label: "label" }]
  },
  cola: {
    name: "cola",
    description:
      "Corpus of Linguistic Acceptability; no header: sentence, label (two columns) or GLUE's source, label, author label, sentence",
    pair: false,
    labels: binary(["unacceptable", "acceptable"]),
    metrics: ["matthews"],
    layouts: [
      { header: false, width: 2, text: 0, label: 1 },
      { header: false, width: 4, text: 3, label: 1 }
    ]
  },
  rte: {
    name: "rte",
    description:
      "Recognizing Textual Entailment; header with sentence1, sentence2, label (0/1 or entailment/not_entailment)",
    pair: true,
    labels: binary(["entailment", "not_entailment"], { entailment: 0, not_entailment: 1 }),
    metrics: ["accuracy"],
    layouts: [{ header: true, text: "sentence1", textPair: "sentence2", label: "label" }]
  },
  mrpc: {
    name: "mrpc",
    description: "Microsoft Research Paraphrase Corpus; header Quality, #1 ID, #2 ID, #1 String, #2 String",
    pair: true,
    labels: binary(["not_equivalent", "equivalent"]),
    metrics: ["f1", "accuracy"],
    layouts: [{ header: true, text: "#1 String", textPair: "#2 String", label: "Quality" }]
  },
  stsb: {
    name: "stsb",
    description:
      "Semantic Textual Similarity Benchmark, regression 0..5; GLUE's header (…, sentence1, sentence2, score) or the same 10 columns without it",
    pair: true,
    labels: { kind: "regression", min: 0, max: 5 },
    metrics: ["pearson", "spearman"],
    layouts: [
      { header: true, text: "sentence1", textPair: "sentence2", label: "score" },
      { header: false, width: 10, text: 7, textPair: 8, label: 9 }
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
    metrics: ["accuracy"],
    layouts: [{ header: true, text: "sentence1", textPair: "sentence2", label: "gold_label" }]
  },
  qnli: {
    name: "qnli",
    description: "Question NLI; header index, question, sentence, label",
    pair: true,
    labels: binary(["entailment", "not_entailment"], { entailment: 0, not_entailment: 1 }),
    metrics: ["accuracy"],
    layouts: [{ header: true, text: "question", textPair: "sentence", label: "label" }]
  },
  qqp: {
    name: "qqp",
    description: "Quora Question Pairs; header id, qid1, qid2, question1, question2, is_duplicate",
    pair: true,
    labels: binary(["not_duplicate", "duplicate"]),
    metrics: ["f1", "accuracy"],
    layouts: [{ header: true, text: "question1", textPair: "question2", label: "is_duplicate" }]
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

const plan = (task: TaskName, options: TaskOptions) => ({
  format: "tsv" as const,
  layouts: tasks[task].layouts,
  labels: tasks[task].labels,
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
): Stream.Stream<Row, LoadError> => streamPlan(file, plan(task, options))

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
): Stream.Stream<Example, LoadError> => examplesOf(streamPlan(file, plan(task, options)))

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
): Effect.Effect<LoadResult, LoadError> =>
  collect(file, tasks[task].labels, streamPlan(file, plan(task, options)))
