#!/usr/bin/env node
// Packs every public package with `npm pack`, installs the tarballs into a scratch project (as a user would
// install them from npm), and imports them under Node, Bun and Deno with a small end-to-end check; then
// bundles copies of apps/playground (Vite) and apps/edge-worker (esbuild) inside that project, so that every
// import the apps make resolves from the tarballs.
import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const work = join(root, ".pack-smoke")
const tarballs = join(work, "tarballs")
const project = join(work, "project")
const bin = (name) => join(root, "node_modules", ".bin", name)
// The timeout turns a process that never exits (a wasm thread pool left running) into a failure.
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", timeout: 600_000 })

rmSync(work, { recursive: true, force: true })
mkdirSync(tarballs, { recursive: true })
mkdirSync(project, { recursive: true })

const rootLock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"))
const locked = (name) => rootLock.packages[`node_modules/${name}`]?.version

const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({ dir: join(root, "packages", dir), manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) }))
  .filter((p) => p.manifest.private !== true)

// What every published package must carry: the licence text, where its source and issues live, and the
// Node versions it supports.
const metadataProblems = (manifest, files) => {
  const problems = []
  if (manifest.license !== "MIT") problems.push(`license is ${manifest.license}, not MIT`)
  if (!files.includes("LICENSE")) problems.push("the tarball has no LICENSE")
  if (typeof manifest.repository?.url !== "string" || typeof manifest.repository?.directory !== "string")
    problems.push("repository.url and repository.directory are not both set")
  if (typeof manifest.homepage !== "string") problems.push("homepage is not set")
  if (typeof manifest.bugs?.url !== "string") problems.push("bugs.url is not set")
  if (typeof manifest.engines?.node !== "string") problems.push("engines.node is not set")
  return problems.map((p) => `${manifest.name}: ${p}`)
}

const dependencies = {}
const problems = []
for (const { dir, manifest } of packages) {
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", tarballs], dir))
  dependencies[manifest.name] = `file:${join(tarballs, packed.filename)}`
  problems.push(...metadataProblems(manifest, packed.files.map((f) => f.path)))
}
if (problems.length > 0) {
  for (const p of problems) console.error(p)
  process.exit(1)
}
console.log(`${packages.length} packages packed, each with LICENSE, repository, homepage, bugs and engines`)
// The peers a user installs next to our packages, at the versions the monorepo is tested with.
// The apps also import the cpu and WebGPU backends themselves (a bundle registers them statically).
for (const peer of [
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-backend-wasm",
  "@tensorflow/tfjs-backend-webgpu",
  "effect"
]) {
  dependencies[peer] = locked(peer)
}
writeFileSync(join(project, "package.json"), JSON.stringify({ name: "addrop-pack-smoke", private: true, type: "module", dependencies }, null, 2))
run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project)

writeFileSync(
  join(project, "smoke.mjs"),
  `import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { TensorBackend } from "@addrop/backends"
import { Attribution, Target } from "@addrop/attribution"
import { Mask, Sampler } from "@addrop/mask"
import { Model, Presets } from "@addrop/models"
import { Key } from "@addrop/random"
import { crossTuning } from "@addrop/schedule"
import * as all from "./imports.mjs"

const program = Effect.gen(function* () {
  const backend = yield* TensorBackend.TensorBackend
  const config = { ...Presets.tiny, vocabSize: 64, hiddenSize: 32, numAttentionHeads: 2, intermediateSize: 64 }
  const model = Model.makeUnsafe(config, { task: "classification", numLabels: 2, key: Key.make(0) })
  const batch = { inputIds: tf.tensor2d([[2, 5, 9, 3]], [1, 4], "int32"), attentionMask: tf.tensor2d([[1, 1, 1, 0]], [1, 4], "int32") }
  const { maps, logits } = Attribution.gradient({
    forward: (interventions) => model.forward(batch, { training: false, interventions }).logits,
    layers: [0, 1],
    shape: model.attentionShape(batch),
    target: Target.pseudoLabel
  })
  const dropped = Sampler.sample(maps.get(0), batch.attentionMask, { p: 0.5, q: 1, strategy: "high" }, Key.make(1))
  const count = (yield* Effect.promise(() => tf.sum(dropped).data()))[0]
  tf.dispose([logits, dropped, ...maps.values()])
  model.dispose()
  return { backend: backend.name, modules: Object.keys(all).length, dropped: count, phase: crossTuning()({ epoch: 1, step: 0, stepInEpoch: 0 }) }
})
const single = await Effect.runPromise(Effect.provide(program, TensorBackend.layerWasm()))
// The same on a pool of 2 threads, started from the installed packages; the process must still exit.
const threaded = await Effect.runPromise(Effect.provide(program, TensorBackend.layerWasm({ threads: 2 })))
const threads = await Effect.runPromise(
  Effect.provide(Effect.map(TensorBackend.TensorBackend, (b) => b.threads), TensorBackend.layerWasm({ threads: 2 }))
)
const result = { ...single, threads, threadedDropped: threaded.dropped }
console.log(JSON.stringify(result))
// 2 heads × (3 real query rows × (3 − ⌊3·0.5⌋ = 2 candidates) + the pad query row, whose attribution is
// all zeros, so its 3 real keys tie and are all candidates); q = 1 drops every candidate.
if (result.dropped !== 18 || result.phase !== "addrop" || result.backend !== "wasm") process.exit(1)
if (result.threads !== 2 || result.threadedDropped !== 18) process.exit(1)
`
)
writeFileSync(join(project, "imports.mjs"), Object.keys(dependencies).filter((n) => n.startsWith("@addrop/")).map((n, i) => `export * as m${i} from "${n}"`).join("\n") + "\n")

