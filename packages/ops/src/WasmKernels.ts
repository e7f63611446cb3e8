/**
 * Faster versions of six tfjs-backend-wasm 4.22 kernels, installed over the stock ones.
 *
 * - `Identity` — which tfjs runs to save every tensor a gradient needs (`engine.clone`) — copies the
 *   tensor on wasm; the cpu backend shares the buffer instead. Buffers are immutable (kernels always
 *   write fresh outputs; wasm's own `Reshape` shares buffers the same way), so the wasm version here
 *   shares too: a training step no longer keeps a second copy of every weight and saved activation.
 * - `BatchMatMul` with more than one batch entry runs a scalar triple loop on wasm (~1 GFLOP/s); only a
 *   single un-transposed product goes to XNNPACK's GEMM. The version here runs a batched product as one
 *   XNNPACK product per batch entry, on zero-copy views of the operands: each view is a tensor id
 *   registered at an offset inside the operand's buffer, which the wasm runtime accepts like any tensor
 *   and forgets (without freeing memory) when disposed. Single products go through a view too: the stock
 *   kernel caches XNNPACK's packed copy of `b` until `b` is freed, which for a model's weights is a
 *   second copy of every weight for a whole training step (340 MB for BERT-base); a view's packed copy is
 *   freed right after the product (packing costs O(k·n) against the product's O(m·k·n)). Transposed,
 *   mutually broadcast and non-float32 products go to the stock kernel.
 *   Batched products whose rows are a multiple of 4 and columns of 8 (attention's, one per batch entry and
 *   head) run this package's own SIMD GEMM (wasm/gemm.wat) on the calling thread instead. One XNNPACK call
 *   per small product is slower with a thread pool than without (the dispatch costs more than the
 *   product): a tiny 16×128 step's attention products took 68 ms with two threads and 40–43 ms with one that
 *   way, and take 24 and 23 ms with this kernel (`npm run profile -w @addrop/bench-app -- --preset tiny
 *   --batch 16 --seq 128 --shapes [--threads auto]`).
 * - `Transpose` (as a batched matrix transpose), `Sum` over leading axes, `GatherV2` of whole rows and
 *   `GreaterEqual` against a scalar run this package's memory-bound kernels (see
 *   ./internal/layoutKernels.ts); other cases go to the stock ones.
 *
 * The kernels compute exactly what the stock ones compute (the products up to floating-point summation
 * order, as XNNPACK's GEMM already does for single products).
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import {
  gatherRowsKernel,
  greaterEqualScalarKernel,
  sumKernel,
  transposeKernel
} from "./internal/layoutKernels.js"
import { type WasmHeapBackend, wasmKernelExports } from "./internal/wasmKernel.js"

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use (stable across 4.x). */
interface WasmBackend extends WasmHeapBackend {
  readonly wasm: WasmHeapBackend["wasm"] & {
    readonly _BatchMatMul: (
      aId: number,
      aShape: number,
      aRank: number,
      bId: number,
      bShape: number,
      bRank: number,
      transposeA: number,
      transposeB: number,
      outId: number
    ) => void
    readonly tfjs: {
      readonly registerTensor: (id: number, size: number, memoryOffset: number) => void
      readonly disposeData: (id: number) => void
    }
  }
  dataIdNextNumber: number
  incRef(dataId: tf.DataId): void
}

const isWasmBackend = (backend: unknown): backend is WasmBackend => {
  const b = backend as Partial<WasmBackend> | undefined
  return (
    typeof b?.wasm?._BatchMatMul === "function" &&
    typeof b.wasm.tfjs?.registerTensor === "function" &&
    typeof b.makeOutput === "function" &&
    typeof b.incRef === "function"
  )
}

/** Stock kernels, kept to delegate the cases the replacements do not handle. */
const stock = new Map<string, tf.KernelConfig>()

const delegate = (kernelName: string, args: Parameters<tf.KernelFunc>[0]) => {
  const config = stock.get(kernelName)
  if (config === undefined) throw new Error(`internal: no stock wasm kernel ${kernelName}`)
  return config.kernelFunc(args)
}

const sharedIdentity: tf.KernelFunc = (args) => {
  const { inputs, backend } = args
  const x = inputs.x as tf.TensorInfo
  if (x.dtype === "string" || !isWasmBackend(backend)) return delegate(tf.Identity, args)
  backend.incRef(x.dataId)
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
}

/** wasm/gemm.wat: `batch` products of m × k by k × n matrices, m a multiple of 4 and n of 8. */
interface GemmExports {
  readonly gemm: (
    a: number,
    b: number,
    c: number,
    batch: number,
    m: number,
    k: number,
    n: number,
    aStride: number,
    bStride: number
  ) => void
}

/** Per wasm module: a 6-int32 scratch buffer on the heap for the two rank-3 shapes. */
const shapeBuffers = new WeakMap<object, number>()

const shapeBuffer = (backend: WasmBackend): number => {
  let pointer = shapeBuffers.get(backend.wasm)
  if (pointer === undefined) {
    pointer = backend.wasm._malloc(6 * 4) >>> 0
    shapeBuffers.set(backend.wasm, pointer)
  }
  return pointer
}

const product = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a * b, 1)

