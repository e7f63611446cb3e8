/**
 * `addrop train`: fine-tune with cross-tuned AD-Drop.
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { TensorBackend } from "@addrop/backends"
import { writeFileAtomic } from "@addrop/checkpoint"
import { glueTasks } from "@addrop/metrics"
import { compile, parse as parseSchedule } from "@addrop/schedule"
import { Optimizer, RunState, Step, Trainer } from "@addrop/trainer"
import { Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { CommandFailed } from "../CliError.js"
import * as Progress from "../Progress.js"
import * as Report from "../Report.js"
import * as TrainOptions from "../TrainOptions.js"
import * as Workspace from "../Workspace.js"

const text = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const number = (name: string, description: string) =>
  Flag.Finite(name).pipe(Flag.withDescription(description), Flag.optional)
const integer = (name: string, description: string) =>
  Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)
const toggle = (name: string, description: string) =>
  Flag.Boolean(name).pipe(Flag.withDescription(description), Flag.optional)

const d = TrainOptions.defaults

/**
 * The flags of `addrop train` (every one optional: defaults, then `--config FILE`, then flags).
 *
 * @since 0.1.0
 * @category flags
 */
export const flags = {
  config: text("config", "JSON file of options (keys as below, camelCase or kebab-case); flags override it"),
  task: text("task", `GLUE task: sst2, cola, rte, mrpc, stsb, mnli, qnli, qqp (default ${d.task})`),
  data: text(
    "data",
    "folder with train and dev files: GLUE's train.tsv and dev.tsv, or .csv/.jsonl (default: the embedded SST-2 sample)"
  ),
  train: text(
    "train",
    "training file (with --dev): the task's GLUE TSV, or any TSV/CSV/JSONL with the flags below"
  ),
  dev: text("dev", "dev file (with --train)"),
  format: text("format", "tsv, csv or jsonl (default: from the file extension)"),
  textColumn: text(
    "text-column",
    "column of the text: header name, JSON key, or 0-based index with --no-header (default: the task's, e.g. sentence)"
  ),
  textPairColumn: text("text-pair-column", "column of the second text, for pair tasks (default: the task's)"),
  labelColumn: text("label-column", "column of the label (default: the task's, e.g. label)"),
  header: toggle(
    "header",
    "files start with a header row (default); --no-header: the first row is data, columns are 0-based indices"
  ),
  model: text(
    "model",
    `Hugging Face model folder, or a preset for random init: tiny, mini, small, base, roberta-base (default ${d.model})`
  ),
  tokenizer: text(
    "tokenizer",
    "tokenizer folder (default: the model folder's; bert-base-uncased for presets)"
  ),
  backend: text("backend", `auto, cpu, wasm, webgpu, node, node-gpu (default ${d.backend})`),
  p: number("p", `candidate fraction of each attention row (default ${d.p})`),
  q: number("q", `drop probability of a candidate (default ${d.q})`),
  layers: text("layers", `layers to apply AD-Drop to: all, or e.g. 0,3 (default ${d.layers})`),
  method: text("method", `attribution: ga, gold, iga, aa, rd, loss (default ${d.method})`),
  strategy: text("strategy", `candidate region: high, low, random (default ${d.strategy})`),
  schedule: text(
    "schedule",
    `cross, always, never, every:K[:OFFSET], steps:FT:AD, pattern:ft,addrop,…, warmup:N+SPEC (default ${d.schedule})`
  ),
  attributionMode: text(
    "attribution-mode",
    `first pass with the step's dropout (train) or without (eval) (default ${d.attributionMode})`
  ),
  lr: number("lr", "peak learning rate (default 2e-5 for checkpoints, 1e-3 for presets)"),
  batch: integer("batch", `batch size (default ${d.batch})`),
  epochs: integer("epochs", `epochs (default ${d.epochs})`),
  patience: integer("patience", "stop after this many evaluations without improvement (default: never)"),
  seed: integer("seed", `seed of initialisation, shuffling, dropout and masks (default ${d.seed})`),
  maxLength: integer("max-length", `maximum tokens per example (default ${d.maxLength})`),
  warmup: number("warmup", `fraction of steps of linear warmup (default ${d.warmup})`),
  weightDecay: number("weight-decay", `AdamW weight decay (default ${d.weightDecay})`),
  maxGradNorm: number("max-grad-norm", `gradient clipping norm (default ${d.maxGradNorm})`),
  maxTrain: integer("max-train", "use only the first N training examples"),
  maxDev: integer("max-dev", "use only the first N dev examples"),
  shots: integer(
    "shots",
    "few-shot: train on K examples per class drawn with --seed (after --max-train); dev unchanged"
  ),
  checkpointEvery: integer("checkpoint-every", "also checkpoint every N steps (default: each epoch)"),
  out: text("out", "output folder (default runs/<task>-<time>)"),
  resume: toggle("resume", "continue the run in --out from its last checkpoint"),
  json: toggle("json", "print JSON lines (events and a summary) instead of progress"),
  compare: toggle("compare", "run plain fine-tuning and AD-Drop with the same seed and print both"),
  report: toggle("report", "write report.html (default true)")
} as const

