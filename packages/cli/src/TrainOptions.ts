/**
 * The settings of `addrop train`: defaults, an optional JSON config file, and flags, merged in that order
 * and validated with typed errors.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { Method } from "@addrop/attribution"
import { BackendName } from "@addrop/backends"
import { Glue } from "@addrop/data"
import { Options } from "@addrop/mask"
import { parse as parseSchedule } from "@addrop/schedule"
import { Effect, Result } from "effect"
import { InvalidOption } from "./CliError.js"
import * as DataLayout from "./DataLayout.js"

/**
 * Validated training settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrainOptions {
  readonly task: Glue.TaskName
  /** A GLUE task folder with train.tsv and dev.tsv (ignored when train/dev are given). */
  readonly data: string | undefined
  readonly train: string | undefined
  readonly dev: string | undefined
  /** tsv, csv or jsonl; by default the data files' extensions tell (see {@link DataLayout}). */
  readonly format: string | undefined
  /** Header name, JSON key, or 0-based index (with `header: false`) of the text; default the task's. */
  readonly textColumn: string | undefined
  readonly textPairColumn: string | undefined
  readonly labelColumn: string | undefined
  /** False (`--no-header`): the files' first row is data and columns are indices. */
  readonly header: boolean
  /** A Hugging Face model folder, or a preset name for a randomly initialised model. */
  readonly model: string
  /** A tokenizer folder; defaults to the model folder's, or bert-base-uncased for presets. */
  readonly tokenizer: string | undefined
  readonly backend: string
  readonly p: number
  readonly q: number
  /** "all" or comma-separated 0-based layers. */
  readonly layers: string
  readonly method: Method.Method
  readonly strategy: "high" | "low" | "random"
  readonly schedule: string
  readonly attributionMode: "train" | "eval"
  /** Peak learning rate; defaults to 2e-5 for a pretrained checkpoint and 1e-3 for a preset. */
  readonly lr: number | undefined
  readonly batch: number
  readonly epochs: number
  readonly patience: number | undefined
  readonly seed: number
  readonly maxLength: number
  readonly warmup: number
  readonly weightDecay: number
  readonly maxGradNorm: number
  readonly maxTrain: number | undefined
  readonly maxDev: number | undefined
  /** Few-shot: train on this many examples per class, drawn with `seed` (dev unchanged). */
  readonly shots: number | undefined
  readonly checkpointEvery: number | undefined
  readonly out: string | undefined
  readonly resume: boolean
  readonly json: boolean
  readonly compare: boolean
  readonly report: boolean
}

/**
 * The defaults: the embedded SST-2 sample on a randomly initialised tiny BERT, on wasm, with cross-tuned
 * AD-Drop on the first layer (p 0.3, q 0.2 — the official implementation's defaults).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: TrainOptions = {
  task: "sst2",
  data: undefined,
  train: undefined,
  dev: undefined,
  format: undefined,
  textColumn: undefined,
  textPairColumn: undefined,
  labelColumn: undefined,
  header: true,
  model: "tiny",
  tokenizer: undefined,
  backend: "wasm",
  p: 0.3,
  q: 0.2,
  layers: "0",
  method: "ga",
  strategy: "high",
  schedule: "cross",
  attributionMode: "train",
  lr: undefined,
  batch: 32,
  epochs: 4,
  patience: undefined,
  seed: 42,
  maxLength: 128,
  warmup: 0.1,
  weightDecay: 0.01,
  maxGradNorm: 1,
  maxTrain: undefined,
  maxDev: undefined,
  shots: undefined,
  checkpointEvery: undefined,
  out: undefined,
  resume: false,
  json: false,
  compare: false,
  report: true
}

type Kind = "string" | "number" | "integer" | "boolean" | "column"

/** Every option's kind; the keys are the flag names in camelCase (flags use kebab-case). */
const kinds: { readonly [K in keyof TrainOptions]: Kind } = {
  task: "string",
  data: "string",
  train: "string",
  dev: "string",
  format: "string",
  textColumn: "column",
  textPairColumn: "column",
  labelColumn: "column",
  header: "boolean",
  model: "string",
  tokenizer: "string",
  backend: "string",
  p: "number",
  q: "number",
  layers: "string",
  method: "string",
  strategy: "string",
  schedule: "string",
  attributionMode: "string",
  lr: "number",
  batch: "integer",
  epochs: "integer",
  patience: "integer",
  seed: "integer",
  maxLength: "integer",
  warmup: "number",
  weightDecay: "number",
  maxGradNorm: "number",
  maxTrain: "integer",
  maxDev: "integer",
  shots: "integer",
  checkpointEvery: "integer",
  out: "string",
  resume: "boolean",
  json: "boolean",
  compare: "boolean",
  report: "boolean"
}

