/**
 * AD-Drop's mask options and their validation.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { InvalidLayer, InvalidMaskOption } from "./MaskError.js"

/**
 * Which region of each attention row is the candidate region:
 * - `high`: the top-p fraction by attribution (the paper's AD-Drop);
 * - `low`: the bottom-p fraction (the paper's negative control);
 * - `random`: p of the real keys chosen uniformly at random (the paper's RD baseline).
 *
 * @since 0.1.0
 * @category models
 */
export type Strategy = "high" | "low" | "random"

/**
 * @since 0.1.0
 * @category constants
 */
export const strategies: ReadonlyArray<Strategy> = ["high", "low", "random"]

/**
 * Mask options: `p` is the candidate fraction of each row's real keys, `q` the drop probability of a candidate.
 *
 * @since 0.1.0
 * @category models
 */
export interface MaskOptions {
  readonly p: number
  readonly q: number
  readonly strategy: Strategy
}

const unit = (option: "p" | "q", value: number) =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 1
    ? Effect.succeed(value)
    : Effect.fail(new InvalidMaskOption({ option, value, reason: "must be a number in [0, 1]" }))

/**
 * Validates mask options.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Options } from "@addrop/mask"
 * const options = Effect.runSync(Options.make({ p: 0.3, q: 0.3, strategy: "high" }))
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: {
  readonly p: number
  readonly q: number
  readonly strategy?: string | undefined
}): Effect.Effect<MaskOptions, InvalidMaskOption> =>
  Effect.gen(function* () {
    const p = yield* unit("p", input.p)
    const q = yield* unit("q", input.q)
    const strategy = input.strategy ?? "high"
    if (!(strategies as ReadonlyArray<string>).includes(strategy)) {
      return yield* new InvalidMaskOption({
        option: "strategy",
        value: strategy,
        reason: `expected one of ${strategies.join(", ")}`
      })
    }
    return { p, q, strategy: strategy as Strategy }
  })

/**
 * Validates 0-based layer indices against a model depth; returns them sorted and de-duplicated.
 *
 * @since 0.1.0
 * @category constructors
 */
export const layers = (
  requested: ReadonlyArray<number>,
  numLayers: number
): Effect.Effect<ReadonlyArray<number>, InvalidLayer> =>
  Effect.gen(function* () {
    for (const layer of requested) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= numLayers)
        return yield* new InvalidLayer({ layer, numLayers })
    }
    return [...new Set(requested)].sort((a, b) => a - b)
  })
