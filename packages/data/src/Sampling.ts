/**
 * Subsets of a dataset: the first N examples, or a seeded stratified few-shot sample (the AD-Drop paper's
 * few-shot SST-2 runs use 16, 64 and 256 examples per class).
 *
 * Randomness comes from `@addrop/random` (Philox keys), so a sample is a pure function of the seed and of
 * each class's examples, identical on every runtime.
 *
 * @since 0.1.0
 */
import { Draw, Key } from "@addrop/random"
import { Effect } from "effect"
import { InvalidDataOption, NotEnoughExamples } from "./DataError.js"
import type { Dataset, Example } from "./Dataset.js"

/**
 * The first `n` examples (all of them when there are fewer), of a labelled or an unlabelled dataset.
 *
 * @since 0.1.0
 * @category sampling
 */
export const takeFirst = <D extends { readonly examples: ReadonlyArray<unknown> }>(
  dataset: D,
  n: number
): D => {
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidDataOption({ reason: `n must be a non-negative integer, got ${n}` })
  return { ...dataset, examples: dataset.examples.slice(0, n) }
}

/**
 * `perClass` examples of every class, drawn without replacement by a seeded permutation of that class's
 * examples (key: seed → `Key.Purpose.sample` → class id), returned in file order. The
 * sample of a class depends only on the seed and that class's examples. Fails with
 * {@link NotEnoughExamples} when a class is too small.
 *
 * @example
 * ```ts
 * import { Glue, Sampling } from "@addrop/data"
 * import { Effect } from "effect"
 * const train = await Effect.runPromise(Glue.loadAll("sst2", "train.tsv"))
 * const fewShot = await Effect.runPromise(Sampling.fewShot(train, { perClass: 16, seed: 13 }))
 * ```
 * @since 0.1.0
 * @category sampling
 */
export const fewShot = <D extends Dataset>(
  dataset: D,
  options: { readonly perClass: number; readonly seed: number }
): Effect.Effect<D, NotEnoughExamples | InvalidDataOption> =>
  Effect.suspend((): Effect.Effect<D, NotEnoughExamples | InvalidDataOption> => {
    const { perClass, seed } = options
    const { labels } = dataset
    if (labels.kind !== "classification") {
      const kind: string = labels.kind
      return Effect.fail(
        new InvalidDataOption({
          reason: `a stratified sample needs class labels, not ${kind === "regression" ? "regression targets" : `labels of kind "${kind}"`}`
        })
      )
    }
    if (!Number.isInteger(perClass) || perClass < 0) {
      return Effect.fail(
        new InvalidDataOption({ reason: `perClass must be a non-negative integer, got ${perClass}` })
      )
    }
    if (!Number.isSafeInteger(seed) || seed < 0) {
      return Effect.fail(
        new InvalidDataOption({ reason: `seed must be a non-negative safe integer, got ${seed}` })
      )
    }
    const byClass: Array<Array<number>> = labels.names.map(() => [])
    for (let i = 0; i < dataset.examples.length; i++) {
      const members = byClass[dataset.examples[i]!.label]
      if (members === undefined) {
        const { label, line } = dataset.examples[i]!
        return Effect.fail(
          new InvalidDataOption({ reason: `example ${i} (line ${line}) has label ${label}, not a class id` })
        )
      }
      members.push(i)
    }
    const root = Key.fold(Key.make(seed), Key.Purpose.sample)
    const chosen: Array<number> = []
    for (let c = 0; c < byClass.length; c++) {
      const members = byClass[c]!
      if (members.length < perClass) {
        return Effect.fail(
          new NotEnoughExamples({ label: labels.names[c]!, available: members.length, requested: perClass })
        )
      }
      const order = Draw.permutation(Key.fold(root, c), members.length)
      for (let k = 0; k < perClass; k++) chosen.push(members[order[k]!]!)
    }
    chosen.sort((a, b) => a - b)
    const examples: Array<Example> = chosen.map((i) => dataset.examples[i]!)
    return Effect.succeed({ ...dataset, examples })
  })
