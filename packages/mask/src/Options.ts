/**
 * AD-Drop's mask options and their validation.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { InvalidLayer, InvalidMaskOption } from "./MaskError.js"
import * as SettingsIssue from "./SettingsIssue.js"

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

const Probability = Schema.Finite.check(
  Schema.isBetween({ minimum: 0, maximum: 1 }, { message: "must be a number in [0, 1]" })
)

/**
 * The schema of mask options: `p` and `q` finite numbers in [0, 1], `strategy` one of {@link strategies}
 * (absent: `high`). Compose it into larger settings schemas; {@link make} decodes with it.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Options } from "@addrop/mask"
 * const Settings = Schema.Struct({ mask: Options.MaskSettings, layers: Schema.Array(Schema.Int) })
 * Schema.decodeUnknownSync(Settings)({ mask: { p: 0.3, q: 0.3 }, layers: [0, 11] })
 * ```
 * @since 0.1.0
 * @category schemas
 */
export const MaskSettings = Schema.Struct({
  p: Probability,
  q: Probability,
  strategy: Schema.Literals(strategies).pipe(Schema.withDecodingDefault(Effect.succeed("high" as const)))
})

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
  Schema.decodeUnknownEffect(MaskSettings)(input).pipe(
    Effect.mapError(({ issue }) => {
      const { path, actual, message } = SettingsIssue.first(issue, input)
      return new InvalidMaskOption({
        option: path[0] as InvalidMaskOption["option"],
        value: actual,
        reason: message
      })
    })
  )

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
  Schema.decodeUnknownEffect(
    Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: numLayers - 1 })))
  )(requested).pipe(
    Effect.map((valid) => [...new Set(valid)].sort((a, b) => a - b)),
    Effect.mapError(
      ({ issue }) =>
        new InvalidLayer({ layer: SettingsIssue.first(issue, requested).actual as number, numLayers })
    )
  )
