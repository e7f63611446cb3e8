/**
 * Microbenchmarks of the fused kernels in `@addrop/ops` and `@addrop/mask`, one backend per process.
 *
 * ```sh
 * npm run -s kernels -w @addrop/bench-app -- adamw wasm 4194304 7
 * npm run -s kernels -w @addrop/bench-app -- transpose wasm 1048576 7 stock   # tfjs-wasm's own kernels
 * ```
 *
 * The fifth argument, `stock`, leaves tfjs-wasm's kernels in place instead of installing `@addrop/ops`'
 * replacements (`installWasmKernels`: BatchMatMul, Transpose, Sum, GatherV2, GreaterEqual), for before/after
 * comparisons of those.
 *
 * Prints one JSON line: the median wall-clock and CPU-time ms per call and ns per element over the
 * rounds, every round's wall time, and the load average at the start (timings on a shared machine are
 * upper bounds; CPU time counts only this process's work, though memory bandwidth is still shared).
 */
import { loadavg } from "node:os"
import { TensorBackend } from "@addrop/backends"
import { Mask, Sampler } from "@addrop/mask"
import {
  adamw,
  adamwImplementation,
  gelu,
  installWasmKernels,
  layerNorm,
  matMul,
  transposedProduct
} from "@addrop/ops"
import { Draw, Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"

const [kernel = "adamw", backendArg = "wasm", sizeArg = "4194304", roundsArg = "7", kernelsArg = "ours"] =
  process.argv.slice(2)
/** Elements per call: the parameter's size for adamw; for the mask kernels, `[B,H,L,L]` with H = 12, L = 128. */
const size = Number(sizeArg)
const MASK_HEADS = 12
const MASK_SEQ = 128
const maskShape = () => {
  const batch = Math.max(1, Math.round(size / (MASK_HEADS * MASK_SEQ * MASK_SEQ)))
  return [batch, MASK_HEADS, MASK_SEQ, MASK_SEQ] as [number, number, number, number]
}
/** A key mask whose example b has its last 8·b positions padded, so rows differ in real length. */
const keyMask = (batch: number) =>
  tf.tensor2d(
    Float32Array.from({ length: batch * MASK_SEQ }, (_, i) =>
      i % MASK_SEQ < MASK_SEQ - 8 * Math.floor(i / MASK_SEQ) ? 1 : 0
    ),
    [batch, MASK_SEQ]
  )
const maskOptions = { p: 0.3, q: 0.3, strategy: "high" } as const
const rounds = Number(roundsArg)

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const round3 = (x: number) => Math.round(x * 1000) / 1000

/** Milliseconds of CPU time this process has used (user + system), less disturbed by a busy machine. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

interface Timing {
  readonly wallMs: number
  readonly cpuMs: number
}

/**
 * Times `call` `rounds` times after one warm-up. The cpu and wasm backends run kernels synchronously, so
 * the call's end is the kernel's end; reading the outputs back would time a copy as well.
 */
const time = (call: () => ReadonlyArray<tf.Tensor>): ReadonlyArray<Timing> => {
  const once = () => {
    const cpu = cpuMs()
    const start = performance.now()
    const outs = call()
    const timing = { wallMs: performance.now() - start, cpuMs: cpuMs() - cpu }
    tf.dispose([...outs])
    return timing
  }
  once()
  return Array.from({ length: rounds }, once)
}

const weightGradientOperands = () => {
  const tokens = Math.max(1, Math.round(size / 512))
  return {
    x: tf.randomNormal([tokens, 128], 0, 1, "float32", 5),
    dy: tf.randomNormal([tokens, 512], 0, 1, "float32", 6)
  }
}

const cases: Record<string, () => ReadonlyArray<Timing>> = {
  adamw: () => {
    const param = tf.randomUniform([size], -1, 1, "float32", 1)
    const m = tf.randomUniform([size], -1e-3, 1e-3, "float32", 2)
    const v = tf.randomUniform([size], 0, 1e-6, "float32", 3)
    const grad = tf.randomUniform([size], -1e-2, 1e-2, "float32", 4)
    const scalars = { learningRate: 2e-5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, t: 3 }
    const ms = time(() => adamw(param, m, v, grad, scalars))
    tf.dispose([param, m, v, grad])
    return ms
  },
  /** erf-GELU forward and backward (`tf.valueAndGrad` against a fixed cotangent) over `[size/512, 512]`. */
  gelu: () => {
    const x = tf.randomNormal([Math.max(1, Math.round(size / 512)), 512], 0, 1, "float32", 5)
    const dy = tf.randomNormal(x.shape, 0, 1, "float32", 6)
    const f = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), dy)))
    const ms = time(() => {
      const { value, grad } = f(x)
      return [value, grad]
    })
    tf.dispose([x, dy])
    return ms
  },
  /** LayerNorm forward and backward (x, γ, β) over `[size/128, 128]`. */
  "layer-norm": () => {
    const x = tf.randomNormal([Math.max(1, Math.round(size / 128)), 128], 0, 1, "float32", 5)
    const gamma = tf.ones([128]) as tf.Tensor1D
    const beta = tf.zeros([128]) as tf.Tensor1D
    const dy = tf.randomNormal(x.shape, 0, 1, "float32", 6)
    const f = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(layerNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-12), dy))
    )
    const ms = time(() => {
      const { value, grads } = f([x, gamma, beta])
      return [value, ...grads]
    })
    tf.dispose([x, gamma, beta, dy])
    return ms
  },
  /** A [size/128, 128] matrix transposed (a weight gradient's xᵀ). */
  transpose: () => {
    const x = tf.randomNormal([Math.max(1, Math.round(size / 128)), 128], 0, 1, "float32", 5)
    const ms = time(() => [tf.transpose(x)])
    x.dispose()
    return ms
  },
  /** A [size/128, 128] matrix summed over its rows (a bias gradient). */
  "sum-rows": () => {
    const x = tf.randomNormal([Math.max(1, Math.round(size / 128)), 128], 0, 1, "float32", 5)
    const ms = time(() => [tf.sum(x, 0)])
    x.dispose()
    return ms
  },
  /** Attention's products: size/(128·64) entries of [128, 64]·[64, 128]. */
  "batched-matmul": () => {
    const entries = Math.max(1, Math.round(size / (128 * 64)))
    const a = tf.randomNormal([entries, 128, 64], 0, 1, "float32", 5)
    const b = tf.randomNormal([entries, 64, 128], 0, 1, "float32", 6)
    const ms = time(() => [tf.matMul(a, b)])
    tf.dispose([a, b])
    return ms
  },
  /** A weight gradient xᵀ·dy, x [size/512, 128] and dy [size/512, 512], as `transposedProduct` orders it. */
  "weight-gradient": () => {
    const { x, dy } = weightGradientOperands()
    const ms = time(() => [transposedProduct(x, dy)])
    tf.dispose([x, dy])
    return ms
  },
  /** The same weight gradient as an explicit transpose of x, then the product (the order before). */
  "weight-gradient-xt": () => {
    const { x, dy } = weightGradientOperands()
    const ms = time(() => [matMul(x, dy, { transposeA: true })])
    tf.dispose([x, dy])
    return ms
  },
  /** A dropout's keep mask: `size` uniforms ≥ 0.1. */
  "greater-equal": () => {
    const x = tf.randomUniform([size], 0, 1, "float32", 5)
    const ms = time(() => [tf.greaterEqual(x, 0.1)])
    x.dispose()
    return ms
  },
  /** An embedding lookup: size/128 rows of a [30522, 128] table. */
  "gather-rows": () => {
    const table = tf.randomNormal([30522, 128], 0, 1, "float32", 5)
    const ids = tf.tensor1d(
      Int32Array.from({ length: Math.max(1, Math.round(size / 128)) }, (_, i) => (i * 7919) % 30522),
      "int32"
    )
    const ms = time(() => [tf.gather(table, ids)])
    tf.dispose([table, ids])
    return ms
  },
  /** The uniform draws of one layer's mask (Philox in JavaScript), as a tensor. */
  "mask-draws": () => {
    const shape = maskShape()
    return time(() => [Sampler.draws(Key.make(7), shape, "high").drop])
  },
  /** The candidate region of one layer (per-row threshold by sorting, then comparisons). */
  "mask-candidates": () => {
    const shape = maskShape()
    const scores = tf.tensor4d(Draw.uniform(Key.make(3), size), shape)
    const mask = keyMask(shape[0])
    const ms = time(() => [Mask.candidates(scores, mask, maskOptions.p)])
    tf.dispose([scores, mask])
    return ms
  },
  /** One layer's whole mask: draws, region and drop. */
  mask: () => {
    const shape = maskShape()
    const scores = tf.tensor4d(Draw.uniform(Key.make(3), size), shape)
    const mask = keyMask(shape[0])
    const ms = time(() => [Sampler.sample(scores, mask, maskOptions, Key.make(7))])
    tf.dispose([scores, mask])
    return ms
  }
}

const load = loadavg()[0]!
const result = await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      yield* TensorBackend.make(backendArg as "wasm" | "cpu")
      if (kernelsArg !== "stock") installWasmKernels()
      const run = cases[kernel]
      if (run === undefined) throw new Error(`unknown kernel ${kernel}: one of ${Object.keys(cases)}`)
      const timings = run()
      const wall = median(timings.map((t) => t.wallMs))
      const cpu = median(timings.map((t) => t.cpuMs))
      return {
        kernel,
        backend: backendArg,
        kernels: kernelsArg === "stock" ? "stock" : "installWasmKernels",
        ...(kernel === "adamw" ? { implementation: adamwImplementation(size) } : {}),
        size,
        msPerCall: round3(wall),
        nsPerElement: round3((wall * 1e6) / size),
        cpuMsPerCall: round3(cpu),
        cpuNsPerElement: round3((cpu * 1e6) / size),
        wallRounds: timings.map((t) => round3(t.wallMs)),
        loadAverage: load
      }
    })
  )
)
process.stdout.write(`${JSON.stringify(result)}\n`)
