/**
 * Starts tfjs' threaded wasm build under Node, Bun and Deno. Loaded only there (by dynamic import from
 * ./drivers.ts); in browsers tfjs' own threaded path applies. The `node:` modules it needs are imported when
 * {@link load} runs, through a specifier bundlers do not follow, and typed by the few local declarations
 * below, so that the package compiles without Node's types and a browser bundle holds no `node:` import.
 *
 * tfjs 4.22 keeps wasm single-threaded wherever `IS_NODE` holds (Bun and Deno report it too; tfjs issue
 * #3830) because its pthread start-up assumes a browser in two places, both worked around here without
 * touching the package:
 *
 * - The pthread worker script is handed to `new Worker()` as a `blob:` URL, which `worker_threads`
 *   rejects. `Blob` / `URL.createObjectURL` are wrapped while the backend starts so that this one script
 *   is written to a temporary `.cjs` file and its path returned instead.
 * - Each worker then loads the module script from another `Blob`, which it cannot read synchronously. The
 *   temporary worker file begins with a prelude that points that load at the package's own
 *   `wasm-out/tfjs-backend-wasm-threaded-simd.js` (the same code tfjs stringified into the Blob).
 *
 * The compiled wasm also sizes its thread pool as `min(requested, logical cores ÷ 2, 8)`, read once when
 * the module is instantiated; `os.cpus()` is made to report twice the requested threads for that moment
 * so that the requested count is what the pool gets. The pool's running workers keep the process alive
 * until they are terminated, which `release` does.
 */
import * as tf from "@tensorflow/tfjs-core"
import { DriverUnavailable, dynamicImport } from "./drivers.js"

/** The parts of `node:fs`, `node:module`, `node:os` and `node:path` used here (Bun and Deno have them too). */
interface NodeHost {
  readonly fs: {
    readonly mkdtempSync: (prefix: string) => string
    readonly rmSync: (path: string, options: { readonly recursive: boolean; readonly force: boolean }) => void
    readonly writeFileSync: (path: string, data: string) => void
  }
  readonly module: { readonly createRequire: (url: string) => NodeRequire }
  readonly os: {
    readonly tmpdir: () => string
    readonly cpus: () => Array<unknown>
    readonly availableParallelism?: () => number
  }
  readonly path: { readonly join: (...parts: Array<string>) => string }
}

interface NodeRequire {
  (id: string): unknown
  readonly resolve: (id: string) => string
}

const GLUE = "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js"
const FLAG = "WASM_HAS_MULTITHREAD_SUPPORT"
/** Only tfjs' pthread worker script reads its module script from `e.data.urlOrBlob`. */
const WORKER_MARKER = "e.data.urlOrBlob"

interface EmscriptenModule {
  readonly PThread?: { readonly terminateAllThreads: () => void }
}

interface EngineInternals {
  readonly registry: Record<string, { readonly wasm?: EmscriptenModule } | undefined>
  readonly registryFactory: Record<
    string,
    { readonly factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; readonly priority: number }
  >
}

const engine = () => tf.engine() as unknown as EngineInternals

/**
 * Drops the initialised wasm instance (threaded or not) but keeps its factory, so that the next
 * `tf.setBackend("wasm")` instantiates the module again under the current flags.
 */
export const resetWasmInstance = (): void => {
  const entry = engine().registryFactory.wasm
  if (entry === undefined || engine().registry.wasm === undefined) return
  tf.removeBackend("wasm")
  tf.registerBackend("wasm", entry.factory, entry.priority)
}

/** Drops the wasm instance only if it is a threaded one (its module has a pthread pool). */
export const dropThreadedInstance = (): void => {
  if (engine().registry.wasm?.wasm?.PThread !== undefined) resetWasmInstance()
}

/**
 * The threaded-wasm starter of this runtime: imports the `node:` modules it needs (the only place in the
 * package that does).
 */
export const load = async () => {
  const [fs, module, os, path] = (await Promise.all(
    ["node:fs", "node:module", "node:os", "node:path"].map(dynamicImport)
  )) as [NodeHost["fs"], NodeHost["module"], NodeHost["os"], NodeHost["path"]]
  const host: NodeHost = { fs, module, os, path }
  return {
    /** Every core of the machine, as `"auto"` counts them. */
    machineCores: (): number => os.availableParallelism?.() ?? os.cpus().length,
    prepare: (threads: number) => prepare(host, threads),
    dropThreadedInstance
  }
}

