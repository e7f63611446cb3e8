/**
 * The AD-Drop benchmark: tfjs cases (each measured in fresh child processes by `@addrop/bench`) and the
 * PyTorch reference, in one invocation; prints one JSON line per case with the tfjs ÷ PyTorch ratios, and
 * with `--write` stores the results (apps/bench/results/latest.json) and regenerates the tables of
 * BENCHMARKS.md.
 *
 *   npm run bench -w @addrop/bench-app -- [--plan full|quick] [--presets tiny,base] [--backends wasm]
 *     [--no-torch] [--no-runs] [--python /usr/bin/python3] [--write] [--report-only]
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { Bench, Isolated } from "@addrop/bench"
import { Effect } from "effect"
import * as Machine from "./Machine.js"
import * as Plan from "./Plan.js"
import * as Report from "./Report.js"
import * as Torch from "./Torch.js"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const resultsPath = fileURLToPath(new URL("../results/latest.json", import.meta.url))
const benchmarksPath = `${repoRoot}BENCHMARKS.md`

const { values } = parseArgs({
  options: {
    plan: { type: "string", default: "full" },
    presets: { type: "string" },
    backends: { type: "string" },
    "no-torch": { type: "boolean", default: false },
    "no-runs": { type: "boolean", default: false },
    python: { type: "string", default: process.env.ADDROP_PYTHON ?? "/usr/bin/python3" },
    write: { type: "boolean", default: false },
    "report-only": { type: "boolean", default: false }
  }
})

const log = (message: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)

const writeAtomic = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.tmp-${process.pid}`
  writeFileSync(temp, text)
  renameSync(temp, path)
}

const writeReport = (results: Report.Results) => {
  writeAtomic(resultsPath, `${JSON.stringify(results, null, 2)}\n`)
  let document = ""
  try {
    document = readFileSync(benchmarksPath, "utf8")
  } catch {
    document = "# Benchmarks\n"
  }
  writeAtomic(benchmarksPath, Report.replaceSection(document, Report.markdown(results)))
  log(`wrote ${resultsPath} and the tables of ${benchmarksPath}`)
}

const selectPlan = (): Plan.Plan => {
  const plan = Plan.plans[values.plan]
  if (plan === undefined)
    throw new Error(`unknown plan ${values.plan}; expected ${Object.keys(Plan.plans).join(", ")}`)
  const presets = values.presets?.split(",")
  const backends = values.backends?.split(",")
  return {
    name: plan.name,
    steps: plan.steps
      .filter((s) => presets === undefined || presets.includes(s.preset))
      .map((s) => ({
        ...s,
        backends: s.backends.filter((b) => backends === undefined || backends.includes(b))
      }))
      .filter((s) => s.backends.length > 0),
    runs: values["no-runs"]
      ? []
      : plan.runs.filter(
          (r) =>
            (presets === undefined || presets.includes(r.preset)) &&
            (backends === undefined || backends.includes(r.backend))
        )
  }
}

const program = Effect.gen(function* () {
  if (values["report-only"]) {
    writeReport(JSON.parse(readFileSync(resultsPath, "utf8")) as Report.Results)
    return
  }
  const plan = selectPlan()
  const machine = Machine.describe(values.python)
  log(
    `${machine.nproc} CPUs, ${machine.cpu}; node ${machine.node}, tfjs ${machine.tfjs}, torch ${machine.torch}`
  )
  const steps: Array<Report.StepResults> = []
  for (const config of plan.steps) {
    const tfjs: Array<Bench.CaseResult> = []
    for (const backend of config.backends) {
      const spec = {
        preset: config.preset,
        backend,
        batch: config.batch,
        seq: config.seq,
        warmup: config.warmup,
        steps: config.steps
      }
      log(
        `tfjs ${backend} ${config.preset} B=${config.batch} L=${config.seq}: ${config.warmup} warm-up + ${config.steps} timed rounds`
      )
      const [layer0, all] = yield* Bench.measureCase(spec)
      tfjs.push(layer0, all)
    }
    const torch: Array<Torch.TorchResult> = []
    if (!values["no-torch"]) {
      for (const threads of config.torchThreads) {
        log(`PyTorch ${config.preset} B=${config.batch} L=${config.seq}, ${threads} thread(s)`)
        torch.push(yield* Torch.measure(values.python, config, threads))
      }
    }
    const step = { config, tfjs, torch }
    steps.push(step)
    for (const result of tfjs) process.stdout.write(`${JSON.stringify(Report.caseLine(step, result))}\n`)
  }
  const runs: Array<Report.RunResults> = []
  for (const config of plan.runs) {
    log(
      `whole runs ${config.backend} ${config.preset} B=${config.batch} L=${config.seq}: ${config.epochs} epochs × ${config.stepsPerEpoch} steps, plain then cross-tuned`
    )
    const outcome = yield* Effect.result(
      Isolated.compareRuns({ ...config, warmup: 1, steps: 1, layers: "all" })
    )
    const run =
      outcome._tag === "Success"
        ? { config, result: outcome.success }
        : { config, error: outcome.failure.message }
    runs.push(run)
    process.stdout.write(
      `${JSON.stringify({ wholeRun: true, ...config, ...run.result, error: run.error })}\n`
    )
  }
  const results: Report.Results = {
    date: new Date().toISOString().slice(0, 10),
    plan: plan.name,
    command: `npm run bench -w @addrop/bench-app -- ${process.argv.slice(2).join(" ")}`.trim(),
    machine,
    steps,
    runs
  }
  if (values.write) writeReport(results)
})

await Effect.runPromise(program)
