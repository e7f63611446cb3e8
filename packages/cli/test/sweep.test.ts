/**
 * `addrop sweep` end to end: a grid of tiny runs on the local pool (2 workers), re-run to show finished
 * jobs are skipped, then the same grid over BullMQ on a private Redis with 2 `addrop worker`s, one of which
 * is SIGKILLed mid-job: every job completes once, the killed one resumes from its checkpoint on the other
 * worker, and the summary equals the local pool's.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { describeRequiring, executable } from "@addrop/conformance"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { addrop, jsonLines, scratchDirs, start } from "./run.js"

const scratch = scratchDirs()

// 9 tiny jobs: ga at p 0.1/0.3 × q 0.3 and plain fine-tuning, seeds 1-3; 4 steps per epoch, a checkpoint
// every 2 steps (so that a killed job has one to resume from; every step would double the disk writes).
const grid = ["--p", "0.1,0.3", "--q", "0.3", "--method", "ft,ga", "--seeds", "1-3"]
const tiny = [
  "--max-train",
  "32",
  "--max-dev",
  "32",
  "--epochs",
  "2",
  "--batch",
  "8",
  "--max-length",
  "32",
  "--lr",
  "0.003",
  "--checkpoint-every",
  "2"
]
const JOBS = 9

/** Runs a child to completion without blocking the event loop (the workers' output is read meanwhile). */
const finish = (child: ChildProcess) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = ""
    let stderr = ""
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      stdout += c
    })
    child.stderr!.setEncoding("utf8").on("data", (c: string) => {
      stderr += c
    })
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"))

let localSummary: unknown

