/**
 * A schedule laid out over a whole training run, for dry runs, logs and tests.
 *
 * @since 0.1.0
 */
import { requireCount } from "./internal/count.js"
import type { Phase } from "./Phase.js"
import type { Schedule } from "./Schedule.js"

/**
 * The phase of every step of a run: `plan[epoch][stepInEpoch]`, `epochs × stepsPerEpoch` entries.
 *
 * @since 0.1.0
 * @category models
 */
export type Plan = ReadonlyArray<ReadonlyArray<Phase>>

/**
 * Evaluates `schedule` at every step of a run of `epochs` epochs of `stepsPerEpoch` steps each (global
 * step `epoch · stepsPerEpoch + stepInEpoch`). Throws a `RangeError` unless `epochs ≥ 0` and
 * `stepsPerEpoch ≥ 1` are integers.
 *
 * @example
 * ```ts
 * import { crossTuning, phasesFor } from "@addrop/schedule"
 * phasesFor(crossTuning(), 3, 2) // [["ft", "ft"], ["addrop", "addrop"], ["ft", "ft"]]
 * ```
 * @since 0.1.0
 * @category plans
 */
export const phasesFor = (schedule: Schedule, epochs: number, stepsPerEpoch: number): Plan => {
  requireCount("epochs", epochs)
  requireCount("stepsPerEpoch", stepsPerEpoch, 1)
  const plan: Array<Array<Phase>> = []
  for (let epoch = 0; epoch < epochs; epoch++) {
    const row: Array<Phase> = []
    for (let stepInEpoch = 0; stepInEpoch < stepsPerEpoch; stepInEpoch++) {
      row.push(schedule({ epoch, step: epoch * stepsPerEpoch + stepInEpoch, stepInEpoch }))
    }
    plan.push(row)
  }
  return plan
}

/**
 * A plan as text, one line per epoch with the runs of equal phases and their step ranges, e.g.
 * `epoch 0: ft` or `epoch 2: ft (steps 0–9), addrop (steps 10–19)`. Epochs are printed 0-based.
 *
 * @example
 * ```ts
 * import { crossTuning, formatPlan, phasesFor } from "@addrop/schedule"
 * formatPlan(phasesFor(crossTuning(), 2, 10)) // "epoch 0: ft\nepoch 1: addrop"
 * ```
 * @since 0.1.0
 * @category plans
 */
export const formatPlan = (plan: Plan): string =>
  plan
    .map((row, epoch) => {
      const runs: Array<{ phase: Phase; start: number; end: number }> = []
      row.forEach((phase, i) => {
        const last = runs[runs.length - 1]
        if (last !== undefined && last.phase === phase) last.end = i
        else runs.push({ phase, start: i, end: i })
      })
      const body =
        runs.length === 0
          ? "(no steps)"
          : runs.length === 1
            ? runs[0]!.phase
            : runs
                .map(
                  (r) => `${r.phase} (${r.start === r.end ? `step ${r.start}` : `steps ${r.start}–${r.end}`})`
                )
                .join(", ")
      return `epoch ${epoch}: ${body}`
    })
    .join("\n")