const runtimes = [
  ["node", [process.execPath, ["smoke.mjs"]]],
  ["bun", [bin("bun"), ["smoke.mjs"]]],
  ["deno", [bin("deno"), ["run", "-A", "smoke.mjs"]]]
]
for (const [name, [command, args]] of runtimes) {
  const out = run(command, args, project).trim().split("\n").at(-1)
  console.log(`${name}: ${out}`)
}

// The apps' imports, resolved from the tarballs: their sources are copied into the scratch project, where a
// bare import resolves from the importing file's folder up, so from the project's node_modules. The scratch
// project lies inside the workspace, whose node_modules a missing package would be found in one level up:
// both bundles therefore list every module they took and fail on one from outside the project.
const fromOutside = (path) => path.startsWith(`${root}/`) && !path.startsWith(`${project}/`)
const apps = join(project, "apps")
const playground = join(apps, "playground")
cpSync(join(root, "apps/playground/src"), join(playground, "src"), { recursive: true })
cpSync(join(root, "apps/playground/index.html"), join(playground, "index.html"))
writeFileSync(
  join(playground, "vite.config.mjs"),
  `const root = ${JSON.stringify(root)}, project = ${JSON.stringify(project)}
const fromOutside = ${fromOutside.toString()}
export default {
  base: "./",
  logLevel: "error",
  build: { target: "es2022" },
  plugins: [{
    name: "only-the-tarballs",
    enforce: "pre",
    load(id) {
      const path = id.split("?")[0]
      if (fromOutside(path)) this.error(path + " was bundled from the workspace, not from the installed tarballs")
    }
  }]
}
`
)
run(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "--config", "vite.config.mjs"], playground)
const assets = readdirSync(join(playground, "dist", "assets"))
if (!existsSync(join(playground, "dist", "index.html")) || !assets.some((a) => a.endsWith(".wasm"))) {
  console.error(`playground: the Vite build lacks index.html or the wasm binaries (assets: ${assets.join(", ")})`)
  process.exit(1)
}
console.log(`playground: Vite bundled its imports from the tarballs (${assets.length} assets)`)

const worker = join(apps, "edge-worker")
cpSync(join(root, "apps/edge-worker/src"), join(worker, "src"), { recursive: true })
writeFileSync(
  join(worker, "bundle.mts"),
  `import { bundle } from ${JSON.stringify(join(root, "apps/edge-worker/scripts/bundle.ts"))}
const built = await bundle({ entry: ${JSON.stringify(join(worker, "src/worker.ts"))}, outdir: ${JSON.stringify(join(worker, "dist"))} })
console.log(JSON.stringify({ script: built.script.bytes, wasm: built.wasm.length, inputs: built.inputs }))
`
)
const workerBundle = JSON.parse(run(bin("tsx"), ["bundle.mts"], worker).trim().split("\n").at(-1))
const outsiders = workerBundle.inputs.filter(fromOutside)
if (workerBundle.wasm < 1 || outsiders.length > 0) {
  console.error(`edge worker: no wasm module, or modules from the workspace: ${outsiders.join(", ")}`)
  process.exit(1)
}
console.log(`edge worker: esbuild bundled its imports from the tarballs (${workerBundle.inputs.length} modules, worker.js ${workerBundle.script} bytes)`)

console.log(
  `pack smoke: ${packages.length} packages packed, installed and imported under ${runtimes.length} runtimes; the playground and the edge worker bundled from them`
)
