/**
 * One AdamW update of one parameter as a single kernel pass.
 *
 * Written as tfjs ops, an AdamW update takes 14 element-wise kernels per parameter, each allocating a
 * tensor of the parameter's size: for BERT-base's word embeddings that is ten 94 MB temporaries alive at
 * once, and for small models the kernel launches dominate a training step. On the cpu and wasm backends
 * this op reads the four buffers and writes the three results in one JavaScript loop, rounding to float32
 * after every operation exactly as the element-wise kernels do, so the results are bit-identical to the
 * op-by-op update (which other backends run). On wasm the loop is a SIMD kernel (wasm/adamw.wat, four
 * lanes per instruction, each f32x4 operation rounding once like `Math.fround`) running inside the
 * backend's own memory, bit-identical too; where WebAssembly cannot be compiled from bytes (workerd) and
 * for buffers shorter than four elements, the JavaScript loop runs instead.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { heapOffset, type WasmHeapBackend, wasmKernelExports } from "./internal/wasmKernel.js"

/**
 * The scalars of one update: `t` is the 1-based step count; `weightDecay` 0 for parameters without decay.
 *
 * @since 0.1.0
 * @category models
 */
export interface AdamWScalars {
  readonly learningRate: number
  readonly beta1: number
  readonly beta2: number
  readonly epsilon: number
  readonly weightDecay: number
  readonly t: number
}

const KERNEL = "AddropAdamW"

interface Attrs {
  /** 1 − lr·λ, or 1 (no decay). */
  readonly decay: number
  readonly beta1: number
  readonly oneMinusBeta1: number
  readonly beta2: number
  readonly oneMinusBeta2: number
  /** √(1 − β₂ᵗ). */
  readonly correction2Sqrt: number
  readonly epsilon: number
  /** lr / (1 − β₁ᵗ). */
  readonly stepSize: number
  readonly decays: boolean
}

const attrsOf = (s: AdamWScalars): Attrs => ({
  decay: 1 - s.learningRate * s.weightDecay,
  beta1: s.beta1,
  oneMinusBeta1: 1 - s.beta1,
  beta2: s.beta2,
  oneMinusBeta2: 1 - s.beta2,
  correction2Sqrt: Math.sqrt(1 - s.beta2 ** s.t),
  epsilon: s.epsilon,
  stepSize: s.learningRate / (1 - s.beta1 ** s.t),
  decays: s.weightDecay !== 0
})

/** The update over flat buffers, float32-rounded after every operation like the kernels it replaces. */
const update = (
  attrs: Attrs,
  param: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grad: Float32Array,
  outParam: Float32Array,
  outM: Float32Array,
  outV: Float32Array
): void => {
  const f = Math.fround
  const decay = f(attrs.decay)
  const beta1 = f(attrs.beta1)
  const oneMinusBeta1 = f(attrs.oneMinusBeta1)
  const beta2 = f(attrs.beta2)
  const oneMinusBeta2 = f(attrs.oneMinusBeta2)
  const correction2Sqrt = f(attrs.correction2Sqrt)
  const epsilon = f(attrs.epsilon)
  const stepSize = f(attrs.stepSize)
  const decays = attrs.decays
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!
    const nextM = f(f(m[i]! * beta1) + f(g * oneMinusBeta1))
    const nextV = f(f(v[i]! * beta2) + f(f(g * g) * oneMinusBeta2))
    const denominator = f(f(f(Math.sqrt(nextV)) / correction2Sqrt) + epsilon)
    const decayed = decays ? f(param[i]! * decay) : param[i]!
    outParam[i] = f(decayed - f(f(nextM / denominator) * stepSize))
    outM[i] = nextM
    outV[i] = nextV
  }
}

interface CpuBackend {
  readonly data: { get(dataId: tf.DataId): { readonly values: Float32Array } }
  makeTensorInfo(shape: Array<number>, dtype: tf.DataType, values: Float32Array): tf.TensorInfo
}

interface WasmBackend extends WasmHeapBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array
}

/** The export of wasm/adamw.wat: byte offsets, the element count (≥ 4), then the float32 scalars. */
interface AdamWExports {
  readonly adamw: (
    param: number,
    m: number,
    v: number,
    grad: number,
    outParam: number,
    outM: number,
    outV: number,
    n: number,
    decay: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    correction2Sqrt: number,
    epsilon: number,
    stepSize: number
  ) => void
}

const cpuKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { param, m, v, grad } = inputs as Record<string, tf.TensorInfo>
  const b = backend as unknown as CpuBackend
  const values = (x: tf.TensorInfo) => b.data.get(x.dataId).values
  const size = values(param!).length
  const out = [new Float32Array(size), new Float32Array(size), new Float32Array(size)] as const
  update(attrs as unknown as Attrs, values(param!), values(m!), values(v!), values(grad!), ...out)
  return out.map((o) => b.makeTensorInfo(param!.shape, "float32", o))
}

/** The SIMD kernel for `size` elements on this wasm backend, or `undefined`: then the JavaScript loop runs. */
const simdKernel = (backend: WasmBackend, size: number): AdamWExports | undefined =>
  size >= 4 ? wasmKernelExports<AdamWExports>("adamw", backend.wasm) : undefined

const wasmKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { param, m, v, grad } = inputs as Record<string, tf.TensorInfo>
  const b = backend as unknown as WasmBackend
  // Allocate first: growing the heap detaches views taken before.
  const outs = [0, 1, 2].map(() => b.makeOutput(param!.shape, "float32"))
  const size = tf.util.sizeFromShape(param!.shape)
  const simd = simdKernel(b, size)
  if (simd !== undefined) {
    const a = attrs as unknown as Attrs
    const offset = (x: tf.TensorInfo) => heapOffset(b, x)
    simd.adamw(
      offset(param!),
      offset(m!),
      offset(v!),
      offset(grad!),
      offset(outs[0]!),
      offset(outs[1]!),
      offset(outs[2]!),
      size,
      // Without decay the parameter is multiplied by exactly 1, which changes no float32 value.
      a.decays ? a.decay : 1,
      a.beta1,
      a.oneMinusBeta1,
      a.beta2,
      a.oneMinusBeta2,
      a.correction2Sqrt,
      a.epsilon,
      a.stepSize
    )
    return outs
  }
  const view = (x: tf.TensorInfo) => b.typedArrayFromHeap(x)
  update(
    attrs as unknown as Attrs,
    view(param!),
    view(m!),
    view(v!),
    view(grad!),
    view(outs[0]!),
    view(outs[1]!),
    view(outs[2]!)
  )
  return outs
}

const register = () => {
  for (const [backendName, kernelFunc] of [
    ["cpu", cpuKernel],
    ["wasm", wasmKernel]
  ] as const) {
    if (tf.getKernel(KERNEL, backendName) === undefined)
      tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc })
  }
}

/** The op-by-op update, for backends without the fused kernel. */
const composite = (param: tf.Tensor, m: tf.Tensor, v: tf.Tensor, grad: tf.Tensor, a: Attrs) =>
  tf.tidy(() => {
    const decayed = a.decays ? tf.mul(param, a.decay) : param
    const nextM = tf.add(tf.mul(m, a.beta1), tf.mul(grad, a.oneMinusBeta1))
    const nextV = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(grad), a.oneMinusBeta2))
    const denominator = tf.add(tf.div(tf.sqrt(nextV), a.correction2Sqrt), a.epsilon)
    return [tf.sub(decayed, tf.mul(tf.div(nextM, denominator), a.stepSize)), nextM, nextV] as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor
    ]
  })

/**
 * Which implementation `adamw` runs on the current backend for a parameter of `size` elements: `"simd"`
 * (the WebAssembly SIMD kernel, wasm), `"javascript"` (the fused loop: cpu; wasm where WebAssembly cannot
 * be compiled from bytes, or under four elements) or `"op-by-op"` (tfjs element-wise ops: every other
 * backend). For benchmarks and tests, which must know what they measured.
 *
 * @example
 * ```ts
 * import { adamwImplementation } from "@addrop/ops"
 * adamwImplementation(4096) // "simd" on wasm in Node
 * ```
 * @since 0.1.0
 * @category ops
 */
export const adamwImplementation = (size: number): "simd" | "javascript" | "op-by-op" => {
  const backend = tf.getBackend()
  if (backend === "cpu") return "javascript"
  if (backend !== "wasm") return "op-by-op"
  return simdKernel(tf.backend() as unknown as WasmBackend, size) !== undefined ? "simd" : "javascript"
}

/**
 * One AdamW step of `torch.optim.AdamW` for one parameter: returns the new parameter and the new first
 * and second moments (new tensors; the inputs are unchanged). Decoupled weight decay multiplies the
 * parameter by `1 − lr·λ`; the denominator is `√v̂ / √(1 − β₂ᵗ) + ε`; the step `lr / (1 − β₁ᵗ)`.
 *
 * @example
 * ```ts
 * import { adamw } from "@addrop/ops"
 * const [p, m, v] = adamw(param, m0, v0, grad, {
 *   learningRate: 2e-5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, t: 1
 * })
 * ```
 * @since 0.1.0
 * @category ops
 */
export const adamw = (
  param: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  grad: tf.Tensor,
  scalars: AdamWScalars
): [tf.Tensor, tf.Tensor, tf.Tensor] => {
  for (const [name, x] of [
    ["m", m],
    ["v", v],
    ["grad", grad]
  ] as const) {
    if (!tf.util.arraysEqual(x.shape, param.shape) || x.dtype !== "float32") {
      throw new RangeError(
        `adamw: ${name} [${x.shape}] ${x.dtype} does not match the parameter [${param.shape}]`
      )
    }
  }
  const attrs = attrsOf(scalars)
  const backend = tf.getBackend()
  if (backend !== "cpu" && backend !== "wasm") return composite(param, m, v, grad, attrs)
  register()
  return tf
    .engine()
    .runKernel(KERNEL, { param, m, v, grad }, attrs as unknown as tf.NamedAttrMap) as unknown as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor
  ]
}
