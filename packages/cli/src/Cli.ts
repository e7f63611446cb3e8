/**
 * The `addrop` command line.
 *
 * @since 0.1.0
 */
import { Command } from "effect/cli"
import * as Attribute from "./commands/Attribute.js"
import * as Bench from "./commands/Bench.js"
import * as Eval from "./commands/Eval.js"
import * as Predict from "./commands/Predict.js"
import * as Sweep from "./commands/Sweep.js"
import * as Train from "./commands/Train.js"
import * as Worker from "./commands/Worker.js"

/**
 * The root command with its subcommands.
 *
 * @since 0.1.0
 * @category commands
 */
export const addrop = Command.make("addrop").pipe(
  Command.withDescription("AD-Drop (attribution-driven dropout) fine-tuning for TensorFlow.js"),
  Command.withSubcommands([
    Train.command,
    Eval.command,
    Predict.command,
    Attribute.command,
    Bench.command,
    Sweep.command,
    Worker.command
  ])
)
