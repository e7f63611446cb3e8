/**
 * The GLUE benchmark's tasks, the metrics each is scored with, and the single "main" score used to pick
 * the best checkpoint.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import { accuracy, f1, matthews } from "./Classification.js"
import { pearson, spearman } from "./Correlation.js"
import { checkPair } from "./internal/check.js"
import { InvalidValue, type MetricError, UnknownTask } from "./MetricError.js"

/**
 * A GLUE task. MNLI's matched and mismatched dev sets are both scored as `"mnli"`.
 *
 * @since 0.1.0
 * @category models
 */
export type GlueTask = "cola" | "sst2" | "mrpc" | "qqp" | "stsb" | "mnli" | "qnli" | "rte" | "wnli"

/**
 * A metric a GLUE task reports.
 *
 * @since 0.1.0
 * @category models
 */
export type MetricName = "accuracy" | "f1" | "matthews" | "pearson" | "spearman"

/**
 * The metrics each task reports, as in GLUE and the Hugging Face `glue` metric.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskMetrics {
  readonly cola: "matthews"
  readonly sst2: "accuracy"
  readonly mrpc: "f1" | "accuracy"
  readonly qqp: "f1" | "accuracy"
  readonly stsb: "pearson" | "spearman"
  readonly mnli: "accuracy"
  readonly qnli: "accuracy"
  readonly rte: "accuracy"
  readonly wnli: "accuracy"
}

/**
 * The scores of a task: each of its metrics, and `main`, the single number to select models by (the mean
 * of the task's metrics, as the GLUE leaderboard averages them).
 *
 * @since 0.1.0
 * @category models
 */
export type Scores<T extends GlueTask> = { readonly [K in TaskMetrics[T]]: number } & {
  readonly main: number
}

/**
 * What a task is scored with: its metrics (the first is listed first in reports), how `main` is formed,
 * and its number of classes (`undefined` for STS-B, a regression task).
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskInfo<T extends GlueTask = GlueTask> {
  readonly task: T
  readonly metrics: ReadonlyArray<TaskMetrics[T]>
  readonly main: string
  readonly numLabels: number | undefined
}

/**
 * Every GLUE task with its metrics, main score and number of classes:
 *
 * | task | metrics | main |
 * | --- | --- | --- |
 * | cola | matthews | matthews |
 * | sst2, mnli, qnli, rte, wnli | accuracy | accuracy |
 * | mrpc, qqp | f1, accuracy | (f1 + accuracy) / 2 |
 * | stsb | pearson, spearman | (pearson + spearman) / 2 |
 *
 * @since 0.1.0
 * @category constants
 */
export const glueTasks: { readonly [T in GlueTask]: TaskInfo<T> } = {
  cola: { task: "cola", metrics: ["matthews"], main: "matthews", numLabels: 2 },
  sst2: { task: "sst2", metrics: ["accuracy"], main: "accuracy", numLabels: 2 },
  mrpc: { task: "mrpc", metrics: ["f1", "accuracy"], main: "(f1 + accuracy) / 2", numLabels: 2 },
  qqp: { task: "qqp", metrics: ["f1", "accuracy"], main: "(f1 + accuracy) / 2", numLabels: 2 },
  stsb: {
    task: "stsb",
    metrics: ["pearson", "spearman"],
    main: "(pearson + spearman) / 2",
    numLabels: undefined
  },
  mnli: { task: "mnli", metrics: ["accuracy"], main: "accuracy", numLabels: 3 },
  qnli: { task: "qnli", metrics: ["accuracy"], main: "accuracy", numLabels: 2 },
  rte: { task: "rte", metrics: ["accuracy"], main: "accuracy", numLabels: 2 },
  wnli: { task: "wnli", metrics: ["accuracy"], main: "accuracy", numLabels: 2 }
}

/**
 * The nine task names, in GLUE's order.
 *
 * @since 0.1.0
 * @category constants
 */
export const glueTaskNames: ReadonlyArray<GlueTask> = Object.keys(glueTasks) as Array<GlueTask>