/** The prelude of the worker file: runs in each pthread worker before tfjs' own worker script. */
const prelude = (gluePath: string): string =>
  [
    "'use strict';",
    "// Written by @addrop/backends: the module script arrives as a Blob that importScripts cannot read,",
    "// so the package's own copy of it is loaded instead.",
    `URL.createObjectURL = () => ${JSON.stringify(gluePath)};`,
    "URL.revokeObjectURL = () => {};",
    "// Deno's workers have a getter-only location, which tfjs' script assigns; make it a plain value.",
    "if (typeof Deno !== 'undefined') Object.defineProperty(globalThis, 'location', { value: undefined, writable: true, configurable: true });",
    ""
  ].join("\n")

/**
 * Makes the next `tf.setBackend("wasm")` start the threaded build with `threads` threads. Call
 * `started()` once `tf.ready()` resolved, and `release()` when the scope closes (also after a failure):
 * it terminates the pool's workers and drops the threaded instance so that the next start is fresh.
 */
const prepare = (
  { fs, module, os: nodeOs, path }: NodeHost,
  threads: number
): { readonly started: () => void; readonly release: () => void } => {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") {
    throw new DriverUnavailable("this runtime has no SharedArrayBuffer / Atomics, which wasm threads need")
  }
  const require = module.createRequire(import.meta.url)
  let gluePath: string
  try {
    gluePath = require.resolve(GLUE)
  } catch {
    throw new DriverUnavailable(`cannot find ${GLUE}`, "npm install @tensorflow/tfjs-backend-wasm")
  }
  const dir = fs.mkdtempSync(path.join(nodeOs.tmpdir(), "addrop-wasm-threads-"))
  const workerPath = path.join(dir, "pthread-worker.cjs")

  const OriginalBlob = globalThis.Blob
  const originalCreate = URL.createObjectURL
  const scripts = new WeakMap<Blob, string>()
  let written = false
  class RecordingBlob extends OriginalBlob {
    constructor(parts?: Array<BlobPart>, options?: BlobPropertyBag) {
      super(parts, options)
      const [first] = parts ?? []
      if (parts?.length === 1 && typeof first === "string" && first.includes(WORKER_MARKER)) {
        scripts.set(this, first)
      }
    }
  }
  globalThis.Blob = RecordingBlob
  URL.createObjectURL = (object: Blob | MediaSource) => {
    const script = object instanceof OriginalBlob ? scripts.get(object) : undefined
    if (script === undefined) return originalCreate(object)
    // Written once: each of the pool's workers asks for the script, and rewriting the file while an
    // earlier worker is still reading it hands that worker a truncated script (it then never reports in).
    if (!written) {
      fs.writeFileSync(workerPath, prelude(gluePath) + script)
      written = true
    }
    return workerPath
  }
  // The glue reads the core count through CommonJS' `os`, the same object this require returns.
  const os = require("node:os") as { cpus: () => Array<unknown> }
  const originalCpus = os.cpus
  os.cpus = () => {
    const real = originalCpus.call(os)
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length])
  }
  let patched = true
  const restore = () => {
    if (!patched) return
    patched = false
    globalThis.Blob = OriginalBlob
    URL.createObjectURL = originalCreate
    os.cpus = originalCpus
  }

  resetWasmInstance()
  tf.env().set(FLAG, true)
  return {
    // Once the backend is ready the pool is sized and all its workers have loaded their script (tfjs
    // starts all 8 up front, the most its pool uses), so neither the wrappers nor the file are needed;
    // removing the file now also means a process killed later leaves nothing behind.
    started: () => {
      restore()
      fs.rmSync(dir, { recursive: true, force: true })
    },
    release: () => {
      restore()
      engine().registry.wasm?.wasm?.PThread?.terminateAllThreads()
      resetWasmInstance()
      // tfjs' own answer in these runtimes; the next single-threaded start must not see `true`.
      tf.env().set(FLAG, false)
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