const batchedMatMul: tf.KernelFunc = (args) => {
  const { inputs, attrs, backend } = args
  const a = inputs.a as tf.TensorInfo
  const b = inputs.b as tf.TensorInfo
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs
  const batchA = product(a.shape.slice(0, -2))
  const batchB = product(b.shape.slice(0, -2))
  const batch = Math.max(batchA, batchB)
  if (
    !isWasmBackend(backend) ||
    transposeA ||
    transposeB ||
    a.dtype !== "float32" ||
    b.dtype !== "float32" ||
    (batchA !== batchB && batchA !== 1 && batchB !== 1)
  ) {
    return delegate(tf.BatchMatMul, args)
  }
  const m = a.shape[a.shape.length - 2]!
  const k = a.shape[a.shape.length - 1]!
  const n = b.shape[b.shape.length - 1]!
  if (b.shape[b.shape.length - 2] !== k) {
    throw new Error(`Error in matMul: inner shapes of [${a.shape}] and [${b.shape}] must match`)
  }
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
  const out = backend.makeOutput([...batchShape, m, n], "float32")
  const wasm = backend.wasm
  const aBase = backend.dataIdMap.get(a.dataId).memoryOffset
  const bBase = backend.dataIdMap.get(b.dataId).memoryOffset
  const outBase = backend.dataIdMap.get(out.dataId).memoryOffset
  const gemm =
    batch > 1 && m % 4 === 0 && n % 8 === 0 ? wasmKernelExports<GemmExports>("gemm", wasm) : undefined
  if (gemm !== undefined) {
    gemm.gemm(
      aBase,
      bBase,
      outBase,
      batch,
      m,
      k,
      n,
      batchA === 1 ? 0 : m * k * 4,
      batchB === 1 ? 0 : k * n * 4
    )
    return out
  }
  const shapes = shapeBuffer(backend)
  wasm.HEAP32.set([1, m, k, 1, k, n], shapes >>> 2)
  for (let i = 0; i < batch; i++) {
    const aId = backend.dataIdNextNumber++
    const bId = backend.dataIdNextNumber++
    const outId = backend.dataIdNextNumber++
    wasm.tfjs.registerTensor(aId, m * k, aBase + (batchA === 1 ? 0 : i * m * k * 4))
    wasm.tfjs.registerTensor(bId, k * n, bBase + (batchB === 1 ? 0 : i * k * n * 4))
    wasm.tfjs.registerTensor(outId, m * n, outBase + i * m * n * 4)
    wasm._BatchMatMul(aId, shapes, 3, bId, shapes + 12, 3, 0, 0, outId)
    // Forgetting a view frees nothing but the XNNPACK operator cached on it.
    wasm.tfjs.disposeData(aId)
    wasm.tfjs.disposeData(bId)
    wasm.tfjs.disposeData(outId)
  }
  return out
}

/** A kernel that handles some cases itself (returning their output) and gives the rest to the stock one. */
const orStock =
  (
    kernelName: string,
    fast: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | undefined
  ): tf.KernelFunc =>
  (args) =>
    (isWasmBackend(args.backend) ? fast(args) : undefined) ?? delegate(kernelName, args)

const replacements: ReadonlyArray<tf.KernelConfig> = [
  { kernelName: tf.Identity, backendName: "wasm", kernelFunc: sharedIdentity },
  { kernelName: tf.BatchMatMul, backendName: "wasm", kernelFunc: batchedMatMul },
  { kernelName: tf.Transpose, backendName: "wasm", kernelFunc: orStock(tf.Transpose, transposeKernel) },
  { kernelName: tf.Sum, backendName: "wasm", kernelFunc: orStock(tf.Sum, sumKernel) },
  { kernelName: tf.GatherV2, backendName: "wasm", kernelFunc: orStock(tf.GatherV2, gatherRowsKernel) },
  {
    kernelName: tf.GreaterEqual,
    backendName: "wasm",
    kernelFunc: orStock(tf.GreaterEqual, greaterEqualScalarKernel)
  }
]

/**
 * Installs the wasm kernels of this module over tfjs-backend-wasm's, once the wasm package has registered
 * its own (importing `@tensorflow/tfjs-backend-wasm` registers them; doing so again after this call
 * restores the stock ones until the next call). Idempotent and cheap: call it before running a model.
 * Does nothing when the wasm package is not loaded.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm"
 * import { installWasmKernels } from "@addrop/ops"
 * installWasmKernels()
 * ```
 * @since 0.1.0
 * @category kernels
 */
export const installWasmKernels = (): void => {
  for (const replacement of replacements) {
    const current = tf.getKernel(replacement.kernelName, "wasm")
    if (current === undefined || current.kernelFunc === replacement.kernelFunc) continue
    stock.set(replacement.kernelName, current)
    tf.unregisterKernel(replacement.kernelName, "wasm")
    tf.registerKernel({
      ...replacement,
      // The stock kernel's setup (its cwrap of the C function) still runs when the backend starts later.
      ...(current.setupFunc === undefined ? {} : { setupFunc: current.setupFunc }),
      ...(current.disposeFunc === undefined ? {} : { disposeFunc: current.disposeFunc })
    })
  }
}
