/**
 * `addrop bench`: time plain and AD-Drop steps (see `@addrop/bench`).
 *
 * @since 0.1.0
 */
import { BackendName } from "@addrop/backends"
import { Bench } from "@addrop/bench"
import { Presets } from "@addrop/models"
import { Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { CommandFailed, InvalidOption } from "../CliError.js"

const list = <A extends string>(option: string, value: string, known: ReadonlyArray<A>) => {
  const items = value.split(",").map((s) => s.trim())
  const bad = items.find((i) => !(known as ReadonlyArray<string>).includes(i))
  return bad === undefined
    ? Effect.succeed(items as Array<A>)
    : Effect.fail(
        new InvalidOption({ option, value, reason: `unknown "${bad}"; expected ${known.join(", ")}` })
      )
}

const optional = (flag: Option.Option<number>) => Option.getOrUndefined(flag)

/** `--threads`: a count or `auto`; absent keeps wasm single-threaded. */
const threadsOption = (
  flag: Option.Option<string>
): Effect.Effect<number | "auto" | undefined, InvalidOption> => {
  const value = Option.getOrUndefined(flag)
  if (value === undefined || value === "auto") return Effect.succeed(value)
  const count = Number(value)
  return /^[0-9]+$/.test(value) && count >= 1
    ? Effect.succeed(count)
    : Effect.fail(
        new InvalidOption({ option: "threads", value, reason: 'expected a positive integer or "auto"' })
      )
}

/**
 * The `bench` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "bench",
  {
    preset: Flag.String("preset").pipe(
      Flag.withDescription("presets, comma-separated: tiny, mini, small, base"),
      Flag.withDefault("tiny")
    ),
    backend: Flag.String("backend").pipe(
      Flag.withDescription("backends, comma-separated: cpu, wasm, webgpu, node, node-gpu"),
      Flag.withDefault("wasm")
    ),
    batch: Flag.Int("batch").pipe(Flag.withDescription("batch size (default per preset)"), Flag.optional),
    seq: Flag.Int("seq").pipe(Flag.withDescription("sequence length (default per preset)"), Flag.optional),
    warmup: Flag.Int("warmup").pipe(Flag.withDescription("untimed warm-up steps"), Flag.optional),
    steps: Flag.Int("steps").pipe(Flag.withDescription("timed steps (medians are reported)"), Flag.optional),
    threads: Flag.String("threads").pipe(
      Flag.withDescription("wasm thread pool: a count (1–8) or auto (every core); default single-threaded"),
      Flag.optional
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("one JSON line per case"), Flag.withDefault(false))
  },
  (flags) =>
    Effect.gen(function* () {
      const presets = yield* list(
        "preset",
        flags.preset,
        Object.keys(Presets.byName) as Array<Presets.PresetName>
      )
      const backends = yield* list("backend", flags.backend, BackendName.all)
      const threads = yield* threadsOption(flags.threads)
      const results = Bench.stream({
        presets,
        backends,
        batch: optional(flags.batch),
        seq: optional(flags.seq),
        warmup: optional(flags.warmup),
        steps: optional(flags.steps),
        threads
      })
      if (!flags.json) {
        process.stdout.write(
          "preset  backend    B×L      layers  FT ms     AD ms     AD/FT  peak RSS MiB  leaked/step\n"
        )
      }
      yield* Stream.runForEach(results, (r) =>
        Effect.sync(() => {
          if (flags.json) {
            process.stdout.write(`${Bench.toJsonLine(r)}\n`)
            return
          }
          const n = (v: number | null, d = 1) => (v === null ? "–" : v.toFixed(d))
          process.stdout.write(
            `${r.preset.padEnd(7)} ${`${r.backend}${r.threads === 1 ? "" : `×${r.threads}`}`.padEnd(10)} ${`${r.batch}×${r.seq}`.padEnd(8)} ${r.layers.padEnd(7)} ${n(r.ftMs).padEnd(9)} ${n(r.adMs).padEnd(9)} ${n(r.ratio, 2).padEnd(6)} ${n(r.peakRssMb, 0).padEnd(13)} ${n(r.tensorsLeakedPerStep, 0)}${r.error === undefined ? "" : `  (${r.error})`}\n`
          )
        })
      )
    }).pipe(Effect.mapError((error) => new CommandFailed({ reason: error.message })))
).pipe(
  Command.withDescription(
    "Time a plain step and AD-Drop steps (GA on layer 0 and on all layers) per preset and backend, each in a fresh process: medians, AD/FT ratio, peak memory, leaks."
  )
)
