/**
 * Transpose, Sum over leading axes, comparisons with a scalar and row gathers for tfjs-backend-wasm, the
 * memory-bound kernels that follow the matmuls in a training step's profile (about a fifth of a tiny BERT
 * step on one thread):
 *
 * - `Transpose` that swaps two blocks of axes (a matrix transpose, batched or not: every `xᵀ` of a weight
 *   gradient and every swap of the last two axes) runs wasm/layout.wat's 4 × 4-block SIMD transpose.
 * - `Sum` over leading axes, listed in order (every bias gradient, and LayerNorm's γ and β gradients), adds
 *   rows in place (wasm/layout.wat) instead of transposing the input so that the reduced axes come last.
 * - `GreaterEqual` of a float32 tensor and a float32 scalar (a dropout's keep mask) compares sixteen
 *   elements at a time; the stock kernel broadcasts the scalar element by element.
 * - `GatherV2` of whole rows (`axis` 0, no batch dimensions: embedding lookups) copies each row with one
 *   `copyWithin`; the stock kernel computes every element's source index.
 *
 * Each function returns `undefined` for a case it does not handle, which then goes to the stock kernel.
 * Results are the same bits as the stock kernels' (transposes and gathers move bits; the row sums add in the
 * stock kernel's order, see wasm/layout.wat).
 */
import * as tf from "@tensorflow/tfjs-core"
import { heapOffset, type WasmHeapBackend, wasmKernelExports } from "./wasmKernel.js"

interface LayoutExports {
  readonly transpose: (input: number, out: number, batch: number, rows: number, cols: number) => void
  readonly sumRows: (input: number, out: number, rows: number, cols: number) => void
  readonly greaterEqualScalar: (x: number, out: number, n: number, s: number) => void
}

/** Element types stored as 4-byte words in wasm memory (bool is one byte there). */
const isWord = (dtype: tf.DataType) => dtype === "float32" || dtype === "int32"

const sizeOf = (shape: ReadonlyArray<number>) => shape.reduce((a, b) => a * b, 1)

/**
 * A permutation as a batched matrix transpose, when it is one: axes of length 1 are dropped (they do not
 * move memory), then runs of axes that stay adjacent and in order are merged. Two merged groups in swapped
 * order are one transpose, three groups `[g0, g2, g1]` are `size(g0)` transposes.
 */
export const batchedTransposeOf = (
  shape: ReadonlyArray<number>,
  perm: ReadonlyArray<number>
): { readonly batch: number; readonly rows: number; readonly cols: number } | undefined => {
  const kept = perm.filter((axis) => shape[axis]! > 1)
  // Output order of merged groups, each a run of consecutive input axes.
  const groups: Array<Array<number>> = []
  for (const axis of kept) {
    const last = groups[groups.length - 1]
    const previous = last?.[last.length - 1]
    if (last !== undefined && previous !== undefined && nextKept(shape, previous) === axis) last.push(axis)
    else groups.push([axis])
  }
  const size = (group: ReadonlyArray<number>) => sizeOf(group.map((axis) => shape[axis]!))
  const [g0, g1, g2] = groups
  if (groups.length === 2 && g0![0]! > g1![0]!) return { batch: 1, rows: size(g1!), cols: size(g0!) }
  if (groups.length === 3 && g0![0]! < g2![0]! && g2![0]! < g1![0]!) {
    return { batch: size(g0!), rows: size(g2!), cols: size(g1!) }
  }
  return undefined
}

/** The next input axis after `axis` that has length > 1. */
const nextKept = (shape: ReadonlyArray<number>, axis: number): number | undefined => {
  for (let next = axis + 1; next < shape.length; next++) if (shape[next]! > 1) return next
  return undefined
}

const layoutExports = (backend: WasmHeapBackend) => wasmKernelExports<LayoutExports>("layout", backend.wasm)