/**
 * The flag name of an option (`maxLength` → `max-length`).
 *
 * @since 0.1.0
 * @category names
 */
export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

const fail = (option: string, value: unknown, reason: string) =>
  Effect.fail(new InvalidOption({ option: flagName(option), value, reason }))

/**
 * Reads a JSON config file whose keys are option names (camelCase or kebab-case).
 *
 * @since 0.1.0
 * @category constructors
 */
export const readConfigFile = (path: string): Effect.Effect<Record<string, unknown>, InvalidOption> =>
  Effect.gen(function* () {
    const text = yield* Effect.try({
      try: () => readFileSync(path, "utf8"),
      catch: (e) =>
        new InvalidOption({
          option: "config",
          value: path,
          reason: `cannot be read (${(e as Error).message})`
        })
    })
    const parsed = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) =>
        new InvalidOption({
          option: "config",
          value: path,
          reason: `is not valid JSON (${(e as Error).message})`
        })
    })
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return yield* fail("config", path, "must hold a JSON object of option names to values")
    }
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v])
    )
  })

const checkKind = (key: string, value: unknown, kind: Kind) => {
  switch (kind) {
    case "string":
      return typeof value === "string" ? Effect.succeed(value) : fail(key, value, "must be a string")
    case "boolean":
      return typeof value === "boolean" ? Effect.succeed(value) : fail(key, value, "must be true or false")
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? Effect.succeed(value)
        : fail(key, value, "must be a number")
    case "integer":
      return Number.isSafeInteger(value) ? Effect.succeed(value) : fail(key, value, "must be an integer")
    // A column is a name or a 0-based index; a config file may write the index as a number.
    case "column":
      return typeof value === "string"
        ? Effect.succeed(value)
        : Number.isSafeInteger(value) && (value as number) >= 0
          ? Effect.succeed(String(value))
          : fail(key, value, "must be a column name or a 0-based index")
  }
}

const inRange = (
  key: string,
  value: number | undefined,
  min: number,
  max = Number.POSITIVE_INFINITY,
  exclusiveMin = false
) =>
  value === undefined || ((exclusiveMin ? value > min : value >= min) && value <= max)
    ? Effect.void
    : fail(
        key,
        value,
        `must be ${exclusiveMin ? ">" : "≥"} ${min}${Number.isFinite(max) ? ` and ≤ ${max}` : ""}`
      )

