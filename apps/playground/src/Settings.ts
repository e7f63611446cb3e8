/**
 * What a person chooses on the page: the model, AD-Drop's p, q, layers, attribution method and schedule, the
 * backend, and the run's size. Parsed from the form's strings into checked values; a bad value is a typed
 * {@link InvalidSetting} naming the field.
 *
 * @since 0.1.0
 */
import { Method } from "@addrop/attribution"
import type { Presets } from "@addrop/models"
import { compile, type InvalidSchedule, parse, type Schedule } from "@addrop/schedule"
import { Data, Effect, Result } from "effect"

/**
 * Which backend to run on: `auto` tries WebGPU, then wasm, then cpu.
 *
 * @since 0.1.0
 * @category models
 */
export type BackendChoice = "auto" | "webgpu" | "wasm" | "cpu"

/** @since 0.1.0 */
export const backendChoices: ReadonlyArray<BackendChoice> = ["auto", "webgpu", "wasm", "cpu"]

/**
 * The presets a person can start from (randomly initialised, seeded), or `folder` for a dropped Hugging Face
 * model folder.
 *
 * @since 0.1.0
 */
export const presetChoices: ReadonlyArray<Presets.PresetName> = ["tiny", "mini", "small"]

/**
 * The checked settings of a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly preset: Presets.PresetName
  readonly backend: BackendChoice
  /** AD-Drop: the candidate fraction p and the drop probability q. */
  readonly p: number
  readonly q: number
  /** 0-based layers whose attention AD-Drop masks. */
  readonly layers: ReadonlyArray<number>
  readonly method: Method.Method
  /** A schedule spec (`cross`, `always`, `every:2`, …: `@addrop/schedule`'s grammar) and its text. */
  readonly schedule: Schedule
  readonly scheduleSpec: string
  readonly epochs: number
  readonly batchSize: number
  readonly maxLength: number
  readonly learningRate: number
  /** The first N training and dev examples are used (a browser trains slowly). */
  readonly trainExamples: number
  readonly devExamples: number
  readonly seed: number
}

/**
 * The form's fields (each setting but the compiled schedule).
 *
 * @since 0.1.0
 * @category models
 */
export type Field = Exclude<keyof Settings, "schedule">

/**
 * A setting the page cannot use.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidSetting extends Data.TaggedError("InvalidSetting")<{
  readonly field: string
  readonly value: string
  readonly reason: string
}> {
  override get message() {
    return `${this.field} = "${this.value}": ${this.reason}`
  }
}

/**
 * The form's defaults: the tiny preset, the paper's GA with p = q = 0.3 on every layer, cross-tuning.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: Readonly<Record<Field, string>> = {
  preset: "tiny",
  backend: "auto",
  p: "0.3",
  q: "0.3",
  layers: "0,1",
  method: "ga",
  scheduleSpec: "cross",
  epochs: "2",
  batchSize: "16",
  maxLength: "48",
  learningRate: "0.0005",
  trainExamples: "256",
  devExamples: "128",
  seed: "42"
}

const number = (field: string, value: string, check: (n: number) => string | undefined) =>
  Effect.suspend(() => {
    const n = Number(value.trim())
    const problem = value.trim() === "" || !Number.isFinite(n) ? "not a number" : check(n)
    return problem === undefined
      ? Effect.succeed(n)
      : Effect.fail(new InvalidSetting({ field, value, reason: problem }))
  })

const integer = (field: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  number(field, value, (n) =>
    Number.isInteger(n) && n >= min && n <= max ? undefined : `must be an integer in [${min}, ${max}]`
  )

const probability = (field: string, value: string) =>
  number(field, value, (n) => (n >= 0 && n <= 1 ? undefined : "must be in [0, 1]"))

const oneOf = <A extends string>(field: string, value: string, allowed: ReadonlyArray<A>) =>
  allowed.includes(value as A)
    ? Effect.succeed(value as A)
    : Effect.fail(new InvalidSetting({ field, value, reason: `must be one of ${allowed.join(", ")}` }))

/**
 * Checks the form's strings; the layers are checked against the model's layer count when it is known.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Settings from "./Settings.js"
 * const settings = await Effect.runPromise(Settings.decode({ ...Settings.defaults, p: "0.1" }))
 * ```
 * @since 0.1.0
 * @category decoding
 */
export const decode = (
  input: Readonly<Partial<Record<Field, string>>>,
  numLayers?: number
): Effect.Effect<Settings, InvalidSetting> =>
  Effect.gen(function* () {
    const raw = { ...defaults, ...input }
    const layers = yield* Effect.forEach(
      raw.layers
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
      (s) => integer("layers", s, 0, (numLayers ?? 64) - 1)
    )
    if (layers.length === 0) {
      return yield* new InvalidSetting({
        field: "layers",
        value: raw.layers,
        reason: "name at least one layer"
      })
    }
    const schedule = parse(raw.scheduleSpec.trim())
    if (Result.isFailure(schedule)) {
      const error: InvalidSchedule = schedule.failure
      return yield* new InvalidSetting({ field: "schedule", value: raw.scheduleSpec, reason: error.message })
    }
    return {
      preset: yield* oneOf("preset", raw.preset, presetChoices),
      backend: yield* oneOf("backend", raw.backend, backendChoices),
      p: yield* probability("p", raw.p),
      q: yield* probability("q", raw.q),
      layers: [...new Set(layers)].sort((a, b) => a - b),
      method: yield* oneOf("method", raw.method, Method.methods),
      schedule: compile(schedule.success),
      scheduleSpec: raw.scheduleSpec.trim(),
      epochs: yield* integer("epochs", raw.epochs, 1, 1000),
      batchSize: yield* integer("batchSize", raw.batchSize, 1, 512),
      maxLength: yield* integer("maxLength", raw.maxLength, 4, 512),
      learningRate: yield* number("learningRate", raw.learningRate, (n) =>
        n > 0 && n < 1 ? undefined : "must be in (0, 1)"
      ),
      trainExamples: yield* integer("trainExamples", raw.trainExamples, 1),
      devExamples: yield* integer("devExamples", raw.devExamples, 1),
      seed: yield* integer("seed", raw.seed, 0, 2 ** 31 - 1)
    } satisfies Settings
  })
