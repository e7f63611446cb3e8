/**
 * Classification metrics over integer class labels, matching scikit-learn.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import { checkPair } from "./internal/check.js"
import { EmptyInput, InvalidValue, type MetricError } from "./MetricError.js"

const labelNames = ["predictions", "gold"] as const

/**
 * The fraction of predictions equal to the gold label (scikit-learn's `accuracy_score`), in `[0, 1]`.
 * Labels are integers (class ids); fails with `LengthMismatch`, `EmptyInput`, or `InvalidValue` for a
 * non-integer or non-finite label (usually probabilities passed instead of argmax labels).
 *
 * @example
 * ```ts
 * import { accuracy } from "@addrop/metrics"
 * accuracy([1, 0, 1, 1], [1, 0, 0, 1]) // Result.succeed(0.75)
 * ```
 * @since 0.1.0
 * @category classification
 */
export const accuracy = (
  predictions: ArrayLike<number>,
  gold: ArrayLike<number>
): Result.Result<number, MetricError> => {
  const error = checkPair("accuracy", labelNames, predictions, gold, true)
  if (error !== undefined) return Result.fail(error)
  let correct = 0
  for (let i = 0; i < gold.length; i++) if (predictions[i] === gold[i]) correct++
  return Result.succeed(correct / gold.length)
}

/**
 * F1 of one class (`positive`, default 1) against the rest: `2·TP / (2·TP + FP + FN)`, scikit-learn's
 * `f1_score(gold, predictions, pos_label=positive)`, the GLUE metric of MRPC and QQP. When the positive class
 * appears in neither input the score is 0 (scikit-learn's `zero_division` default), so an all-negative gold
 * set scores 0 even when every prediction is right.
 *
 * Unlike scikit-learn's binary mode, labels other than `positive` are all treated as negatives rather
 * than rejected.
 *
 * @example
 * ```ts
 * import { f1 } from "@addrop/metrics"
 * f1([1, 0, 1, 1], [1, 0, 0, 1]) // Result.succeed(0.8)
 * ```
 * @since 0.1.0
 * @category classification
 */
export const f1 = (
  predictions: ArrayLike<number>,
  gold: ArrayLike<number>,
  options: { readonly positive?: number | undefined } = {}
): Result.Result<number, MetricError> => {
  const error = checkPair("f1", labelNames, predictions, gold, true)
  if (error !== undefined) return Result.fail(error)
  const positive = options.positive ?? 1
  if (!Number.isInteger(positive)) {
    return Result.fail(
      new InvalidValue({
        metric: "f1",
        argument: "positive",
        index: 0,
        value: positive,
        expected: "an integer class label"
      })
    )
  }
  return Result.succeed(classF1(predictions, gold, positive))
}

/**
 * The unweighted mean of the per-class F1 scores (scikit-learn's `f1_score(average="macro")`). The classes
 * are `options.labels` when given (duplicates ignored; a listed class that never occurs scores 0), and
 * otherwise every label that occurs in either input.
 *
 * @example
 * ```ts
 * import { macroF1 } from "@addrop/metrics"
 * macroF1([0, 1, 2, 2], [0, 1, 2, 1]) // Result.succeed((1 + 2/3 + 2/3) / 3)
 * ```
 * @since 0.1.0
 * @category classification
 */
export const macroF1 = (
  predictions: ArrayLike<number>,
  gold: ArrayLike<number>,
  options: { readonly labels?: ReadonlyArray<number> | undefined } = {}
): Result.Result<number, MetricError> => {
  const error = checkPair("macroF1", labelNames, predictions, gold, true)
  if (error !== undefined) return Result.fail(error)
  let labels: ReadonlyArray<number>
  if (options.labels === undefined) {
    labels = [...new Set([...Array.from(predictions), ...Array.from(gold)])]
  } else {
    if (options.labels.length === 0) return Result.fail(new EmptyInput({ metric: "macroF1 (labels)" }))
    const bad = options.labels.findIndex((l) => !Number.isInteger(l))
    if (bad >= 0) {
      const value = options.labels[bad]!
      return Result.fail(
        new InvalidValue({
          metric: "macroF1",
          argument: "labels",
          index: bad,
          value,
          expected: "an integer class label"
        })
      )
    }
    labels = [...new Set(options.labels)]
  }
  let sum = 0
  for (const label of labels) sum += classF1(predictions, gold, label)
  return Result.succeed(sum / labels.length)
}

/**
 * The Matthews correlation coefficient (scikit-learn's `matthews_corrcoef`, multiclass form), in
 * `[−1, 1]`; the GLUE metric of CoLA. It is 0 when undefined — when either input has a single class — as in
 * scikit-learn.
 *
 * @example
 * ```ts
 * import { matthews } from "@addrop/metrics"
 * matthews([1, 0, 1, 0], [1, 0, 1, 0]) // Result.succeed(1)
 * ```
 * @since 0.1.0
 * @category classification
 */
export const matthews = (
  predictions: ArrayLike<number>,
  gold: ArrayLike<number>
): Result.Result<number, MetricError> => {
  const error = checkPair("matthews", labelNames, predictions, gold, true)
  if (error !== undefined) return Result.fail(error)
  const index = new Map<number, number>()
  for (const xs of [gold, predictions]) {
    for (let i = 0; i < xs.length; i++) if (!index.has(xs[i]!)) index.set(xs[i]!, index.size)
  }
  const k = index.size
  const goldSums = new Float64Array(k) // row sums of the confusion matrix: true counts per class
  const predSums = new Float64Array(k) // column sums: predicted counts per class
  let correct = 0
  for (let i = 0; i < gold.length; i++) {
    goldSums[index.get(gold[i]!)!]!++
    predSums[index.get(predictions[i]!)!]!++
    if (gold[i] === predictions[i]) correct++
  }
  const n = gold.length
  let dotGP = 0
  let dotPP = 0
  let dotGG = 0
  for (let c = 0; c < k; c++) {
    dotGP += goldSums[c]! * predSums[c]!
    dotPP += predSums[c]! * predSums[c]!
    dotGG += goldSums[c]! * goldSums[c]!
  }
  const covGP = correct * n - dotGP
  const covPP = n * n - dotPP
  const covGG = n * n - dotGG
  if (covPP * covGG === 0) return Result.succeed(0)
  return Result.succeed(covGP / Math.sqrt(covGG * covPP))
}

const classF1 = (predictions: ArrayLike<number>, gold: ArrayLike<number>, label: number): number => {
  let tp = 0
  let fp = 0
  let fn = 0
  for (let i = 0; i < gold.length; i++) {
    const p = predictions[i] === label
    const g = gold[i] === label
    if (p && g) tp++
    else if (p) fp++
    else if (g) fn++
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)
}
