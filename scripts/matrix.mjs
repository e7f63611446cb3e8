#!/usr/bin/env node
// The runtime × backend test matrix: runs the backend-sensitive test projects once per runtime (and the edge
// worker's in workerd), with the backends that runtime must support named in ADDROP_TEST_BACKENDS (so a backend
// that cannot start fails its tests instead of being skipped), and counts the results per backend from the
// test titles, which name it in brackets ("… [wasm]", as `describeBackends` writes them).
//
//   node scripts/matrix.mjs                 # every runtime; a table, then exit 1 on any failure or empty cell
//   node scripts/matrix.mjs --json          # one JSON line per cell: {runtime, backend, passed, failed, skipped}
//   node scripts/matrix.mjs --runtime deno  # one runtime (repeatable)
//
// A cell that ran zero passing tests fails the run: an expected backend must be exercised, not only listed.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const bin = (name) => join(root, "node_modules", ".bin", name)
const vitest = join(root, "node_modules", "vitest", "vitest.mjs")

/** The test projects whose results depend on the runtime and the tensor backend. */
export const projects = [
  "@addrop/conformance",
  "@addrop/attention",
  "@addrop/mask",
  "@addrop/attribution",
  "@addrop/models"
]

/** Each runtime, how to start Vitest in it, the projects it runs and the backends it must run. */
export const runtimes = {
  node: { command: process.execPath, args: [vitest], projects, backends: ["cpu", "wasm"] },
  bun: { command: bin("bun"), args: ["--bun", "x", "vitest"], projects, backends: ["cpu", "wasm"] },
  // WebGPU under Deno runs on Mesa's lavapipe (Debian's mesa-vulkan-drivers, see scripts/setup-system.sh).
  deno: { command: bin("deno"), args: ["run", "-A", vitest], projects, backends: ["cpu", "wasm", "webgpu"] },
  // Cloudflare's workerd (through miniflare, started by the test from Node): apps/edge-worker runs attribute
  // and an AD-Drop step inside it and compares with Node's cpu backend.
  workerd: { command: process.execPath, args: [vitest], projects: ["@addrop/edge-worker"], backends: ["cpu", "wasm"] }
}

const backendOf = (titles) => /\[(cpu|wasm|webgpu|node-gpu|node)\]/.exec(titles.join(" "))?.[1] ?? "none"

/** Counts a Vitest JSON report per backend; files that failed before running a test count as failed. */
export const countByBackend = (report) => {
  const cells = new Map()
  const cell = (backend) => {
    if (!cells.has(backend)) cells.set(backend, { passed: 0, failed: 0, skipped: 0 })
    return cells.get(backend)
  }
  for (const file of report.testResults) {
    if (file.assertionResults.length === 0 && file.status === "failed") cell("none").failed++
    for (const test of file.assertionResults) {
      const c = cell(backendOf([...test.ancestorTitles, test.title]))
      if (test.status === "passed") c.passed++
      else if (test.status === "failed") c.failed++
      else c.skipped++
    }
  }
  return cells
}

const main = () => {
  const argv = process.argv.slice(2)
  const json = argv.includes("--json")
  const chosen = argv.flatMap((a, i) => (argv[i - 1] === "--runtime" ? [a] : []))
  for (const name of chosen) {
    if (!(name in runtimes)) {
      console.error(`matrix: unknown runtime "${name}" (known: ${Object.keys(runtimes).join(", ")})`)
      process.exit(2)
    }
  }
  const names = chosen.length > 0 ? chosen : Object.keys(runtimes)
  const work = mkdtempSync(join(tmpdir(), "addrop-matrix-"))
  const rows = []
  const problems = []
  try {
    for (const name of names) {
      const runtime = runtimes[name]
      const output = join(work, `${name}.json`)
      const run = spawnSync(
        runtime.command,
        [
          ...runtime.args,
          "run",
          ...runtime.projects.flatMap((p) => ["--project", p]),
          "--reporter=default",
          "--reporter=json",
          `--outputFile.json=${output}`
        ],
        {
          cwd: root,
          // With --json, stdout carries only the matrix; the test runner's own report goes to stderr.
          stdio: ["ignore", json ? process.stderr : "inherit", "inherit"],
          env: { ...process.env, ADDROP_TEST_BACKENDS: runtime.backends.join(",") }
        }
      )
      let cells
      try {
        cells = countByBackend(JSON.parse(readFileSync(output, "utf8")))
      } catch (error) {
        problems.push(`${name}: no test report (${run.error?.message ?? `exit ${run.status}`}; ${error.message})`)
        continue
      }
      if (run.status !== 0) problems.push(`${name}: the test runner exited ${run.status}`)
      for (const backend of runtime.backends) {
        if ((cells.get(backend)?.passed ?? 0) === 0) problems.push(`${name} × ${backend}: no test passed`)
      }
      for (const [backend, counts] of cells) {
        rows.push({ runtime: name, backend, ...counts })
        if (counts.failed > 0) problems.push(`${name} × ${backend}: ${counts.failed} failed`)
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (json) {
    for (const row of rows) console.log(JSON.stringify(row))
  } else {
    console.log("\nruntime  backend  passed  failed  skipped")
    for (const r of rows) {
      console.log(
        `${r.runtime.padEnd(8)} ${r.backend.padEnd(8)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}`
      )
    }
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(`matrix: ${p}`)
    process.exit(1)
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) main()
