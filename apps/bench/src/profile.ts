/**
 * Where a training step's time goes, per tfjs kernel: runs warm steps of one kind, then one profiled step
 * (`tf.profile`), and prints the kernels by total time. Ops with hand-written gradients (`addrop.*`) are
 * listed as a whole and their inner kernels again under their own names, so the column does not add up
 * to the step time; `share` is of the sum of the top-level kernels.
 *
 *   npm run profile -w @addrop/bench-app -- [--preset tiny] [--backend wasm] [--batch 32] [--seq 48]
 *     [--phase ft|addrop] [--layers 0|all] [--threads 1|N|auto] [--top 20] [--shapes]
 *
 * `--shapes` lists kernels per input shapes (which product, which transpose) instead of per name.
 *
 * With `--threads` above 1 the kernels run on wasm's pool; `tf.profile` times each kernel call from the
 * calling thread, so the shares stay comparable with the single-threaded profile.
 */
import { parseArgs } from "node:util"
import { TensorBackend } from "@addrop/backends"
import { type BenchCase, StepBench } from "@addrop/bench"
import type { BackendName } from "@addrop/backends"
import type { Presets } from "@addrop/models"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "tiny" },
    backend: { type: "string", default: "wasm" },
    batch: { type: "string", default: "32" },
    seq: { type: "string", default: "48" },
    phase: { type: "string", default: "ft" },
    layers: { type: "string", default: "all" },
    warmup: { type: "string", default: "2" },
    threads: { type: "string", default: "1" },
    top: { type: "string", default: "20" },
    shapes: { type: "boolean", default: false }
  }
})

const threads = values.threads === "auto" ? "auto" : Number(values.threads)

const spec: BenchCase.CaseSpec = {
  preset: values.preset as Presets.PresetName,
  backend: values.backend as BackendName.BackendName,
  batch: Number(values.batch),
  seq: Number(values.seq),
  warmup: 0,
  steps: 1
}
const kind: BenchCase.StepKind =
  values.phase === "addrop"
    ? { phase: "addrop", layers: values.layers as BenchCase.LayerSelection }
    : { phase: "ft" }

const steps = (count: number) =>
  StepBench.measureTimes({ ...spec, warmup: 0, steps: count }, [kind], { breakdownSamples: 0 })

// Warm steps and the profiled step share one backend: a threaded pool is started once and shut down when
// the scope closes (starting wasm again in the same process would time a cold module).
const { warm, profile } = await Effect.runPromise(
  Effect.gen(function* () {
    const [warm] = yield* steps(Number(values.warmup))
    const profile = yield* Effect.promise(() =>
      tf.profile(() => Effect.runPromise(steps(1)).then(() => undefined))
    )
    return { warm, profile }
  }).pipe(Effect.provide(TensorBackend.layer(spec.backend, threads === 1 ? {} : { threads })), Effect.scoped)
)
const totals = new Map<string, { ms: number; calls: number }>()
let topLevel = 0
for (const kernel of profile.kernels) {
  const ms = typeof kernel.kernelTimeMs === "number" ? kernel.kernelTimeMs : 0
  const key = values.shapes
    ? `${kernel.name} ${kernel.inputShapes.map((s) => JSON.stringify(s)).join(" ")}`
    : kernel.name
  const entry = totals.get(key) ?? { ms: 0, calls: 0 }
  totals.set(key, { ms: entry.ms + ms, calls: entry.calls + 1 })
  if (!kernel.name.startsWith("addrop.")) topLevel += ms
}
process.stdout.write(
  `${spec.backend}${threads === 1 ? "" : ` threads=${threads}`} ${spec.preset} B=${spec.batch} L=${spec.seq} ${values.phase}${kind.phase === "addrop" ? ` (${values.layers})` : ""}: warm step ${warm?.medianMs.toFixed(0)} ms\n`
)
// The profiled step's kernels against a warm step's wall time: what is left is JavaScript outside kernels
// (random draws, mask sampling, tfjs' own bookkeeping).
process.stdout.write(`top-level kernels ${topLevel.toFixed(0)} ms\n`)
process.stdout.write("kernel                         calls   total ms   share\n")
for (const [name, { ms, calls }] of [...totals]
  .sort((a, b) => b[1].ms - a[1].ms)
  .slice(0, Number(values.top))) {
  const share = name.startsWith("addrop.") ? "  (op)" : `${((100 * ms) / topLevel).toFixed(1)}%`
  process.stdout.write(
    `${name.padEnd(values.shapes ? 60 : 30)} ${String(calls).padStart(5)} ${ms.toFixed(1).padStart(10)} ${share.padStart(7)}\n`
  )
}