describe("addrop sweep on the local pool", () => {
  const out = scratch()

  it("runs every job once, with 2 workers, and summarizes them", () => {
    const t0 = Date.now()
    const run = addrop(["sweep", ...grid, ...tiny, "--workers", "2", "--out", out])
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    console.log(`local pool: ${JOBS} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    expect(run.stdout).toContain(
      `${JOBS} jobs (0 finished earlier, ${JOBS} to run) on local pool of 2 workers`
    )
    const runs = readFileSync(join(out, "runs.tsv"), "utf8").trim().split("\n").slice(1)
    expect(runs).toHaveLength(JOBS)
    const ids = runs.map((r) => r.split("\t")[0]!)
    expect(new Set(ids).size).toBe(JOBS)
    for (const id of ids) {
      expect(existsSync(join(out, "runs", id, "metrics.jsonl"))).toBe(true)
      expect(JSON.parse(readFileSync(join(out, "runs", id, "result.json"), "utf8")).resumedFrom).toBeNull()
    }
    const summary = summaryOf(out)
    expect(summary.metric).toBe("accuracy")
    expect(summary.settings).toHaveLength(3)
    for (const s of summary.settings) expect(s.seeds).toEqual([1, 2, 3])
    // The paired difference is the mean of per-seed differences, recomputed here from runs.tsv.
    const score = (method: string, p: string, seed: number) =>
      Number(
        runs.map((r) => r.split("\t")).find((c) => c[1] === method && c[2] === p && c[4] === String(seed))![5]
      )
    const diffs = [1, 2, 3].map((s) => score("ga", "0.1", s) - score("ft", "", s))
    const ga01 = summary.settings.find((s: { method: string; p: number }) => s.method === "ga" && s.p === 0.1)
    expect(ga01.vsFt.mean).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / 3, 3)
    expect(summary.best).toHaveLength(1)
    const tsv = readFileSync(join(out, "summary.tsv"), "utf8").trim().split("\n")
    expect(tsv).toHaveLength(1 + 3)
    const html = readFileSync(join(out, "summary.html"), "utf8")
    expect(html).toContain('<figure class="heatmap">')
    expect(html).not.toMatch(/<script|https?:\/\//)
    localSummary = summary
  })

  it("skips finished jobs when re-run on the same folder", () => {
    const again = addrop(["sweep", ...grid, ...tiny, "--workers", "2", "--out", out])
    expect(again.status).toBe(0)
    expect(again.stdout).toContain(`${JOBS} jobs (${JOBS} finished earlier, 0 to run)`)
    expect(summaryOf(out)).toEqual(localSummary)
  })

  it("resumes a killed sweep: its workers stop with it, and the next run resumes their jobs", async () => {
    // The fine-tuning baselines of the same grid: 3 jobs, 2 workers.
    const ftOut = scratch()
    const args = ["sweep", ...grid.slice(0, 4), "--method", "ft", "--seeds", "1-3", ...tiny, "--workers", "2"]
    const first = start([...args, "--out", ftOut])
    const exited = new Promise((r) => first.on("exit", r))
    const deadline = Date.now() + 60_000
    const checkpointed = () =>
      existsSync(join(ftOut, "runs")) &&
      readdirSync(join(ftOut, "runs")).some((id) =>
        existsSync(join(ftOut, "runs", id, "checkpoints", "latest.json"))
      )
    while (!checkpointed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(checkpointed(), "no job of the first run reached a checkpoint").toBe(true)
    first.kill("SIGKILL")
    await exited
    // Its workers noticed (the IPC channel closed) and stopped: no process still has a job file open.
    await new Promise((r) => setTimeout(r, 1500))
    const orphans = spawnSync("pgrep", ["-f", `worker --job ${ftOut}`], { encoding: "utf8" }).stdout.trim()
    expect(orphans).toBe("")
    const second = addrop([...args, "--out", ftOut])
    expect(second.status, second.stderr).toBe(0)
    const results = readdirSync(join(ftOut, "runs")).map((id) =>
      JSON.parse(readFileSync(join(ftOut, "runs", id, "result.json"), "utf8"))
    )
    expect(results).toHaveLength(3)
    expect(results.some((r) => r.resumedFrom > 0)).toBe(true)
    // Resumed runs score exactly as uninterrupted ones.
    const ft = (s: { settings: Array<{ method: string }> }) => s.settings.find((x) => x.method === "ft")
    expect(ft(summaryOf(ftOut))).toEqual(ft(localSummary as { settings: Array<{ method: string }> }))
  })

  it("reports a malformed spec and an unknown train option in it as one line", () => {
    const specFile = join(out, "bad-spec.json")
    writeFileSync(specFile, JSON.stringify({ p: [0.1], seeds: "3-1" }))
    const bad = addrop(["sweep", "--spec", specFile, "--out", join(out, "bad")])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toBe("addrop: sweep spec seeds 3-1: range 3-1 must go up, e.g. 1-3\n")
    writeFileSync(specFile, JSON.stringify({ p: [0.1], train: { epochz: 2 } }))
    const unknown = addrop(["sweep", "--spec", specFile, "--out", join(out, "bad")])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toBe("addrop: --epochz 2: is not a train option\n")
  })

  it("reports a failed job with the worker's last words and keeps its log", () => {
    const failed = addrop([
      "sweep",
      "--seeds",
      "1",
      "--data",
      join(out, "no-such-task"),
      "--out",
      join(out, "failing")
    ])
    expect(failed.status).toBe(1)
    expect(failed.stderr).toMatch(
      /^addrop: job ga-p0\.3-q0\.2-s1-[0-9a-f]{12} failed: worker exited with status 1: /
    )
    // The worker's own one-line error: no train file in any of the formats it looks for.
    expect(failed.stderr).toMatch(/no-such-task\/train\.tsv( or [^:]+)?: no such file/)
    const log = /\(log: (.*)\)\n$/.exec(failed.stderr)![1]!
    expect(readFileSync(log, "utf8")).toContain("no such file")
    // The summary covers what finished: nothing.
    expect(summaryOf(join(out, "failing")).settings).toEqual([])
  })
})

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const redisServer = executable(
  "/usr/bin/redis-server",
  "Redis (Debian's redis-server)",
  "apt-get install redis-server"
)

describeRequiring(redisServer, "addrop sweep over BullMQ", () => {
  let redis: ChildProcess | undefined
  let url = ""
  const workers: Array<ChildProcess> = []

  beforeAll(async () => {
    const port = await freePort()
    url = `redis://127.0.0.1:${port}`
    redis = spawn(
      "/usr/bin/redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    await new Promise<void>((resolve, reject) => {
      let log = ""
      redis!.stdout!.setEncoding("utf8").on("data", (c: string) => {
        log += c
        if (log.includes("Ready to accept connections")) resolve()
      })
      redis!.on("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${log}`)))
    })
  })

  afterAll(() => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL")
    redis?.kill("SIGTERM")
  })

  it("runs the same jobs on 2 workers, survives a SIGKILLed worker, and summarizes them alike", async () => {
    expect(localSummary, "the local-pool test above must have run").toBeDefined()
    const out = scratch()
    const t0 = Date.now()
    const logs = ["", ""]
    // A dead worker's job moves to the other after about 2 s (its lock and the stalled check).
    for (const i of [0, 1]) {
      const w = start(["worker", "--queue", url, "--lock-ms", "2000"])
      w.stdout.setEncoding("utf8").on("data", (c: string) => {
        logs[i] += c
      })
      workers.push(w)
    }
    const sweep = finish(start(["sweep", ...grid, ...tiny, "--queue", url, "--out", out]))
    // Kill worker 0 once its current job has written a checkpoint (and before that job completes).
    let victim = ""
    const deadline = Date.now() + 90_000
    while (victim === "" && Date.now() < deadline) {
      const events = jsonLines(logs[0]!).filter((e) => e.type === "worker")
      const started = events.filter((e) => e.event === "started").at(-1)?.id as string | undefined
      const completed = events.some((e) => e.event === "completed" && e.id === started)
      if (
        started !== undefined &&
        !completed &&
        existsSync(join(out, "runs", started, "checkpoints", "latest.json"))
      ) {
        workers[0]!.kill("SIGKILL")
        victim = started
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(victim, "worker 0 never reached a checkpoint").not.toBe("")
    const result = await sweep
    console.log(`BullMQ: ${JOBS} jobs with a killed worker in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`on BullMQ queue addrop-sweep at ${url}`)
    // Every job completed exactly once, across both workers; the victim's on the surviving worker.
    const completed = logs.flatMap((log, worker) =>
      jsonLines(log)
        .filter((e) => e.type === "worker" && e.event === "completed")
        .map((e) => ({ id: e.id as string, worker }))
    )
    expect(completed).toHaveLength(JOBS)
    expect(new Set(completed.map((c) => c.id)).size).toBe(JOBS)
    expect(completed.find((c) => c.id === victim)?.worker).toBe(1)
    // It resumed from the checkpoint the killed worker left, not from scratch.
    const resumed = JSON.parse(readFileSync(join(out, "runs", victim, "result.json"), "utf8"))
    expect(resumed.resumedFrom).toBeGreaterThan(0)
    expect(result.stdout).toContain(`${victim}: dev accuracy`)
    expect(summaryOf(out)).toEqual(localSummary)
  })
})