/**
 * Whether a string is a {@link GlueTask} (exact, lower-case name).
 *
 * @since 0.1.0
 * @category guards
 */
export const isGlueTask = (name: string): name is GlueTask => Object.hasOwn(glueTasks, name)

const aliases: Readonly<Record<string, GlueTask>> = {
  mnlim: "mnli",
  mnlimm: "mnli",
  mnlimatched: "mnli",
  mnlimismatched: "mnli"
}

/**
 * A task from user text, ignoring case, `-` and `_`: `"SST-2"` → `"sst2"`, `"STS-B"` → `"stsb"`;
 * `"mnli-m"`, `"mnli-mm"`, `"mnli_matched"` and `"mnli_mismatched"` → `"mnli"`. Fails with
 * {@link UnknownTask}.
 *
 * @example
 * ```ts
 * import { parseTask } from "@addrop/metrics"
 * parseTask("STS-B") // Result.succeed("stsb")
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const parseTask = (name: string): Result.Result<GlueTask, UnknownTask> => {
  const key = String(name)
    .toLowerCase()
    .replace(/[-_\s]/g, "")
  if (isGlueTask(key)) return Result.succeed(key)
  const alias = aliases[key]
  return alias === undefined
    ? Result.fail(new UnknownTask({ task: String(name), known: glueTaskNames }))
    : Result.succeed(alias)
}

/**
 * Scores a task's predictions against the gold labels with all of its metrics, plus `main`. For the
 * classification tasks both inputs must hold class ids `0 … numLabels − 1` (argmax labels, not logits);
 * for STS-B they are real-valued similarity scores. Fails with `LengthMismatch`, `EmptyInput`, or
 * `InvalidValue` (a non-finite value or, for classification, a value that is not one of the task's labels).
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { evaluate } from "@addrop/metrics"
 * const scores = Result.getOrThrow(evaluate("mrpc", [1, 0, 1, 1], [1, 0, 0, 1]))
 * scores.f1 // 0.8
 * scores.accuracy // 0.75
 * scores.main // 0.775
 * ```
 * @since 0.1.0
 * @category evaluation
 */
export const evaluate = <T extends GlueTask>(
  task: T,
  predictions: ArrayLike<number>,
  gold: ArrayLike<number>
): Result.Result<Scores<T>, MetricError | UnknownTask> => {
  if (!isGlueTask(task)) return Result.fail(new UnknownTask({ task: String(task), known: glueTaskNames }))
  const info: TaskInfo = glueTasks[task]
  const classes = info.numLabels
  const error =
    checkPair(task, ["predictions", "gold"], predictions, gold, classes !== undefined) ??
    (classes === undefined
      ? undefined
      : (checkLabels(task, "predictions", predictions, classes) ?? checkLabels(task, "gold", gold, classes)))
  if (error !== undefined) return Result.fail(error)
  const scores: Partial<Record<MetricName, number>> = {}
  for (const metric of info.metrics) {
    // Inputs are validated above, so these cannot fail.
    scores[metric] = Result.getOrThrow(compute[metric](predictions, gold))
  }
  const values = info.metrics.map((m) => scores[m]!)
  const main = values.reduce((a, b) => a + b, 0) / values.length
  return Result.succeed({ ...scores, main } as unknown as Scores<T>)
}

const compute: Record<
  MetricName,
  (p: ArrayLike<number>, g: ArrayLike<number>) => Result.Result<number, MetricError>
> = {
  accuracy,
  f1: (p, g) => f1(p, g),
  matthews,
  pearson,
  spearman
}

const checkLabels = (
  task: GlueTask,
  argument: string,
  xs: ArrayLike<number>,
  classes: number
): InvalidValue | undefined => {
  for (let i = 0; i < xs.length; i++) {
    const value = xs[i]!
    if (value < 0 || value >= classes) {
      const expected = `one of the ${task} labels {${Array.from({ length: classes }, (_, c) => c).join(", ")}}`
      return new InvalidValue({ metric: task, argument, index: i, value, expected })
    }
  }
  return undefined
}
