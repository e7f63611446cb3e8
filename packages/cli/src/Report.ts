/**
 * Builds the HTML report of a finished run.
 *
 * @since 0.1.0
 */
import type { Model } from "@addrop/models"
import { Html } from "@addrop/report"
import type { Tokenizer } from "@addrop/tokenizer"
import type { RunState } from "@addrop/trainer"
import { Effect } from "effect"
import * as Inspect from "./Inspect.js"
import type { TrainOptions } from "./TrainOptions.js"

/**
 * The report page of a run: curves, the epoch table, and heatmaps of the first AD-Drop layer's attribution
 * (head 1) with the positions AD-Drop drops, for the first `examples` dev examples.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (args: {
  readonly options: TrainOptions
  /** The run's steps and epochs, as logged in `metrics.jsonl` (`RunState.readHistory`). */
  readonly history: {
    readonly steps: ReadonlyArray<RunState.StepRecord>
    readonly epochs: ReadonlyArray<RunState.EpochRecord>
  }
  readonly model: Model.Model
  readonly tokenizer: Tokenizer.Tokenizer
  readonly modelDescription: string
  readonly pretrained: boolean
  readonly backend: string
  readonly mainMetric: string
  readonly dev: ReadonlyArray<{
    readonly text: string
    readonly textPair?: string | undefined
    readonly label: number
  }>
  readonly layers: ReadonlyArray<number>
  readonly examples?: number
}) =>
  Effect.gen(function* () {
    const { options } = args
    const heatmaps = []
    const layer = args.layers[0]!
    for (const [i, example] of args.dev.slice(0, args.examples ?? 3).entries()) {
      const inspection = yield* Inspect.inspect(args.model, args.tokenizer, example.text, example.textPair, {
        method: options.method,
        layers: [layer],
        mask: { p: options.p, q: options.q, strategy: options.strategy },
        seed: options.seed,
        label: example.label
      })
      heatmaps.push({
        title: `dev #${i + 1}: “${example.text}${example.textPair === undefined ? "" : ` / ${example.textPair}`}” (gold ${example.label}, predicted ${inspection.pseudoLabel}), head 1`,
        tokens: inspection.tokens,
        layer,
        values: inspection.attributions[String(layer)]![0]!,
        dropped: inspection.masks?.[String(layer)]?.[0]
      })
    }
    const notes = args.pretrained
      ? []
      : [
          `The model (${args.modelDescription}) was randomly initialised: no pretrained weights can be downloaded here. Point --model at a Hugging Face folder (e.g. bert-base-uncased, roberta-base) for real fine-tuning.`
        ]
    return Html.render({
      title: `AD-Drop on ${options.task.toUpperCase()}`,
      facts: {
        model: args.modelDescription,
        backend: args.backend,
        schedule: options.schedule,
        method: options.method,
        "p / q": `${options.p} / ${options.q}`,
        layers: args.layers.join(","),
        seed: options.seed
      },
      notes,
      mainMetric: args.mainMetric,
      steps: args.history.steps,
      epochs: args.history.epochs,
      heatmaps,
      config: options
    })
  })
