/**
 * The AD-Drop benchmark: tfjs cases (each measured in fresh child processes by `@addrop/bench`, one
 * wasm thread count at a time) and the PyTorch reference at the same thread counts, in one invocation;
 * prints one JSON line per case with the tfjs ÷ PyTorch ratios, and with `--write` stores the results
 * (apps/bench/results/latest.json) and regenerates the tables of BENCHMARKS.md.
 *
 *   npm run bench -w @addrop/bench-app -- [--plan full|tiny-mini|quick] [--presets tiny,base]
 *     [--backends wasm] [--threads 1,all] [--no-torch] [--no-runs] [--no-matmul]
 *     [--python /usr/bin/python3] [--write] [--report-only]
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs"
import { loadavg } from "node:os"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { Bench, Isolated } from "@addrop/bench"
import { Effect } from "effect"
import * as Machine from "./Machine.js"
import * as MatmulBench from "./MatmulBench.js"
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
    threads: { type: "string" },
    "no-torch": { type: "boolean", default: false },
    "no-runs": { type: "boolean", default: false },
    "no-matmul": { type: "boolean", default: false },
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

const load1 = () => Math.round(loadavg()[0]! * 100) / 100
const loads = () => loadavg().map((x) => Math.round(x * 100) / 100)

const selectPlan = (): Plan.Plan => {
  const plan = Plan.plans[values.plan]
  if (plan === undefined)
    throw new Error(`unknown plan ${values.plan}; expected ${Object.keys(Plan.plans).join(", ")}`)
  return Plan.select(plan, {
    presets: values.presets?.split(","),
    backends: values.backends?.split(","),
    threads: values.threads === undefined ? undefined : Plan.parseThreads(values.threads),
    runs: !values["no-runs"],
    matmul: !values["no-matmul"]
  })
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
  const startLoad = loads()
  log(`load average ${startLoad.join(" / ")}`)
  const steps: Array<Report.StepResults> = []
  for (const config of plan.steps) {
    const before = load1()
    const tfjs: Array<Bench.CaseResult> = []
    for (const backend of config.backends) {
      // Each setting's cases run in their own fresh children (Isolated): a wasm pool is fixed per process.
      for (const setting of Plan.tfjsThreads(config, backend)) {
        const threads: Bench.BenchOptions["threads"] =
          setting === 1 ? undefined : setting === "all" ? "auto" : setting
        const spec = {
          preset: config.preset,
          backend,
          batch: config.batch,
          seq: config.seq,
          warmup: config.warmup,
          steps: config.steps,
          threads
        }
        log(
          `tfjs ${backend} ${config.preset} B=${config.batch} L=${config.seq}, threads ${setting}: ${config.warmup} warm-up + ${config.steps} timed rounds (load ${load1()})`
        )
        const [layer0, all] = yield* Bench.measureCase(spec)
        tfjs.push(layer0, all)
      }
    }
    const torch: Array<Report.TorchColumn> = []
    if (!values["no-torch"]) {
      for (const setting of config.threads) {
        const threads = setting === "all" ? machine.nproc : setting
        log(
          `PyTorch ${config.preset} B=${config.batch} L=${config.seq}, ${threads} thread(s) (load ${load1()})`
        )
        torch.push({ ...(yield* Torch.measure(values.python, config, threads)), setting })
      }
    }
    const step = { config, tfjs, torch, load: { before, after: load1() } }
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
  const matmul: Array<MatmulBench.MatmulResult> = []
  for (const setting of plan.matmul?.threads ?? []) {
    log(`matmul ${plan.matmul!.size}³ on wasm, threads ${setting} (load ${load1()})`)
    const result = yield* MatmulBench.measure(plan.matmul!, setting, load1)
    matmul.push(result)
    process.stdout.write(`${JSON.stringify({ matmul: true, ...result })}\n`)
  }
  const results: Report.Results = {
    date: new Date().toISOString().slice(0, 10),
    plan: plan.name,
    command: `npm run bench -w @addrop/bench-app -- ${process.argv.slice(2).join(" ")}`.trim(),
    machine,
    load: { start: startLoad, end: loads() },
    steps,
    runs,
    matmul
  }
  if (values.write) writeReport(results)
})

await Effect.runPromise(program)
