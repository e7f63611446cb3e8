/**
 * `addrop attribute`: show what AD-Drop would attribute and drop for one input.
 *
 * @since 0.1.0
 */
import { Method } from "@addrop/attribution"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { InvalidOption } from "../CliError.js"
import * as Inspect from "../Inspect.js"
import * as TrainOptions from "../TrainOptions.js"
import * as Workspace from "../Workspace.js"
import { modelFlags, onBackend, orUndefined, taskName } from "./Common.js"

/**
 * The `attribute` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "attribute",
  {
    ...modelFlags,
    text: Flag.String("text").pipe(Flag.withDescription("the input text")),
    textPair: Flag.String("text-pair").pipe(
      Flag.withDescription("the second text of a pair task"),
      Flag.optional
    ),
    method: Flag.String("method").pipe(
      Flag.withDescription("ga, gold, iga, aa, rd, loss"),
      Flag.withDefault("ga")
    ),
    layers: Flag.String("layers").pipe(Flag.withDescription("all, or e.g. 0,3"), Flag.withDefault("all")),
    label: Flag.Int("label").pipe(Flag.withDescription("gold label (for --method gold)"), Flag.optional),
    p: Flag.Finite("p").pipe(
      Flag.withDescription("with --q: also sample masks with this candidate fraction"),
      Flag.optional
    ),
    q: Flag.Finite("q").pipe(Flag.withDescription("drop probability of a candidate"), Flag.optional),
    strategy: Flag.String("strategy").pipe(
      Flag.withDescription("high, low, random"),
      Flag.withDefault("high")
    )
  },
  (flags) =>
    onBackend(
      flags.backend,
      Effect.gen(function* () {
        const task = yield* taskName(flags.task)
        if (!(Method.methods as ReadonlyArray<string>).includes(flags.method)) {
          return yield* new InvalidOption({
            option: "method",
            value: flags.method,
            reason: `expected one of ${Method.methods.join(", ")}`
          })
        }
        if (Option.isSome(flags.p) !== Option.isSome(flags.q)) {
          return yield* new InvalidOption({
            option: Option.isSome(flags.p) ? "q" : "p",
            value: undefined,
            reason: "--p and --q go together"
          })
        }
        const mask =
          Option.isSome(flags.p) && Option.isSome(flags.q)
            ? yield* TrainOptions.resolve([{ p: flags.p.value, q: flags.q.value, strategy: flags.strategy }])
            : undefined
        const loaded = yield* Workspace.loadModel({
          model: flags.model,
          tokenizer: orUndefined(flags.tokenizer),
          head: Workspace.headOf(task),
          seed: flags.seed
        })
        const layers = yield* TrainOptions.layerList(flags.layers, loaded.model.numLayers)
        const result = yield* Inspect.inspect(
          loaded.model,
          loaded.tokenizer,
          flags.text,
          orUndefined(flags.textPair),
          {
            method: flags.method as Method.Method,
            layers,
            mask: mask === undefined ? undefined : { p: mask.p, q: mask.q, strategy: mask.strategy },
            seed: flags.seed,
            label: orUndefined(flags.label)
          }
        ).pipe(Effect.ensuring(Effect.sync(() => loaded.model.dispose())))
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`)
          return
        }
        process.stdout.write(
          `tokens: ${result.tokens.join(" ")}\nlogits: ${result.logits.map((v) => v.toFixed(4)).join(" ")}  (pseudo label ${result.pseudoLabel})\n`
        )
        for (const [layer, heads] of Object.entries(result.attributions)) {
          const mean = heads.flat(2).reduce((a, b) => a + Math.abs(b), 0) / heads.flat(2).length
          const dropped = result.masks?.[layer]?.flat(2).reduce((a, b) => a + b, 0)
          process.stdout.write(
            `layer ${layer}: mean |attribution| ${mean.toExponential(3)}${dropped === undefined ? "" : `, ${dropped} positions dropped`}\n`
          )
        }
        process.stdout.write("use --json for the full maps\n")
      })
    )
).pipe(
  Command.withDescription(
    "Attribute one input's prediction to each layer's attention maps, and optionally sample the masks AD-Drop would apply (evaluation mode: deterministic for a seed)."
  )
)
