/**
 * The two training phases of AD-Drop's cross-tuning.
 *
 * @since 0.1.0
 */

/**
 * What a training step does: `"ft"` is plain fine-tuning (the model's ordinary dropout only), `"addrop"`
 * computes attribution maps and drops high-attribution attention positions (AD-Drop).
 *
 * @since 0.1.0
 * @category models
 */
export type Phase = "ft" | "addrop"

/**
 * Both phases, plain fine-tuning first.
 *
 * @since 0.1.0
 * @category constants
 */
export const phases: ReadonlyArray<Phase> = ["ft", "addrop"]

/**
 * Whether a value is a {@link Phase}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPhase = (value: unknown): value is Phase => value === "ft" || value === "addrop"

/**
 * The other phase: `"ft"` ↔ `"addrop"`.
 *
 * @example
 * ```ts
 * import { opposite } from "@addrop/schedule"
 * opposite("ft") // "addrop"
 * ```
 * @since 0.1.0
 * @category combinators
 */
export const opposite = (phase: Phase): Phase => (phase === "ft" ? "addrop" : "ft")
