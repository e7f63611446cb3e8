/**
 * Checks a checkpoint against the parameters a model expects, independent of any model: the model side
 * gives `[{ name, shape }]` in checkpoint naming, and gets back which tensors match, which are missing,
 * unused, or of another shape, and which parameters it may initialise itself (a new task head).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { CheckpointMismatch, type ShapeMismatch } from "./CheckpointError.js"

/**
 * A parameter the model expects: its checkpoint name and shape.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParameterSpec {
  readonly name: string
  readonly shape: ReadonlyArray<number>
}

/**
 * How a checkpoint compares with a model's parameters.
 *
 * - `matched`: present with the expected shape, in spec order.
 * - `missing` / `mismatched`: fatal for {@link checkParameters}.
 * - `initialised`: parameters matching `initialise` that are missing or of another shape; the model
 *   initialises them itself (e.g. a classifier head with a new label count). Not fatal.
 * - `unexpected`: checkpoint tensors no parameter uses (e.g. a pre-training head). Not fatal.
 * - `duplicates`: names the spec lists more than once (a bug in the model's spec). Fatal.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParameterReport {
  readonly matched: ReadonlyArray<string>
  readonly missing: ReadonlyArray<string>
  readonly mismatched: ReadonlyArray<ShapeMismatch>
  readonly initialised: ReadonlyArray<string>
  readonly unexpected: ReadonlyArray<string>
  readonly duplicates: ReadonlyArray<string>
}

/**
 * Options of {@link compareParameters}: `initialise` names the parameters a model may create fresh, as
 * exact names, regular expressions, or a predicate.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompareParametersOptions {
  readonly initialise?: ReadonlyArray<string | RegExp> | ((name: string) => boolean) | undefined
}

const sameShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i])

const initialiser = (option: CompareParametersOptions["initialise"]): ((name: string) => boolean) => {
  if (option === undefined) return () => false
  if (typeof option === "function") return option
  return (name) =>
    option.some((p) =>
      typeof p === "string" ? p === name : new RegExp(p.source, p.flags.replace("g", "")).test(name)
    )
}

/**
 * Compares a model's parameter spec with checkpoint tensors (anything with a `shape`). Pure; never fails.
 *
 * @example
 * ```ts
 * import { compareParameters } from "@addrop/checkpoint"
 * const report = compareParameters(
 *   [{ name: "classifier.weight", shape: [3, 768] }, { name: "pooler.dense.bias", shape: [768] }],
 *   new Map([["pooler.dense.bias", { shape: [768] }], ["cls.predictions.bias", { shape: [30522] }]]),
 *   { initialise: [/^classifier\./] }
 * )
 * // report.initialised: ["classifier.weight"], report.unexpected: ["cls.predictions.bias"]
 * ```
 * @since 0.1.0
 * @category checking
 */
export const compareParameters = (
  spec: ReadonlyArray<ParameterSpec>,
  tensors: ReadonlyMap<string, { readonly shape: ReadonlyArray<number> }>,
  options?: CompareParametersOptions
): ParameterReport => {
  const mayInitialise = initialiser(options?.initialise)
  const matched: Array<string> = []
  const missing: Array<string> = []
  const mismatched: Array<ShapeMismatch> = []
  const initialised: Array<string> = []
  const duplicates: Array<string> = []
  const expected = new Set<string>()
  for (const { name, shape } of spec) {
    if (expected.has(name)) {
      if (!duplicates.includes(name)) duplicates.push(name)
      continue
    }
    expected.add(name)
    const tensor = tensors.get(name)
    if (tensor !== undefined && sameShape(shape, tensor.shape)) matched.push(name)
    else if (mayInitialise(name)) initialised.push(name)
    else if (tensor === undefined) missing.push(name)
    else mismatched.push({ name, expected: shape, actual: tensor.shape })
  }
  const unexpected = [...tensors.keys()].filter((name) => !expected.has(name))
  return { matched, missing, mismatched, initialised, unexpected, duplicates }
}

/**
 * {@link compareParameters}, failing with {@link CheckpointMismatch} when a parameter is missing or of
 * another shape (and may not be initialised), or the spec names one twice. Succeeds with the report,
 * whose `unexpected` and `initialised` lists the caller may log.
 *
 * @example
 * ```ts
 * import { checkParameters } from "@addrop/checkpoint"
 * import { Effect } from "effect"
 * declare const spec: ReadonlyArray<{ name: string; shape: ReadonlyArray<number> }>
 * declare const tensors: ReadonlyMap<string, { shape: ReadonlyArray<number> }>
 * const program = checkParameters(spec, tensors, { initialise: ["classifier.weight", "classifier.bias"] })
 * ```
 * @since 0.1.0
 * @category checking
 */
export const checkParameters = (
  spec: ReadonlyArray<ParameterSpec>,
  tensors: ReadonlyMap<string, { readonly shape: ReadonlyArray<number> }>,
  options?: CompareParametersOptions
): Effect.Effect<ParameterReport, CheckpointMismatch> =>
  Effect.suspend(() => {
    const report = compareParameters(spec, tensors, options)
    return report.missing.length === 0 && report.mismatched.length === 0 && report.duplicates.length === 0
      ? Effect.succeed(report)
      : Effect.fail(
          new CheckpointMismatch({
            missing: report.missing,
            mismatched: report.mismatched,
            unexpected: report.unexpected,
            duplicates: report.duplicates
          })
        )
  })
