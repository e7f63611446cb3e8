/**
 * Bundles the Worker with esbuild into `dist/`: `worker.js` (one ES module, minified) and the wasm binary
 * it imports, copied beside it as a separate module (workerd compiles it when it loads the Worker).
 *
 * `npx tsx scripts/bundle.ts` bundles the published builds (`dist/`) of the @addrop packages; the test
 * passes `source: true` to bundle their sources instead, as every test in the repository runs against them.
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
}

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
  return { dir, script, wasm: sized.filter((o) => o.path.endsWith(".wasm")), inputs } satisfies Bundle
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { script, wasm } = await bundle()
  for (const file of [script, ...wasm]) console.log(`${basename(file.path)}\t${file.bytes} bytes`)
}
