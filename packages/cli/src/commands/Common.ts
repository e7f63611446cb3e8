/**
 * Flags and helpers shared by the commands that use a trained model.
 *
 * @since 0.1.0
 */
import { TensorBackend } from "@addrop/backends"
import { Glue } from "@addrop/data"
import { Effect, Option } from "effect"
import { Flag } from "effect/cli"
import { CommandFailed, InvalidOption } from "../CliError.js"
import * as DataLayout from "../DataLayout.js"

/**
 * `--model`, `--tokenizer`, `--backend`, `--task`, `--batch`, `--max-length`, `--json`.
 *
 * @since 0.1.0
 * @category flags
 */
export const modelFlags = {
  model: Flag.String("model").pipe(
    Flag.withDescription("Hugging Face model folder (e.g. runs/…/best), or a preset name for random init")
  ),
  tokenizer: Flag.String("tokenizer").pipe(
    Flag.withDescription("tokenizer folder (default: the model folder's)"),
    Flag.optional
  ),
  backend: Flag.String("backend").pipe(
    Flag.withDescription("auto, cpu, wasm, webgpu, node, node-gpu"),
    Flag.withDefault("wasm")
  ),
  task: Flag.String("task").pipe(
    Flag.withDescription("GLUE task: sst2, cola, rte, mrpc, stsb, mnli, qnli, qqp"),
    Flag.withDefault("sst2")
  ),
  batch: Flag.Int("batch").pipe(Flag.withDescription("batch size"), Flag.withDefault(32)),
  maxLength: Flag.Int("max-length").pipe(
    Flag.withDescription("maximum tokens per example"),
    Flag.withDefault(128)
  ),
  json: Flag.Boolean("json").pipe(Flag.withDescription("print JSON"), Flag.withDefault(false)),
  seed: Flag.Int("seed").pipe(
    Flag.withDescription("seed (random init of presets, masks)"),
    Flag.withDefault(42)
  )
} as const

/**
 * `--format`, `--text-column`, `--text-pair-column`, `--header`/`--no-header`: reading any TSV, CSV or JSON
 * Lines file (see `DataLayout`). `eval` adds `--label-column`.
 *
 * @since 0.1.0
 * @category flags
 */
export const inputFlags = {
  format: Flag.String("format").pipe(
    Flag.withDescription("tsv, csv or jsonl (default: from the file extension)"),
    Flag.optional
  ),
  textColumn: Flag.String("text-column").pipe(
    Flag.withDescription(
      "column of the text: header name, JSON key, or 0-based index with --no-header (default: the task's)"
    ),
    Flag.optional
  ),
  textPairColumn: Flag.String("text-pair-column").pipe(
    Flag.withDescription("column of the second text, for pair tasks (default: the task's)"),
    Flag.optional
  ),
  header: Flag.Boolean("header").pipe(
    Flag.withDescription(
      "files start with a header row (default); --no-header: the first row is data, columns are 0-based indices"
    ),
    Flag.withDefault(true)
  )
} as const

/**
 * The data layout of the input flags (and `--label-column`, when the command has it), validated.
 *
 * @since 0.1.0
 * @category flags
 */
export const layoutOf = (flags: {
  readonly format: Option.Option<string>
  readonly textColumn: Option.Option<string>
  readonly textPairColumn: Option.Option<string>
  readonly labelColumn?: Option.Option<string>
  readonly header: boolean
}): Effect.Effect<DataLayout.DataLayout, InvalidOption> =>
  DataLayout.validate({
    format: orUndefined(flags.format),
    textColumn: orUndefined(flags.textColumn),
    textPairColumn: orUndefined(flags.textPairColumn),
    labelColumn: flags.labelColumn === undefined ? undefined : orUndefined(flags.labelColumn),
    header: flags.header
  })

/**
 * Validates a task name.
 *
 * @since 0.1.0
 * @category validation
 */
export const taskName = (task: string): Effect.Effect<Glue.TaskName, InvalidOption> =>
  task in Glue.tasks
    ? Effect.succeed(task as Glue.TaskName)
    : Effect.fail(
        new InvalidOption({
          option: "task",
          value: task,
          reason: `unknown task; expected one of ${Object.keys(Glue.tasks).join(", ")}`
        })
      )

/**
 * Runs a command body on the chosen backend.
 *
 * @since 0.1.0
 * @category running
 */
export const onBackend = <A, E extends { readonly message: string }, R>(
  backend: string,
  effect: Effect.Effect<A, E, R>
) =>
  effect.pipe(
    Effect.scoped,
    Effect.provide(TensorBackend.layerFromName(backend)),
    Effect.mapError((error) => new CommandFailed({ reason: error.message }))
  )

/**
 * An optional flag value or undefined.
 *
 * @since 0.1.0
 * @category flags
 */
export const orUndefined = <A>(value: Option.Option<A>): A | undefined => Option.getOrUndefined(value)
