#!/usr/bin/env node
// The runtime × backend test matrix: runs the backend-sensitive test projects once per runtime (the edge
// worker's in workerd, the playground's in Chromium), with the backends that runtime must support named in ADDROP_TEST_BACKENDS (so a backend
// that cannot start fails its tests instead of being skipped), and counts the results per backend from the
// test titles, which name it in brackets ("… [wasm]", as `describeBackends` writes them).
//
//   node scripts/matrix.mjs                 # every runtime; a table, then exit 1 on any failure or empty cell
//   node scripts/matrix.mjs --json          # one JSON line per cell: {runtime, backend, passed, failed, skipped}
//   node scripts/matrix.mjs --runtime deno  # one runtime (repeatable)
//   node scripts/matrix.mjs --projects      # the projects it runs, one per line
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
  "@addrop/models",
  // A user-written trainer (apps/custom-trainer): the packages composed through their services, on cpu.
  "@addrop/custom-trainer"
]

const node = { command: process.execPath, args: [vitest] }
const bun = { command: bin("bun"), args: ["--bun", "x", "vitest"] }
const deno = { command: bin("deno"), args: ["run", "-A", vitest] }
// The conformance suite again on threaded wasm (a pool of 2): the single-threaded wasm runs above hold the
// same checks, so this asks whether threads change any result beyond the tolerances.
const threaded = { projects: ["@addrop/conformance"], backends: ["wasm-threads"] }
// The trainer on wasm (its backend): every test under Node; under Bun and Deno only the runtime-sensitive
// files (the run's stream interrupted at 50 random points, and every bad input's tagged error), which keeps
// those legs short (`files` are Vitest's file filters).
const trainer = { projects: ["@addrop/trainer"], backends: ["wasm"] }
const trainerSubset = { ...trainer, files: ["test/stream.test.ts", "test/errors.test.ts"] }

/**
 * Each run: the runtime, how to start Vitest in it, the projects it runs (and, optionally, which of their test
 * files) and the backends it must run.
 */
export const runs = [
  // WebGPU under Node runs on Dawn from the `webgpu` package; without a GPU, on Mesa's llvmpipe through OpenGL
  // (EGL, see scripts/setup-system.sh), set up by @addrop/backends' webgpu layer.
  { runtime: "node", ...node, projects, backends: ["cpu", "wasm", "webgpu"] },
  { runtime: "node", ...node, ...threaded },
  { runtime: "node", ...node, ...trainer },
  { runtime: "bun", ...bun, projects, backends: ["cpu", "wasm"] },
  { runtime: "bun", ...bun, ...threaded },
  { runtime: "bun", ...bun, ...trainerSubset },
  // WebGPU under Deno runs on Mesa's lavapipe (Debian's mesa-vulkan-drivers, see scripts/setup-system.sh).
  { runtime: "deno", ...deno, projects, backends: ["cpu", "wasm", "webgpu"] },
  { runtime: "deno", ...deno, ...threaded },
  { runtime: "deno", ...deno, ...trainerSubset },
  // Cloudflare's workerd (through miniflare, started by the test from Node): apps/edge-worker runs attribute
  // and an AD-Drop step inside it and compares with Node's cpu backend.
  { runtime: "workerd", ...node, projects: ["@addrop/edge-worker"], backends: ["cpu", "wasm"] },
  // Debian's Chromium (driven by playwright-core from Node): apps/playground, built with Vite and served from
  // localhost, trains and attributes in the page on wasm and on WebGPU (SwiftShader without a GPU), compared
  // with Node's cpu backend.
  { runtime: "chromium", ...node, projects: ["@addrop/playground"], backends: ["wasm", "webgpu"] }
]

const backendOf = (titles) => /\[(cpu|wasm-threads|wasm|webgpu|node-gpu|node)\]/.exec(titles.join(" "))?.[1] ?? "none"

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
  // `--projects`: every project the matrix runs, one per line, so that scripts/test-all.sh leaves them out of
  // its plain Node leg without keeping a second list.
  if (argv.includes("--projects")) {
    for (const project of new Set(runs.flatMap((r) => r.projects))) console.log(project)
    return
  }
  const json = argv.includes("--json")
  const chosen = argv.flatMap((a, i) => (argv[i - 1] === "--runtime" ? [a] : []))
  const known = [...new Set(runs.map((r) => r.runtime))]
  for (const name of chosen) {
    if (!known.includes(name)) {
      console.error(`matrix: unknown runtime "${name}" (known: ${known.join(", ")})`)
      process.exit(2)
    }
  }
  const selected = runs.filter((r) => chosen.length === 0 || chosen.includes(r.runtime))
  const work = mkdtempSync(join(tmpdir(), "addrop-matrix-"))
  // One row per (runtime, backend), summed over that runtime's runs.
  const rows = new Map()
  const problems = []
  try {
    for (const [index, runtime] of selected.entries()) {
      const name = runtime.runtime
      const output = join(work, `${index}-${name}.json`)
      const run = spawnSync(
        runtime.command,
        [
          ...runtime.args,
          "run",
          ...(runtime.files ?? []),
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
        const row = rows.get(`${name} ${backend}`) ?? { runtime: name, backend, passed: 0, failed: 0, skipped: 0 }
        row.passed += counts.passed
        row.failed += counts.failed
        row.skipped += counts.skipped
        rows.set(`${name} ${backend}`, row)
        if (counts.failed > 0) problems.push(`${name} × ${backend}: ${counts.failed} failed`)
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (json) {
    for (const row of rows.values()) console.log(JSON.stringify(row))
  } else {
    console.log("\nruntime  backend       passed  failed  skipped")
    for (const r of rows.values()) {
      console.log(
        `${r.runtime.padEnd(8)} ${r.backend.padEnd(12)} ${String(r.passed).padStart(7)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}`
      )
    }
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(`matrix: ${p}`)
    process.exit(1)
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) main()
