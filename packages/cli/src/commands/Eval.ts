/**
 * `addrop eval`: score a model on a task's dev set.
 *
 * @since 0.1.0
 */
import { glueTasks } from "@addrop/metrics"
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import * as Workspace from "../Workspace.js"
import { inputFlags, layoutOf, modelFlags, onBackend, orUndefined, taskName } from "./Common.js"

/**
 * The `eval` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "eval",
  {
    ...modelFlags,
    data: Flag.String("data").pipe(
      Flag.withDescription("folder with a dev file: GLUE's dev.tsv, or dev.csv/dev.jsonl"),
      Flag.optional
    ),
    dev: Flag.String("dev").pipe(
      Flag.withDescription("dev file: the task's GLUE TSV, or any TSV/CSV/JSONL with the flags below"),
      Flag.optional
    ),
    ...inputFlags,
    labelColumn: Flag.String("label-column").pipe(
      Flag.withDescription("column of the label (default: the task's, e.g. label)"),
      Flag.optional
    )
  },
  (flags) =>
    onBackend(
      flags.backend,
      Effect.gen(function* () {
        const task = yield* taskName(flags.task)
        const head = Workspace.headOf(task)
        const layout = yield* layoutOf(flags)
        const dev = yield* Workspace.devFile({
          task,
          data: orUndefined(flags.data),
          dev: orUndefined(flags.dev),
          format: layout.format
        })
        const devSet = yield* Workspace.loadExamples(task, dev, undefined, layout)
        const loaded = yield* Workspace.loadModel({
          model: flags.model,
          tokenizer: orUndefined(flags.tokenizer),
          head,
          seed: flags.seed
        })
        const batches = yield* Workspace.orderedBatches(
          devSet,
          loaded.tokenizer,
          flags.batch,
          flags.maxLength
        ).pipe(Effect.onError(() => Effect.sync(() => loaded.model.dispose())))
        const scores = yield* Workspace.evaluator(task, batches)(loaded.model)
        loaded.model.dispose()
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ task, file: dev, examples: devSet.examples.length, ...scores.metrics, main: scores.main })}\n`
          )
        } else {
          const parts = Object.entries(scores.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`)
          process.stdout.write(
            `${task} dev (${devSet.examples.length} examples): ${parts.join(", ")}; ${glueTasks[task].main} ${scores.main.toFixed(4)}\n`
          )
        }
      })
    )
).pipe(
  Command.withDescription(
    "Score a model (e.g. runs/…/best) on a task's dev set with the task's GLUE metrics."
  )
)