type Flags = { readonly [K in keyof typeof flags]: Option.Option<string | number | boolean> }

/** The flag values that were given, by option name. */
const given = (values: Flags): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) {
    if (key !== "config" && Option.isSome(value)) out[key] = value.value
  }
  return out
}

const timestamp = () => new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)

/**
 * A run's summary, as printed with `--json`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly type: "summary"
  readonly task: string
  readonly out: string
  readonly schedule: string
  /** The examples trained and evaluated on (after --max-train, --shots and --max-dev). */
  readonly examples: { readonly train: number; readonly dev: number }
  readonly best:
    | { readonly epoch: number; readonly metrics: Readonly<Record<string, number>>; readonly main: number }
    | undefined
  readonly epochs: number
  readonly steps: number
  readonly stoppedEarly: boolean
  readonly report: string | undefined
  readonly pretrained: boolean
  readonly backend: string
}

/**
 * Trains once with fully resolved options.
 *
 * @since 0.1.0
 * @category running
 */
export const trainOnce = (options: TrainOptions.TrainOptions, label = "") =>
  Effect.gen(function* () {
    const write = (t: string) => process.stdout.write(t)
    const mode = Progress.detectMode(options.json)
    const say = (t: string) => (mode === "json" ? undefined : write(t))
    const backend = yield* TensorBackend.TensorBackend
    const files = yield* Workspace.dataFiles(options)
    const trainSet = yield* Workspace.sampleShots(
      yield* Workspace.loadExamples(options.task, files.train, options.maxTrain, options),
      options.shots,
      options.seed
    )
    const devSet = yield* Workspace.loadExamples(options.task, files.dev, options.maxDev, options)
    const head = Workspace.headOf(options.task)
    const out = options.out ?? join("runs", `${options.task}-${timestamp()}`)
    mkdirSync(out, { recursive: true })
    const loaded = yield* Workspace.loadModel({
      model: options.model,
      tokenizer: options.tokenizer,
      head,
      seed: options.seed
    })
    const restored = options.resume ? yield* RunState.load(out, { ...head }) : undefined
    const model = restored?.model ?? loaded.model
    if (restored !== undefined) loaded.model.dispose()
    // However the run ends (completed, failed, interrupted by Ctrl-C), the model and the moments it was
    // resumed with are freed; the moments a fresh run makes are freed by the trainer's stream.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (restored !== undefined) Optimizer.dispose(restored.optimizer)
        model.dispose()
      })
    )
    const layers = yield* TrainOptions.layerList(options.layers, model.numLayers)
    // TrainOptions.resolve has parsed it already; a bad spec here still fails typed, not as a defect.
    const scheduleSpec = yield* Effect.fromResult(parseSchedule(options.schedule))
    const lr = options.lr ?? (loaded.pretrained ? 2e-5 : 1e-3)
    yield* writeFileAtomic(join(out, "run.json"), `${JSON.stringify(options, null, 2)}\n`)
    const info = glueTasks[options.task]
    say(
      `${label === "" ? "" : `[${label}] `}${options.task}: ${trainSet.examples.length} train${options.shots === undefined ? "" : ` (${options.shots} per class, seed ${options.seed})`} / ${devSet.examples.length} dev examples${files.embedded ? " (embedded sample)" : ""}; model ${loaded.description}; backend ${backend.name}\n`
    )
    if (!loaded.pretrained && label === "") {
      say(
        "note: no pretrained weights can be fetched here, so the model starts from random weights; use --model DIR with a downloaded Hugging Face checkpoint (bert-base-uncased, roberta-base) to fine-tune a pretrained model.\n"
      )
    }
    const devBatches = yield* Workspace.orderedBatches(
      devSet,
      loaded.tokenizer,
      options.batch,
      options.maxLength
    )
    const reporter = Progress.make(mode, info.main, write, label)
    const adDrop = {
      method: options.method,
      layers,
      mask: { p: options.p, q: options.q, strategy: options.strategy },
      attributionMode: options.attributionMode
    }
    let lastCheckpoint = restored?.dir
    let completed: Extract<Trainer.TrainerEvent, { type: "run-completed" }> | undefined
    yield* Trainer.stream({
      model,
      data: Workspace.trainData(trainSet, loaded.tokenizer, {
        batchSize: options.batch,
        maxLength: options.maxLength,
        seed: options.seed
      }),
      evaluate: Workspace.evaluator(options.task, devBatches),
      config: {
        epochs: options.epochs,
        learningRate: lr,
        warmupRatio: options.warmup,
        maxGradNorm: options.maxGradNorm,
        schedule: compile(scheduleSpec),
        adDrop,
        patience: options.patience,
        seed: options.seed,
        checkpointEvery: options.checkpointEvery,
        outDir: out,
        fingerprint: TrainOptions.fingerprint(options)
      },
      start: restored,
      bestExtraFiles: loaded.tokenizerFiles
    }).pipe(
      Stream.runForEach((event) => {
        if (event.type === "checkpoint") lastCheckpoint = event.path
        if (event.type === "run-completed") completed = event
        return reporter.onEvent(event)
      }),
      // Ctrl-C interrupts the run between steps; say where it can be picked up again.
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          reporter.stop()
          process.stderr.write(`${interruptedMessage(out, lastCheckpoint)}\n`)
        })
      ),
      Effect.provide(
        Step.layerFromConfig(adDrop, { ...Optimizer.defaults, weightDecay: options.weightDecay })
      )
    )
    let reportPath: string | undefined
    if (options.report) {
      const html = yield* Report.render({
        options,
        history: yield* RunState.readHistory(out),
        model,
        tokenizer: loaded.tokenizer,
        modelDescription: loaded.description,
        pretrained: loaded.pretrained,
        backend: backend.name,
        mainMetric: info.main,
        dev: devSet.examples,
        layers
      })
      reportPath = join(out, "report.html")
      yield* writeFileAtomic(reportPath, html)
    }
    const best = completed?.best
    const summary: Summary = {
      type: "summary",
      task: options.task,
      out,
      schedule: options.schedule,
      examples: { train: trainSet.examples.length, dev: devSet.examples.length },
      best:
        best === undefined ? undefined : { epoch: best.epoch + 1, metrics: best.metrics, main: best.main },
      epochs: completed?.epochs ?? 0,
      steps: completed?.steps ?? 0,
      stoppedEarly: completed?.stoppedEarly ?? false,
      report: reportPath,
      pretrained: loaded.pretrained,
      backend: backend.name
    }
    return summary
  }).pipe(Effect.scoped, Effect.provide(TensorBackend.layerFromName(options.backend)))

