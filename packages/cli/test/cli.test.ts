/**
 * The `addrop` executable end to end, in child processes: every command on the GLUE samples bundled in
 * @addrop/fixtures (SST-2, CoLA, RTE, STS-B as regression), usage errors, resume after SIGKILL, Ctrl-C, divergence, and the report in Chromium.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { chromium as chromiumRequirement, itRequiring } from "@addrop/conformance"
import { glueSample } from "@addrop/fixtures"
import { describe, expect, it } from "vitest"
import { addrop, jsonLines, scratchDirs, start } from "./run.js"

const scratch = scratchDirs()

// Small runs: the first 64 training and 32 dev examples, two epochs (one plain, one AD-Drop).
const small = [
  "--max-train",
  "64",
  "--max-dev",
  "32",
  "--epochs",
  "2",
  "--batch",
  "16",
  "--max-length",
  "48",
  "--json"
]

const summaryOf = (stdout: string) =>
  jsonLines(stdout).find((l) => l.type === "summary") as Record<string, any>

describe("usage", () => {
  it("--help lists the subcommands and exits 0", () => {
    const r = addrop(["--help"])
    expect(r.status).toBe(0)
    for (const c of ["train", "eval", "predict", "attribute"]) expect(r.stdout).toContain(c)
    expect(addrop(["train", "--help"]).stdout).toContain("--schedule")
  })
  it.each([
    [["train", "--p", "2"], "addrop: --p 2: must be a number in [0, 1]"],
    [
      ["train", "--bogus"],
      "addrop: Unrecognized flag: --bogus in command addrop train (see addrop train --help)"
    ],
    [
      ["train", "--task", "cola"],
      "addrop: --data: task cola needs --data DIR or --train/--dev (only SST-2 is embedded)"
    ],
    [
      ["eval", "--model", "/nonexistent"],
      "addrop: --model /nonexistent: is neither a model folder nor a preset"
    ],
    [["frobnicate"], 'addrop: Unknown subcommand "frobnicate"']
  ])("%j fails with one clear line and status 1", (args, message) => {
    const r = addrop(args)
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain(message)
  })
})

const datasets = [
  { task: "sst2", text: "a gripping , funny film", metric: "accuracy" },
  { task: "cola", text: "the book was written by her .", metric: "matthews" },
  { task: "rte", text: "the cat sat on the mat .", pair: "a cat is sitting .", metric: "accuracy" },
  { task: "stsb", text: "a man is playing a guitar .", pair: "a person plays music .", metric: "pearson" }
] as const

describe.each(datasets)("$task: train, eval, predict, attribute", ({ task, text, metric, ...rest }) => {
  const out = scratch()
  const data = glueSample(task)
  it("train runs cross-tuned AD-Drop and saves the best model, checkpoints, metrics and the report", () => {
    const r = addrop(["train", "--task", task, "--data", data, "--out", out, ...small])
    expect(r.status, r.stderr).toBe(0)
    const events = jsonLines(r.stdout)
    expect(events.filter((e) => e.type === "epoch").map((e) => e.phase)).toEqual(["ft", "addrop"])
    const summary = summaryOf(r.stdout)
    expect(Object.keys(summary.best.metrics)).toContain(metric)
    expect(Number.isFinite(summary.best.main)).toBe(true)
    for (const f of [
      "best/model.safetensors",
      "best/config.json",
      "best/vocab.txt",
      "metrics.jsonl",
      "report.html",
      "run.json"
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true)
    }
    const config = JSON.parse(readFileSync(join(out, "best", "config.json"), "utf8"))
    if (task === "stsb") expect(config.problem_type).toBe("regression")
  })
  if (task === "sst2") {
    const browserBinary = chromiumRequirement()
    itRequiring(
      browserBinary,
      "the run's report renders in headless Chromium with curves, the epoch table and heatmaps",
      async () => {
        const { chromium } = await import("playwright-core")
        const browser = await chromium.launch({
          executablePath: browserBinary.path,
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run"
          ]
        })
        try {
          const page = await browser.newPage()
          const errors: Array<string> = []
          page.on("pageerror", (e) => errors.push(e.message))
          await page.goto(`file://${join(out, "report.html")}`)
          expect(await page.locator("#loss-curve polyline.raw").count()).toBe(1)
          expect(await page.locator("#loss-curve rect.band-addrop").count()).toBe(1)
          expect(await page.locator("#epochs tbody tr").count()).toBe(2)
          expect(await page.locator(".heatmap").count()).toBe(3)
          expect(await page.locator(".note").textContent()).toContain("randomly initialised")
          expect(errors).toEqual([])
        } finally {
          await browser.close()
        }
      }
    )
  }
  it("eval scores the best model on the dev set", () => {
    const r = addrop(["eval", "--task", task, "--data", data, "--model", join(out, "best"), "--json"])
    expect(r.status, r.stderr).toBe(0)
    const scores = jsonLines(r.stdout)[0]!
    expect(scores.examples).toBeGreaterThan(200)
    expect(typeof scores[metric]).toBe("number")
  })
  it("predict writes a GLUE-style TSV with one row per example", () => {
    const output = join(out, "predictions.tsv")
    const r = addrop([
      "predict",
      "--task",
      task,
      "--model",
      join(out, "best"),
      "--input",
      join(data, "dev.tsv"),
      "--output",
      output
    ])
    expect(r.status, r.stderr).toBe(0)
    const lines = readFileSync(output, "utf8").trim().split("\n")
    expect(lines[0]).toBe("index\tprediction")
    const devRows =
      readFileSync(join(data, "dev.tsv"), "utf8").trim().split("\n").length -
      (task === "cola" || task === "stsb" ? 0 : 1)
    expect(lines).toHaveLength(devRows + 1)
    const value = lines[1]!.split("\t")[1]!
    if (task === "stsb") expect(Number.isFinite(Number(value))).toBe(true)
    else if (task === "rte") expect(["entailment", "not_entailment"]).toContain(value)
    else expect(["0", "1"]).toContain(value)
  })
  it("attribute --json prints the documented object, deterministic for a seed", () => {
    const pair = "pair" in rest ? ["--text-pair", rest.pair] : []
    const args = [
      "attribute",
      "--task",
      task,
      "--model",
      join(out, "best"),
      "--text",
      text,
      ...pair,
      "--layers",
      "all",
      "--p",
      "0.3",
      "--q",
      "0.5",
      "--seed",
      "3",
      "--json"
    ]
    const first = addrop(args)
    expect(first.status, first.stderr).toBe(0)
    const result = JSON.parse(first.stdout) as Record<string, any>
    expect(Object.keys(result).sort()).toEqual([
      "attributions",
      "inputIds",
      "logits",
      "masks",
      "pseudoLabel",
      "tokens"
    ])
    expect(result.tokens[0]).toBe("[CLS]")
    expect(result.inputIds).toHaveLength(result.tokens.length)
    expect(Object.keys(result.attributions)).toEqual(["0", "1"])
    const L = result.tokens.length
    expect(result.attributions["0"]).toHaveLength(2) // heads
    expect(result.attributions["0"][0]).toHaveLength(L)
    expect(result.attributions["0"][0][0]).toHaveLength(L)
    const dropped = (result.masks["1"] as Array<Array<Array<number>>>).flat(2)
    expect(dropped.every((v) => v === 0 || v === 1)).toBe(true)
    expect(addrop(args).stdout).toBe(first.stdout)
  })
})

describe("robustness", () => {
  // A run to interrupt: 96 examples in batches of 16 (6 steps an epoch), a checkpoint every 2 steps.
  const checkpointedRun = (epochs: number) => [
    "train",
    "--max-train",
    "96",
    "--max-dev",
    "32",
    "--epochs",
    String(epochs),
    "--batch",
    "16",
    "--max-length",
    "32",
    "--checkpoint-every",
    "2",
    "--json",
    "--report",
    "false"
  ]

  it("a run killed with SIGKILL resumes and ends with the same metrics as an uninterrupted run", async () => {
    const common = checkpointedRun(3)
    const straightOut = scratch()
    const straight = addrop([...common, "--out", straightOut])
    expect(straight.status, straight.stderr).toBe(0)

    const killedOut = scratch()
    const child = start([...common, "--out", killedOut])
    // Kill it mid-run, after a checkpoint exists and before it finishes.
    await new Promise<void>((resolve, reject) => {
      let buffer = ""
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString()
        if (buffer.includes('"type":"step","step":8,')) {
          child.kill("SIGKILL")
          resolve()
        }
      })
      child.on("exit", () => reject(new Error("the run finished before it could be killed")))
    })
    await new Promise((resolve) => child.on("exit", resolve))
    expect(existsSync(join(killedOut, "checkpoints", "latest.json"))).toBe(true)
    expect(summaryOf(readFileSync(join(killedOut, "metrics.jsonl"), "utf8"))).toBeUndefined()

    const resumed = addrop(["train", "--resume", "--out", killedOut, "--json", "--report", "false"])
    expect(resumed.status, resumed.stderr).toBe(0)
    const started = jsonLines(resumed.stdout).find((e) => e.type === "run-started")!
    expect(started.resumedAt).toBeGreaterThan(0)
    const a = summaryOf(straight.stdout)
    const b = summaryOf(resumed.stdout)
    expect(b.best).toEqual(a.best)
    expect(b.steps).toBe(a.steps)
    // The logs agree step by step: the resumed run redid exactly what the killed run lost.
    const losses = (path: string) =>
      jsonLines(readFileSync(path, "utf8"))
        .filter((l) => l.type === "step")
        .map((l) => l.loss)
    expect(losses(join(killedOut, "metrics.jsonl"))).toEqual(losses(join(straightOut, "metrics.jsonl")))
  })

  it("Ctrl-C (SIGINT) stops a run with status 130, one line naming the last checkpoint, and no partial files", async () => {
    const args = checkpointedRun(2)
    const out = scratch()
    const child = start([...args, "--out", out])
    let stdout = ""
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal }))
    )
    // Interrupt it mid-run, once the first checkpoint exists.
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('"type":"checkpoint"') && child.exitCode === null) child.kill("SIGINT")
    })
    expect(await exit).toEqual({ code: 130, signal: null })
    expect(jsonLines(stdout).some((e) => e.type === "run-completed")).toBe(false)
    const latest = JSON.parse(readFileSync(join(out, "checkpoints", "latest.json"), "utf8"))
    const last = join(out, "checkpoints", latest.checkpoint)
    expect(stderr.trim().split("\n")).toEqual([
      `addrop: interrupted; last checkpoint ${last}; resume with: addrop train --resume --out ${out}`
    ])
    // Only complete checkpoints: no temporary folder or file is left behind.
    expect(readdirSync(join(out, "checkpoints")).filter((name) => name !== "latest.json")).toEqual([
      latest.checkpoint
    ])
    expect(readdirSync(out).filter((name) => name.endsWith(".tmp") || name.startsWith("."))).toEqual([])

    // The command the message gives resumes from that checkpoint and completes the run.
    const resumed = addrop(["train", "--resume", "--out", out, "--json", "--report", "false"])
    expect(resumed.status, resumed.stderr).toBe(0)
    const events = jsonLines(resumed.stdout)
    expect(events.find((e) => e.type === "run-started")!.resumedAt).toBe(latest.step)
    expect(summaryOf(resumed.stdout).steps).toBe(12)
  })

  it("resuming with other settings is refused", () => {
    const out = scratch()
    expect(
      addrop([
        "train",
        "--max-train",
        "32",
        "--max-dev",
        "16",
        "--epochs",
        "1",
        "--batch",
        "16",
        "--out",
        out,
        "--report",
        "false"
      ]).status
    ).toBe(0)
    const r = addrop(["train", "--resume", "--out", out, "--p", "0.9"])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("other settings")
  })

  it("a diverging run stops with one line naming the step and keeps its last checkpoint", () => {
    const out = scratch()
    const r = addrop([
      "train",
      "--max-train",
      "64",
      "--max-dev",
      "16",
      "--epochs",
      "2",
      "--batch",
      "16",
      "--lr",
      "1e30",
      "--warmup",
      "0",
      "--max-grad-norm",
      "1e30",
      "--out",
      out,
      "--report",
      "false"
    ])
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toMatch(/Training diverged at step \d+ \(epoch \d\)/)
  })

  it("a config file supplies options and flags override it", () => {
    const out = scratch()
    const config = join(out, "options.json")
    writeFileSync(
      config,
      JSON.stringify({ "max-train": 32, maxDev: 16, epochs: 1, batch: 16, report: false, schedule: "always" })
    )
    const r = addrop(["train", "--config", config, "--batch", "8", "--out", out, "--json"])
    expect(r.status, r.stderr).toBe(0)
    const started = jsonLines(r.stdout).find((e) => e.type === "run-started")!
    expect(started.stepsPerEpoch).toBe(4)
    expect(
      jsonLines(r.stdout)
        .filter((e) => e.type === "step")
        .every((e) => e.phase === "addrop")
    ).toBe(true)
  })
})

describe("few-shot (--shots K)", () => {
  const data = glueSample("sst2")
  it("trains on K examples per class of the SST-2 sample, dev unchanged, and records K in run.json", () => {
    const out = scratch()
    const r = addrop([
      "train",
      "--data",
      data,
      "--shots",
      "16",
      "--seed",
      "5",
      "--max-dev",
      "32",
      "--epochs",
      "1",
      "--batch",
      "8",
      "--max-length",
      "32",
      "--report",
      "false",
      "--out",
      out,
      "--json"
    ])
    expect(r.status, r.stderr).toBe(0)
    // 2 classes × 16 shots = 32 examples: 4 steps of 8.
    expect(jsonLines(r.stdout).find((e) => e.type === "run-started")!.stepsPerEpoch).toBe(4)
    expect(summaryOf(r.stdout).examples).toEqual({ train: 32, dev: 32 })
    expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8"))).toMatchObject({ shots: 16, seed: 5 })
  })
  it("more shots than a class has fails with one line naming the class and the largest K", () => {
    const r = addrop(["train", "--data", data, "--shots", "500", "--out", scratch()])
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain('--shots 500: class "negative" has only 458 training examples')
    expect(r.stderr).toContain("use --shots 458 or fewer")
  })
})

describe("any TSV, CSV or JSON Lines file (--text-column, --label-column, --no-header, --format)", () => {
  // The SST-2 sample's rows rewritten label first without a header (TSV, CSV), and as JSON Lines with other keys.
  const dir = scratch()
  const rowsOf = (file: "train.tsv" | "dev.tsv", n: number) =>
    readFileSync(glueSample("sst2", file), "utf8")
      .trim()
      .split("\n")
      .slice(1, n + 1)
      .map((l) => l.split("\t") as [string, string])
  const train = rowsOf("train.tsv", 64)
  const dev = rowsOf("dev.tsv", 24)
  const write = (name: string, lines: ReadonlyArray<string>) => {
    writeFileSync(join(dir, name), `${lines.join("\n")}\n`)
    return join(dir, name)
  }
  const files = {
    trainCsv: write(
      "train.csv",
      train.map(([s, l]) => `${l},"${s.replace(/"/g, '""')}"`)
    ),
    devTsv: write(
      "dev.tsv",
      dev.map(([s, l]) => `${l}\t${s}`)
    ),
    devJsonl: write(
      "dev.jsonl",
      dev.map(([s, l]) => JSON.stringify({ review: s, stars: Number(l) }))
    )
  }
  const out = join(dir, "run")
  const headerless = ["--no-header", "--text-column", "1", "--label-column", "0"]

  it("trains on a headerless CSV (train) and TSV (dev) when the columns are named by index", () => {
    const r = addrop([
      "train",
      "--train",
      files.trainCsv,
      "--dev",
      files.devTsv,
      ...headerless,
      "--epochs",
      "1",
      "--batch",
      "16",
      "--max-length",
      "32",
      "--report",
      "false",
      "--out",
      out,
      "--json"
    ])
    expect(r.status, r.stderr).toBe(0)
    expect(summaryOf(r.stdout).examples).toEqual({ train: 64, dev: 24 })
    expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8"))).toMatchObject({
      header: false,
      textColumn: "1",
      labelColumn: "0"
    })
  })
  it("eval reads JSON Lines by its keys and predict a headerless TSV, one prediction per row", () => {
    const model = join(out, "best")
    const scored = addrop([
      "eval",
      "--model",
      model,
      "--dev",
      files.devJsonl,
      "--text-column",
      "review",
      "--label-column",
      "stars",
      "--max-length",
      "32",
      "--json"
    ])
    expect(scored.status, scored.stderr).toBe(0)
    expect(JSON.parse(scored.stdout)).toMatchObject({ examples: 24, file: files.devJsonl })
    const output = join(dir, "predictions.tsv")
    const predicted = addrop([
      "predict",
      "--model",
      model,
      "--input",
      files.devTsv,
      "--no-header",
      "--text-column",
      "1",
      "--output",
      output,
      "--max-length",
      "32"
    ])
    expect(predicted.status, predicted.stderr).toBe(0)
    const lines = readFileSync(output, "utf8").trim().split("\n")
    expect(lines).toHaveLength(25)
    expect(lines[1]).toMatch(/^0\t[01]$/)
  })
  it("a label-first file without the flags fails with one line showing its first row and the flags to add", () => {
    const r = addrop(["train", "--train", files.devTsv, "--dev", files.devTsv, "--out", join(dir, "bad")])
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain(`${files.devTsv}: line 1 is not a header naming "sentence", "label"`)
    expect(r.stderr).toContain(`first row: 0="${dev[0]![1]}" 1=${JSON.stringify(dev[0]![0])}`)
    expect(r.stderr).toContain("read it with --no-header --text-column 1 --label-column 0")
  })
})
