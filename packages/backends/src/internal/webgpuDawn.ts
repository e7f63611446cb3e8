/**
 * WebGPU for Node (and Bun) through Dawn, from the npm package `webgpu` (an optional peer: it ships Dawn's
 * compiled `dawn.node` for Linux, macOS and Windows). Loaded only there, by dynamic import from
 * ./drivers.ts, so that browsers, Deno (which has its own `navigator.gpu`) and Workers never load it.
 *
 * What tfjs-backend-webgpu needs from the runtime, and what this module sets up when the runtime lacks it:
 *
 * - `navigator.gpu`: Dawn's `GPU` object, installed on `globalThis.navigator` (created if absent).
 * - The WebGPU constants tfjs reads as globals (`GPUBufferUsage`, `GPUMapMode`, …): copied from the
 *   package's `globals`, only those the runtime does not define.
 * - An adapter. Dawn's default instance tries Vulkan / Metal / D3D12 first (a real GPU, or lavapipe from a
 *   Mesa recent enough for Dawn: Debian bookworm's Mesa 22 lavapipe is not). When that finds none, it
 *   falls back to Dawn's OpenGL backend, which reaches Mesa's llvmpipe software rasteriser through EGL
 *   without a display: that needs `EGL_PLATFORM=surfaceless` (set here only when unset; under Bun, whose
 *   `process.env` does not reach native code, it must be in the environment already) and an adapter
 *   requested at the `"compatibility"` feature level (OpenGL cannot offer `"core"`), which the installed
 *   `navigator.gpu` adds to every `requestAdapter` call, tfjs' own included.
 *
 * tfjs never destroys its WebGPU device, and a live Dawn device keeps Node's event loop running, so a
 * process that used the backend would never exit; `release` destroys the device when the layer's scope
 * closes and leaves the backend's factory registered, so the next scope starts a fresh device.
 */
import * as tf from "@tensorflow/tfjs-core"
import { DriverUnavailable } from "./drivers.js"

/** Marks the `navigator.gpu` this module installed, so that a later load knows it is Dawn's. */
export const DAWN = Symbol.for("@addrop/backends/dawn")

/** The Dawn flags of each attempt, in order: the platform's native backend, then OpenGL (llvmpipe). */
const ATTEMPTS: ReadonlyArray<{
  readonly flags: ReadonlyArray<string>
  readonly featureLevel?: "compatibility"
  readonly label: string
}> = [
  { flags: [], label: "Vulkan/Metal/D3D12" },
  { flags: ["backend=opengl"], featureLevel: "compatibility", label: "OpenGL (EGL)" }
]

interface DawnGpu {
  readonly requestAdapter: (options?: Record<string, unknown>) => Promise<unknown>
  readonly getPreferredCanvasFormat?: () => string
  readonly wgslLanguageFeatures?: unknown
}

interface DawnModule {
  readonly create: (flags: Array<string>) => DawnGpu
  readonly globals: Record<string, unknown>
}

interface WebGpuBackendInternals {
  readonly device?: { readonly destroy?: () => void }
}

interface EngineInternals {
  readonly registry: Record<string, WebGpuBackendInternals | undefined>
  readonly registryFactory: Record<
    string,
    { readonly factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; readonly priority: number }
  >
}

type ProcessEnv = Record<string, string | undefined>

const env = (): ProcessEnv | undefined => (globalThis as { process?: { env?: ProcessEnv } }).process?.env

/** The `navigator.gpu` this module installs: Dawn's, with the feature level its adapter needs. */
const wrap = (gpu: DawnGpu, featureLevel: string | undefined, label: string) => ({
  [DAWN]: label,
  requestAdapter: (options?: Record<string, unknown>) =>
    gpu.requestAdapter(featureLevel === undefined ? options : { ...options, featureLevel }),
  getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat?.() ?? "rgba8unorm",
  wgslLanguageFeatures: gpu.wgslLanguageFeatures
})

/**
 * Installs Dawn's `navigator.gpu` on the first instance that finds an adapter; the driver calls it only
 * while there is none, so a process installs it once. Fails with a {@link DriverUnavailable} when the
 * package is missing or no attempt found an adapter (then nothing is installed and a later load tries again).
 */
export const install = async (importer: (specifier: string) => Promise<unknown>): Promise<void> => {
  const dawn = (await importer("webgpu")) as DawnModule
  // Without it Dawn's EGL looks for an X11/Wayland display, which a server or CI runner does not have.
  const vars = env()
  const setHere = vars !== undefined && vars.EGL_PLATFORM === undefined
  if (setHere) vars.EGL_PLATFORM = "surfaceless"
  const tried: Array<string> = []
  for (const attempt of ATTEMPTS) {
    let gpu: DawnGpu
    try {
      gpu = dawn.create([...attempt.flags])
    } catch (error) {
      tried.push(`${attempt.label}: ${error instanceof Error ? error.message : String(error)}`)
      continue
    }
    const options = attempt.featureLevel === undefined ? undefined : { featureLevel: attempt.featureLevel }
    const adapter = await gpu.requestAdapter(options)
    if (adapter === null || adapter === undefined) {
      tried.push(`${attempt.label}: no adapter`)
      continue
    }
    const g = globalThis as Record<string, unknown>
    for (const [name, value] of Object.entries(dawn.globals)) if (!(name in g)) g[name] = value
    const navigator = (g.navigator ?? {}) as Record<string, unknown>
    Object.defineProperty(navigator, "gpu", {
      value: wrap(gpu, attempt.featureLevel, attempt.label),
      configurable: true,
      writable: true
    })
    if (g.navigator === undefined) g.navigator = navigator
    return
  }
  // Bun's process.env is not the C environment that Dawn's EGL reads, so the value set above is not seen.
  const bun =
    setHere && (globalThis as { Bun?: unknown }).Bun !== undefined
      ? "; under Bun, start it with EGL_PLATFORM=surfaceless in the environment (Bun's process.env does not reach native code)"
      : ""
  throw new DriverUnavailable(
    `Dawn (package webgpu) found no adapter: ${tried.join("; ")}. Without a GPU, Mesa's llvmpipe serves ` +
      `the OpenGL attempt (Debian: libegl1 libegl-mesa0 libgl1-mesa-dri)${bun}`,
    "sudo apt-get install -y libegl1 libegl-mesa0 libgl1-mesa-dri"
  )
}

/**
 * Destroys the device tfjs' webgpu backend created and drops that instance, keeping its factory, so that
 * the process can exit and the next `tf.setBackend("webgpu")` creates a fresh device. Call once the
 * previous backend is current again.
 */
export const release = (): void => {
  const engine = tf.engine() as unknown as EngineInternals
  const entry = engine.registryFactory.webgpu
  const instance = engine.registry.webgpu
  if (entry === undefined || instance === undefined) return
  // removeBackend disposes the backend (its buffers) while the device can still free them.
  tf.removeBackend("webgpu")
  instance.device?.destroy?.()
  tf.registerBackend("webgpu", entry.factory, entry.priority)
}
