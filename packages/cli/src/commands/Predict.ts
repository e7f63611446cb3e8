/**
 * `addrop predict`: write GLUE-style predictions for a file.
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { writeFileAtomic } from "@addrop/checkpoint"
import { Batch, Glue } from "@addrop/data"
import { Evaluate } from "@addrop/trainer"
import { Effect, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import * as Workspace from "../Workspace.js"
import { inputFlags, layoutOf, modelFlags, onBackend, orUndefined, taskName } from "./Common.js"

/** GLUE's submission format: label names for the entailment tasks, ids for the others, scores for STS-B. */
const formatPrediction = (task: Glue.TaskName, value: number): string => {
  const labels = Glue.tasks[task].labels
  if (labels.kind === "regression") return value.toFixed(3)
  return task === "mnli" || task === "qnli" || task === "rte" ? labels.names[value]! : String(value)
}

/**
 * The `predict` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "predict",
  {
    ...modelFlags,
    input: Flag.String("input").pipe(
      Flag.withDescription("file to predict: the task's GLUE TSV, or any TSV/CSV/JSONL with the flags below")
    ),
    ...inputFlags,
    output: Flag.String("output").pipe(
      Flag.withDescription("prediction TSV to write (default: <TASK>.tsv next to the model)"),
      Flag.optional
    )
  },
  (flags) =>
    onBackend(
      flags.backend,
      Effect.gen(function* () {
        const task = yield* taskName(flags.task)
        const head = Workspace.headOf(task)
        // Test files have no labels; labelled train/dev files are read with their labels ignored.
        const dataset = yield* Workspace.loadInputs(task, flags.input, yield* layoutOf(flags))
        const loaded = yield* Workspace.loadModel({
          model: flags.model,
          tokenizer: orUndefined(flags.tokenizer),
          head,
          seed: flags.seed
        })
        const batches = yield* Stream.runCollect(
          Batch.inputBatches(dataset, {
            tokenizer: loaded.tokenizer,
            batchSize: flags.batch,
            maxLength: flags.maxLength
          })
        ).pipe(Effect.onError(() => Effect.sync(() => loaded.model.dispose())))
        const { predictions } = yield* Evaluate.predict(loaded.model, batches).pipe(
          Effect.ensuring(Effect.sync(() => loaded.model.dispose()))
        )
        const lines = [
          "index\tprediction",
          ...Array.from(predictions, (p, i) => `${dataset.examples[i]!.id}\t${formatPrediction(task, p)}`)
        ]
        const output = orUndefined(flags.output) ?? join(flags.model, `${task.toUpperCase()}.tsv`)
        yield* writeFileAtomic(output, `${lines.join("\n")}\n`)
        if (flags.json)
          process.stdout.write(
            `${JSON.stringify({ task, input: flags.input, output, predictions: predictions.length })}\n`
          )
        else process.stdout.write(`${predictions.length} predictions written to ${output}\n`)
      })
    )
).pipe(
  Command.withDescription(
    "Predict a task file with a model and write a GLUE-style prediction TSV (index, prediction)."
  )
)