/** `Transpose` as a batched matrix transpose, or `undefined`. */
export const transposeKernel = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | undefined => {
  const x = args.inputs.x as tf.TensorInfo
  const { perm } = args.attrs as unknown as tf.TransposeAttrs
  const backend = args.backend as unknown as WasmHeapBackend
  if (!isWord(x.dtype)) return undefined
  const layout = batchedTransposeOf(x.shape, perm)
  const kernel = layout === undefined ? undefined : layoutExports(backend)
  if (layout === undefined || kernel === undefined) return undefined
  const out = backend.makeOutput(
    perm.map((axis) => x.shape[axis]!),
    x.dtype
  )
  kernel.transpose(heapOffset(backend, x), heapOffset(backend, out), layout.batch, layout.rows, layout.cols)
  return out
}

/** `Sum` of float32 over its leading axes (not all of them), or `undefined`. */
export const sumKernel = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | undefined => {
  const x = args.inputs.x as tf.TensorInfo
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs
  const backend = args.backend as unknown as WasmHeapBackend
  if (x.dtype !== "float32" || sizeOf(x.shape) === 0) return undefined
  // Axes listed in another order are summed in that order by the stock kernel: left to it, to keep its bits.
  const axes = tf.util.parseAxisParam(axis, x.shape)
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i)
  const kernel = leading ? layoutExports(backend) : undefined
  if (kernel === undefined) return undefined
  const kept = x.shape.slice(axes.length)
  const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, "float32")
  kernel.sumRows(
    heapOffset(backend, x),
    heapOffset(backend, out),
    sizeOf(x.shape.slice(0, axes.length)),
    sizeOf(kept)
  )
  return out
}

/** `GatherV2` of whole rows (axis 0, no batch dimensions) with every index in range, or `undefined`. */
export const gatherRowsKernel = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | undefined => {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo }
  const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs
  const backend = args.backend as unknown as WasmHeapBackend
  if (
    !isWord(x.dtype) ||
    indices.dtype !== "int32" ||
    (batchDims ?? 0) !== 0 ||
    tf.util.parseAxisParam(axis, x.shape)[0] !== 0 ||
    sizeOf(x.shape) === 0
  ) {
    return undefined
  }
  const count = sizeOf(indices.shape)
  const rows = x.shape[0]!
  const indexAt = heapOffset(backend, indices) >>> 2
  // Out-of-range indices go to the stock kernel, whose error names the index.
  for (let i = 0, heap = backend.wasm.HEAP32; i < count; i++) {
    const index = heap[indexAt + i]!
    if (index < 0 || index >= rows) return undefined
  }
  const rowLength = sizeOf(x.shape.slice(1))
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype)
  // After the allocation: growing the memory replaces the module's views.
  const heap = backend.wasm.HEAP32
  const source = heapOffset(backend, x) >>> 2
  const target = heapOffset(backend, out) >>> 2
  for (let i = 0; i < count; i++) {
    const start = source + heap[indexAt + i]! * rowLength
    heap.copyWithin(target + i * rowLength, start, start + rowLength)
  }
  return out
}

/** `GreaterEqual` of float32 `a` and a one-element float32 `b`, or `undefined`. */
export const greaterEqualScalarKernel = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | undefined => {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
  const backend = args.backend as unknown as WasmHeapBackend
  if (
    a.dtype !== "float32" ||
    b.dtype !== "float32" ||
    sizeOf(b.shape) !== 1 ||
    b.shape.length > a.shape.length
  ) {
    return undefined
  }
  const kernel = layoutExports(backend)
  if (kernel === undefined) return undefined
  // b's shape of ones broadcasts to a's: the output has a's shape.
  const out = backend.makeOutput([...a.shape], "bool")
  const s = new Float32Array(backend.wasm.HEAP32.buffer, heapOffset(backend, b), 1)[0]!
  kernel.greaterEqualScalar(heapOffset(backend, a), heapOffset(backend, out), sizeOf(a.shape), s)
  return out
}
