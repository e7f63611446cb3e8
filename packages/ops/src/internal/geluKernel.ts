/**
 * erf-GELU and its derivative as one wasm SIMD pass each (wasm/gelu.wat) instead of the 5 and 11 element-wise
 * kernels of the formulas in ./activation.ts, on the wasm backend where the kernel module can be compiled.
 * Elsewhere, and for float32 buffers under four elements, callers compute the formulas.
 */
import * as tf from "@tensorflow/tfjs-core"
import { heapOffset, type WasmHeapBackend, wasmKernelExports } from "./wasmKernel.js"

interface GeluExports {
  readonly gelu: (x: number, out: number, n: number) => void
  readonly geluGrad: (x: number, dy: number, out: number, n: number) => void
}

const GELU = "AddropGelu"
const GELU_GRAD = "AddropGeluGrad"

const exportsFor = (backend: unknown, size: number): GeluExports | undefined =>
  size >= 4 ? wasmKernelExports<GeluExports>("gelu", (backend as WasmHeapBackend).wasm) : undefined

const geluKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo
  const b = backend as unknown as WasmHeapBackend
  const out = b.makeOutput(x.shape, "float32")
  exportsFor(b, tf.util.sizeFromShape(x.shape))!.gelu(
    heapOffset(b, x),
    heapOffset(b, out),
    tf.util.sizeFromShape(x.shape)
  )
  return out as tf.TensorInfo
}

const geluGradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo
  const dy = inputs.dy as tf.TensorInfo
  const b = backend as unknown as WasmHeapBackend
  const size = tf.util.sizeFromShape(x.shape)
  const out = b.makeOutput(x.shape, "float32")
  exportsFor(b, size)!.geluGrad(heapOffset(b, x), heapOffset(b, dy), heapOffset(b, out), size)
  return out as tf.TensorInfo
}

/** Whether the SIMD kernels run for `x` on the current backend (then they are registered). */
const available = (x: tf.Tensor): boolean => {
  if (tf.getBackend() !== "wasm" || x.dtype !== "float32" || exportsFor(tf.backend(), x.size) === undefined) {
    return false
  }
  for (const [kernelName, kernelFunc] of [
    [GELU, geluKernel],
    [GELU_GRAD, geluGradKernel]
  ] as const) {
    if (tf.getKernel(kernelName, "wasm") === undefined)
      tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc })
  }
  return true
}

/** gelu(x) by the SIMD kernel, or `undefined` where it does not run. */
export const geluSimd = (x: tf.Tensor): tf.Tensor | undefined =>
  available(x) ? (tf.engine().runKernel(GELU, { x }) as tf.Tensor) : undefined

/** dy·gelu'(x) by the SIMD kernel, or `undefined` where it does not run. */
export const geluGradSimd = (x: tf.Tensor, dy: tf.Tensor): tf.Tensor | undefined =>
  available(x) && dy.dtype === "float32" && tf.util.arraysEqual(dy.shape, x.shape)
    ? (tf.engine().runKernel(GELU_GRAD, { x, dy }) as tf.Tensor)
    : undefined
