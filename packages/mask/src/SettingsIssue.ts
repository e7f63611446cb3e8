/**
 * The first issue of a failed `Schema` decode of settings, as the culprit's path, its actual value and a
 * message: what the packages' tagged setting errors (`InvalidMaskOption`, the trainer's
 * `InvalidTrainerConfig`) report. Shared here because every package that validates settings depends on
 * `@addrop/mask`.
 *
 * @since 0.1.0
 */
import { SchemaIssue } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface SettingsIssue {
  /** Keys from the decoded input to the culprit (`["epochs"]`, `[2]`); empty when the input itself is bad. */
  readonly path: ReadonlyArray<PropertyKey>
  /** The value found at `path` in the input. */
  readonly actual: unknown
  /** Schema's message for the failed check ("Expected an integer", or the check's `message` annotation). */
  readonly message: string
}

const standard = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * The first issue of `issue` (the `issue` of a `Schema.SchemaError`), found in `input`, the value decoded.
 * The actual value is read from `input` along the path, since a Schema issue keeps its input only under
 * `reportInput`.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { SettingsIssue } from "@addrop/mask"
 * const input = { epochs: 1.5 }
 * const issue = Effect.runSync(
 *   Effect.flip(Schema.decodeUnknownEffect(Schema.Struct({ epochs: Schema.Int }))(input))
 * ).issue
 * SettingsIssue.first(issue, input) // { path: ["epochs"], actual: 1.5, message: "Expected an integer" }
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const first = (issue: SchemaIssue.Issue, input: unknown): SettingsIssue => {
  const [found] = standard(issue).issues
  const path = (found?.path ?? []).map((segment) => (typeof segment === "object" ? segment.key : segment))
  const actual = path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === "object" ? Reflect.get(value, key) : undefined),
    input
  )
  return { path, actual, message: found?.message ?? "invalid" }
}
