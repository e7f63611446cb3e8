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
