/**
 * {@link RowKernel.sample} as a wasm kernel (wasm/rowMask.wat) over tfjs-backend-wasm's memory: the scores
 * are read where the backend keeps them and the mask is written into a fresh tensor, with the same bits as
 * the JavaScript row kernel (the same selection threshold, the same Philox words, the same float32
 * comparisons); where the module cannot be compiled (workerd) or the backend is not wasm, callers take the
 * JavaScript path.
 */
import type { Key } from "@addrop/random"
import { WasmKernel } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { entryKeys } from "../RowKernel.js"
import { wasmModules } from "./wasmModules.js"

interface RowMaskExports {
  readonly sampleRows: (
    scores: number,
    out: number,
    real: number,
    n: number,
    k: number,
    rows: number,
    length: number,
    first: number,
    q: number,
    k0: number,
    k1: number,
    scratch: number
  ) => void
}

const ROW_MASK = "AddropRowMask"

const kernelExports = WasmKernel.loader(wasmModules)

interface RowMaskAttrs {
  readonly keyMask: Array<number>
  readonly p: number
  readonly q: number
  readonly k0: number
  readonly k1: number
}

const rowMaskKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const scores = inputs.scores as tf.TensorInfo
  const { keyMask, p, q, k0, k1 } = attrs as unknown as RowMaskAttrs
  const b = backend as unknown as WasmKernel.WasmHeapBackend
  const [batch, heads, rows, length] = scores.shape as [number, number, number, number]
  const size = batch * heads * rows * length
  const kernel = kernelExports<RowMaskExports>("rowMask", b.wasm)!
  const out = b.makeOutput(scores.shape, "float32")
  // The real key positions, then two buffers for the row's scores being selected among.
  const scratch = b.wasm._malloc(12 * length) >>> 0
  try {
    const scoresAt = WasmKernel.heapOffset(b, scores)
    const outAt = WasmKernel.heapOffset(b, out)
    // Views taken after the allocations: growing the memory replaces them.
    b.wasm.HEAPF32.fill(0, outAt >>> 2, (outAt >>> 2) + size)
    for (const [e, { real, k }] of entryKeys(keyMask, batch, length, p).entries()) {
      if (k >= real.length) continue
      b.wasm.HEAP32.set(real, scratch >>> 2)
      kernel.sampleRows(
        scoresAt,
        outAt,
        scratch,
        real.length,
        k,
        heads * rows,
        length,
        e * heads * rows * length,
        Math.fround(q),
        k0,
        k1,
        scratch + 4 * length
      )
    }
  } finally {
    b.wasm._free(scratch)
  }
  return out as tf.TensorInfo
}

/**
 * The drop mask of the scores `[B,H,L,L]` that `scores` makes (see {@link RowKernel.sample}) with draws from
 * the Philox stream of `dropKey`, by the wasm kernel; `undefined` where it does not run (then use the
 * JavaScript row kernel), without making the scores. Call it inside `tf.tidy`: the scores made for it are
 * the caller's to dispose.
 */
export const sampleOnWasm = (
  scores: () => tf.Tensor4D,
  keyMask: ArrayLike<number>,
  p: number,
  q: number,
  dropKey: Key.Key
): tf.Tensor4D | undefined => {
  if (tf.getBackend() !== "wasm") return undefined
  if (
    kernelExports<RowMaskExports>("rowMask", (tf.backend() as unknown as WasmKernel.WasmHeapBackend).wasm) ===
    undefined
  ) {
    return undefined
  }
  if (tf.getKernel(ROW_MASK, "wasm") === undefined) {
    tf.registerKernel({ kernelName: ROW_MASK, backendName: "wasm", kernelFunc: rowMaskKernel })
  }
  const attrs: RowMaskAttrs = { keyMask: Array.from(keyMask), p, q, k0: dropKey.k0, k1: dropKey.k1 }
  const input = scores()
  const floats = input.dtype === "float32" ? input : tf.cast(input, "float32")
  return tf
    .engine()
    .runKernel(ROW_MASK, { scores: floats }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D
}