/**
 * The line `addrop train` prints when Ctrl-C stops a run: where its last complete checkpoint is and how to
 * go on from it.
 *
 * @since 0.1.0
 * @category running
 */
export const interruptedMessage = (out: string, lastCheckpoint: string | undefined): string =>
  lastCheckpoint === undefined
    ? `addrop: interrupted before the first checkpoint; nothing to resume in ${out}`
    : `addrop: interrupted; last checkpoint ${lastCheckpoint}; resume with: addrop train --resume --out ${out}`

const describeBest = (summary: Summary, metric: string) =>
  summary.best === undefined
    ? "no evaluation"
    : `dev ${metric} ${summary.best.main.toFixed(4)} (best, epoch ${summary.best.epoch}${
        Object.keys(summary.best.metrics).length > 1
          ? `; ${Object.entries(summary.best.metrics)
              .map(([k, v]) => `${k} ${v.toFixed(4)}`)
              .join(", ")}`
          : ""
      })`

/**
 * Resolves the options of `addrop train` from defaults, the saved run (when resuming), the config file
 * and the flags.
 *
 * @since 0.1.0
 * @category running
 */
export const resolveOptions = (values: Flags) =>
  Effect.gen(function* () {
    const fromFlags = given(values)
    const fromFile = Option.isSome(values.config)
      ? yield* TrainOptions.readConfigFile(String(values.config.value))
      : {}
    const out = (fromFlags.out ?? fromFile.out) as string | undefined
    const resuming = (fromFlags.resume ?? fromFile.resume) === true
    // A resumed run starts from the settings it was started with.
    const saved: Record<string, unknown> =
      resuming && out !== undefined && existsSync(join(out, "run.json"))
        ? JSON.parse(readFileSync(join(out, "run.json"), "utf8"))
        : {}
    delete saved.resume
    delete saved.json
    return yield* TrainOptions.resolve([saved, fromFile, fromFlags])
  })