/**
 * Merges `layers` of raw values (later ones win; undefined values are skipped) over the defaults and
 * validates the result.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TrainOptions } from "@addrop/cli"
 * const options = Effect.runSync(TrainOptions.resolve([{ p: 0.5, epochs: 2 }]))
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (
  layers: ReadonlyArray<Record<string, unknown>>
): Effect.Effect<TrainOptions, InvalidOption> =>
  Effect.gen(function* () {
    const merged: Record<string, unknown> = { ...defaults }
    for (const layer of layers) {
      for (const [key, value] of Object.entries(layer)) {
        if (value === undefined) continue
        if (!(key in kinds)) return yield* fail(key, value, "is not a train option")
        merged[key] = yield* checkKind(key, value, kinds[key as keyof TrainOptions])
      }
    }
    const o = merged as unknown as TrainOptions
    if (!(Glue.tasks as Record<string, unknown>)[o.task]) {
      return yield* fail(
        "task",
        o.task,
        `unknown task; expected one of ${Object.keys(Glue.tasks).join(", ")}`
      )
    }
    if (o.backend !== "auto" && !BackendName.is(o.backend)) {
      return yield* fail("backend", o.backend, `expected auto or one of ${BackendName.all.join(", ")}`)
    }
    yield* Options.make({ p: o.p, q: o.q, strategy: o.strategy }).pipe(
      Effect.mapError((e) => new InvalidOption({ option: e.option, value: e.value, reason: e.reason }))
    )
    if (!(Method.methods as ReadonlyArray<string>).includes(o.method)) {
      return yield* fail("method", o.method, `expected one of ${Method.methods.join(", ")}`)
    }
    if (o.attributionMode !== "train" && o.attributionMode !== "eval")
      return yield* fail("attributionMode", o.attributionMode, "expected train or eval")
    const schedule = parseSchedule(o.schedule)
    if (Result.isFailure(schedule)) return yield* fail("schedule", o.schedule, schedule.failure.reason)
    if (!/^(all|\d+(,\d+)*)$/.test(o.layers.replace(/\s/g, ""))) {
      return yield* fail("layers", o.layers, 'expected "all" or comma-separated layer indices such as 0,3')
    }
    // Any positive finite rate (PyTorch takes any); the trainer's NaN/Inf check catches what diverges.
    if (o.lr !== undefined && !(o.lr > 0 && Number.isFinite(o.lr)))
      yield* fail("lr", o.lr, "must be a finite number > 0")
    yield* inRange("batch", o.batch, 1)
    yield* inRange("epochs", o.epochs, 1)
    yield* inRange("patience", o.patience, 1)
    yield* inRange("seed", o.seed, 0)
    yield* inRange("maxLength", o.maxLength, 4, 4096)
    yield* inRange("warmup", o.warmup, 0, 0.99)
    yield* inRange("weightDecay", o.weightDecay, 0, 1)
    yield* inRange("maxGradNorm", o.maxGradNorm, 0, Number.POSITIVE_INFINITY, true)
    yield* inRange("maxTrain", o.maxTrain, 1)
    yield* inRange("maxDev", o.maxDev, 1)
    yield* inRange("shots", o.shots, 1)
    if (o.shots !== undefined && Glue.tasks[o.task].labels.kind === "regression")
      return yield* fail(
        "shots",
        o.shots,
        `samples per class and needs class labels; task ${o.task} is regression`
      )
    yield* inRange("checkpointEvery", o.checkpointEvery, 1)
    if ((o.train === undefined) !== (o.dev === undefined)) {
      return yield* fail(
        o.train === undefined ? "train" : "dev",
        o.train ?? o.dev,
        "--train and --dev go together"
      )
    }
    yield* DataLayout.validate(o)
    if (o.resume && o.out === undefined)
      return yield* fail("resume", true, "needs --out DIR, the folder of the run to resume")
    return o
  })

/**
 * Layer indices for a model depth: "all" or a comma-separated list, validated.
 *
 * @since 0.1.0
 * @category constructors
 */
export const layerList = (
  spec: string,
  numLayers: number
): Effect.Effect<ReadonlyArray<number>, InvalidOption> => {
  const compact = spec.replace(/\s/g, "")
  if (compact === "all") return Effect.succeed(Array.from({ length: numLayers }, (_, i) => i))
  const layers = compact.split(",").map(Number)
  const bad = layers.find((l) => !Number.isInteger(l) || l < 0 || l >= numLayers)
  return bad === undefined
    ? Effect.succeed([...new Set(layers)].sort((a, b) => a - b))
    : fail("layers", spec, `layer ${bad} does not exist: the model has layers 0..${numLayers - 1}`)
}

/**
 * The settings that must not change when a run is resumed (what the trainer's fingerprint records).
 *
 * @since 0.1.0
 * @category names
 */
export const fingerprint = (o: TrainOptions): string => {
  const {
    resume: _resume,
    json: _json,
    report: _report,
    compare: _compare,
    checkpointEvery: _every,
    header,
    ...fixed
  } = o
  // The default header is left out so that runs started before --no-header existed still resume.
  return JSON.stringify(header ? fixed : { ...fixed, header })
}
