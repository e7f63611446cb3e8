/**
 * Bundles the Worker with esbuild into `dist/`: `worker.js` (one ES module, minified) and the wasm binary
 * it imports, copied beside it as a separate module (workerd compiles it when it loads the Worker).
 *
 * `npx tsx scripts/bundle.ts` bundles the published builds (`dist/`) of the @addrop packages and prints the
 * files' sizes, then the script's bytes per package (what makes it big); the test passes `source: true` to
 * bundle their sources instead, as every test in the repository runs against them.
 */
import { stat } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const root = dirname(dirname(fileURLToPath(import.meta.url)))

/** The bundle's files and their sizes in bytes. */
export interface Bundle {
  readonly dir: string
  readonly script: { readonly path: string; readonly bytes: number }
  readonly wasm: ReadonlyArray<{ readonly path: string; readonly bytes: number }>
  /** Absolute paths of every module bundled (the pack smoke test checks where they come from). */
  readonly inputs: ReadonlyArray<string>
  /** Bytes of `worker.js` per npm package (`@addrop/*` by their folders), largest first. */
  readonly byPackage: ReadonlyArray<{ readonly name: string; readonly bytes: number }>
}

/** The npm package a bundled module belongs to; this app's own files and the workspace's count as theirs. */
const packageOf = (path: string): string =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ??
  /(packages|apps)\/([^/]+)/.exec(path)?.slice(1).join("/") ??
  path

/**
 * `entry` (default: this app's `src/worker.ts`) lets scripts/pack-smoke.mjs bundle a copy of the Worker's
 * sources placed beside the packed tarballs it installed, so that every import resolves from those.
 */
export const bundle = async (
  options: { readonly source?: boolean; readonly outdir?: string; readonly entry?: string } = {}
) => {
  const dir = options.outdir ?? join(root, "dist")
  const result = await build({
    entryPoints: [options.entry ?? join(root, "src/worker.ts")],
    outdir: dir,
    bundle: true,
    format: "esm",
    // workerd implements web APIs; tfjs and Emscripten then take it for a browser, which it resembles.
    platform: "browser",
    target: "es2022",
    conditions: options.source === true ? ["@addrop/source"] : [],
    minify: true,
    // `.wasm` imports stay imports of a file copied beside the script, which workerd loads as a module.
    loader: { ".wasm": "copy" },
    assetNames: "[name]",
    metafile: true,
    logLevel: "warning"
  })
  const outputs = Object.keys(result.metafile.outputs).map((path) => join(process.cwd(), path))
  const sized = await Promise.all(outputs.map(async (path) => ({ path, bytes: (await stat(path)).size })))
  const script = sized.find((o) => basename(o.path) === "worker.js")
  if (script === undefined) throw new Error(`esbuild wrote no worker.js: ${outputs.join(", ")}`)
  const inputs = Object.keys(result.metafile.inputs).map((path) => join(process.cwd(), path))
  const contributions = new Map<string, number>()
  const scriptOutput = Object.entries(result.metafile.outputs).find(
    ([path]) => basename(path) === "worker.js"
  )
  for (const [path, { bytesInOutput }] of Object.entries(scriptOutput?.[1].inputs ?? {})) {
    const name = packageOf(path)
    contributions.set(name, (contributions.get(name) ?? 0) + bytesInOutput)
  }
  const byPackage = [...contributions]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
  return {
    dir,
    script,
    wasm: sized.filter((o) => o.path.endsWith(".wasm")),
    inputs,
    byPackage
  } satisfies Bundle
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { script, wasm, byPackage } = await bundle()
  for (const file of [script, ...wasm]) console.log(`${basename(file.path)}\t${file.bytes} bytes`)
  console.log(`${basename(script.path)} by package:`)
  for (const { name, bytes } of byPackage.slice(0, 8)) console.log(`  ${name}\t${bytes} bytes`)
}