/**
 * Runs `addrop train` for resolved options: one run, or with `--compare` a plain and an AD-Drop run.
 *
 * @since 0.1.0
 * @category running
 */
export const train = (options: TrainOptions.TrainOptions) =>
  Effect.gen(function* () {
    const metric = glueTasks[options.task].main
    const write = (t: string) => process.stdout.write(t)
    if (!options.compare) {
      const summary = yield* trainOnce(options)
      if (options.json) write(`${JSON.stringify(summary)}\n`)
      else {
        write(`${describeBest(summary, metric)}\n`)
        write(`best model: ${join(summary.out, "best")} (Hugging Face layout)\n`)
        if (summary.report !== undefined) write(`report: ${summary.report}\n`)
      }
      return
    }
    const base = options.out ?? join("runs", `${options.task}-compare-${timestamp()}`)
    const plain = yield* trainOnce(
      { ...options, schedule: "never", out: join(base, "fine-tuning") },
      "fine-tuning"
    )
    const addrop = yield* trainOnce({ ...options, out: join(base, "ad-drop") }, "AD-Drop")
    if (options.json) {
      write(`${JSON.stringify({ type: "comparison", fineTuning: plain, adDrop: addrop })}\n`)
      return
    }
    const row = (name: string, s: Summary) =>
      `  ${name.padEnd(12)} ${s.best === undefined ? "–" : s.best.main.toFixed(4)}   (epoch ${s.best?.epoch ?? "–"})   ${s.out}`
    write(
      `\nsame seed (${options.seed}), dev ${metric}:\n${row("fine-tuning", plain)}\n${row("AD-Drop", addrop)}\n`
    )
    const delta = (addrop.best?.main ?? Number.NaN) - (plain.best?.main ?? Number.NaN)
    write(`  difference   ${delta >= 0 ? "+" : ""}${delta.toFixed(4)}\n`)
  })

/**
 * The `train` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("train", flags, (values) =>
  Effect.flatMap(resolveOptions(values as Flags), train).pipe(
    Effect.mapError((error) => new CommandFailed({ reason: error.message }))
  )
).pipe(
  Command.withDescription(
    "Fine-tune a BERT-like model with cross-tuned AD-Drop. With no flags: a randomly initialised tiny BERT on the embedded SST-2 sample, on wasm."
  )
)
