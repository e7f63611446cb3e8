import * as tf from "@tensorflow/tfjs-core"
import { expect, it } from "vitest"
import {
  adamw,
  adamwImplementation,
  add,
  customOp,
  dense,
  dropout,
  feedForward,
  gelu,
  installWasmKernels,
  layerNorm,
  matMul,
  scale,
  transposedProduct
} from "@addrop/ops"
import { describeBackends, expectAllClose, seededTensor, statuses } from "../src/index.js"
import { adamwFloat32, gelu as geluFloat64 } from "./reference.js"

const backends = await statuses()

const t = seededTensor

/** The op-by-op formulas the ops replace, differentiated by tfjs' own gradients. */
const reference = {
  gelu: (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
  layerNorm: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) => {
    const { mean, variance } = tf.moments(x, x.rank - 1, true)
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b)
  },
  dense: (x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor) =>
    tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, w.shape[0]]), w), b), [
      ...x.shape.slice(0, -1),
      w.shape[1]
    ]),
  dropout: (x: tf.Tensor, rate: number, seed: number) =>
    tf.mul(
      x,
      tf.mul(
        tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, "float32", seed), rate), "float32"),
        1 / (1 - rate)
      )
    )
}

/**
 * Values and gradients (w.r.t. every input, against a fixed random cotangent) of two implementations. The
 * values must be identical (the same kernels) unless `values` gives a tolerance.
 */
const compare = async (
  ours: (...xs: Array<tf.Tensor>) => tf.Tensor,
  theirs: (...xs: Array<tf.Tensor>) => tf.Tensor,
  inputs: Array<tf.Tensor>,
  rtol = 2e-5,
  values = { rtol: 0, atol: 0 }
) => {
  const before = tf.memory().numTensors
  const cotangent = t(ours(...inputs).shape, 99)
  const objective =
    (f: (...xs: Array<tf.Tensor>) => tf.Tensor) =>
    (...xs: Array<tf.Tensor>) =>
      tf.sum(tf.mul(f(...xs), cotangent)) as tf.Scalar
  const a = tf.valueAndGrads(objective(ours))(inputs)
  const b = tf.valueAndGrads(objective(theirs))(inputs)
  expect(tf.memory().numTensors - before).toBe(2 + 2 * (1 + inputs.length))
  await expectAllClose(
    tf.tidy(() => ours(...inputs)),
    tf.tidy(() => theirs(...inputs)),
    values
  )
  for (let i = 0; i < inputs.length; i++) await expectAllClose(a.grads[i]!, b.grads[i]!, { rtol, atol: 1e-5 })
  tf.dispose([cotangent, a.value, b.value, ...a.grads, ...b.grads])
}

/**
 * On wasm, erf-GELU runs as one SIMD kernel (wasm/gelu.wat in @addrop/ops) whose erf (Abramowitz & Stegun
 * 7.1.26, |error| ≤ 1.5e-7) and exp (Cephes, ~1 ulp) differ from tfjs' Erf and Exp kernels: gelu(x) = x·Φ(x)
 * differs by at most |x|·(½·1.5e-7 + a few float32 ulp of 1) — under 1e-6 for |x| ≤ 3 as drawn here. A dense
 * layer after it (pre-activations of a few units here) sums 12 such errors weighted by |w| ≤ 1: under 1e-5.
 */
const geluValues = (backend: string, after: "gelu" | "dense") =>
  backend !== "wasm"
    ? { rtol: 0, atol: 0 }
    : after === "gelu"
      ? { rtol: 0, atol: 1e-6 }
      : { rtol: 0, atol: 1e-5 }

describeBackends("ops with hand-written gradients", backends, ({ backend }) => {
  it("gelu: same values as the formula (within the SIMD kernel's error on wasm), same gradient", async () => {
    const x = t([3, 5, 8], 1, 3)
    await compare(gelu, reference.gelu, [x], 2e-5, geluValues(backend, "gelu"))
    x.dispose()
  })

  it("gelu: one kernel on wasm; every length around its four lanes and the gradient vs float64", async () => {
    const { kernels } = await tf.profile(() => gelu(t([9], 1)))
    // The op itself is listed as `addrop.gelu`; its kernels under their own names.
    const names = kernels.map((k) => k.name).filter((name) => !name.startsWith("addrop."))
    if (backend === "wasm") expect(names).toEqual(["AddropGelu"])
    else expect(names).toContain("Erf")
    for (const length of [1, 3, 4, 5, 8, 9, 1027]) {
      const x = t([length], length, 6)
      const values = await x.data()
      // d/dx Σ gelu(x)·c = c·gelu'(x), gelu'(x) = Φ(x) + x·φ(x), in float64.
      const c = t([length], 77)
      const cs = await c.data()
      const derivative = Float64Array.from(values, (v, i) => {
        const cdf = geluFloat64([v])[0]! / v
        return cs[i]! * ((v === 0 ? 0.5 : cdf) + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI))
      })
      const { value, grad } = tf.valueAndGrad((y: tf.Tensor) => tf.sum(tf.mul(gelu(y), c)))(x)
      const y = gelu(x)
      // |x| ≤ 6: the kernel's error (see geluValues) stays under 6·3e-7 ≈ 2e-6.
      await expectAllClose(y, geluFloat64(values), { rtol: 1e-6, atol: 2e-6 })
      await expectAllClose(grad, derivative, { rtol: 1e-6, atol: 2e-6 })
      tf.dispose([x, c, value, grad, y])
    }
  })

  it("layerNorm: same values, closed-form gradient of x, γ and β", async () => {
    const inputs = [t([2, 3, 16], 2, 2), tf.add(1, t([16], 3, 0.5)), t([16], 4)]
    await compare(
      (x, g, b) => layerNorm(x!, g as tf.Tensor1D, b as tf.Tensor1D, 1e-12),
      (x, g, b) => reference.layerNorm(x!, g!, b!, 1e-12),
      inputs,
      1e-4
    )
    tf.dispose(inputs)
  })

  it("dropout: the same mask and values; the gradient is the mask", async () => {
    const x = t([4, 6, 10], 5)
    await compare(
      (y) => dropout(y!, 0.3, 1234),
      (y) => reference.dropout(y!, 0.3, 1234),
      [x]
    )
    x.dispose()
  })

  it("dense: x·W + b with leading axes, gradients of x, W and b", async () => {
    const inputs = [t([2, 3, 8], 6), t([8, 5], 7), t([5], 8)]
    await compare(
      (x, w, b) => dense(x!, w as tf.Tensor2D, b as tf.Tensor1D),
      (x, w, b) => reference.dense(x!, w as tf.Tensor2D, b!),
      inputs
    )
    tf.dispose(inputs)
  })

  it("feedForward: the two dense layers around each activation, every gradient", async () => {
    for (const act of ["gelu", "relu", "tanh"] as const) {
      const inputs = [t([2, 3, 8], 9, 2), t([8, 12], 10), t([12], 11), t([12, 8], 12), t([8], 13)]
      const activation = {
        gelu: reference.gelu,
        relu: (h: tf.Tensor) => tf.relu(h),
        tanh: (h: tf.Tensor) => tf.tanh(h)
      }[act]
      await compare(
        (x, w1, b1, w2, b2) =>
          feedForward(x!, w1 as tf.Tensor2D, b1 as tf.Tensor1D, w2 as tf.Tensor2D, b2 as tf.Tensor1D, act),
        (x, w1, b1, w2, b2) =>
          reference.dense(activation(reference.dense(x!, w1 as tf.Tensor2D, b1!)), w2 as tf.Tensor2D, b2!),
        inputs,
        2e-5,
        act === "gelu" ? geluValues(backend, "dense") : { rtol: 0, atol: 0 }
      )
      tf.dispose(inputs)
    }
  })

  it("add and scale: tf.add / tf.mul values, broadcast gradients summed back", async () => {
    const inputs = [t([2, 3, 4, 4], 14), t([2, 1, 1, 4], 15)]
    await compare(
      (a, b) => add(a!, b!),
      (a, b) => tf.add(a!, b!),
      inputs
    )
    await compare(
      (a) => scale(a!, 0.125),
      (a) => tf.mul(a!, 0.125),
      [inputs[0]!]
    )
    tf.dispose(inputs)
  })

  it("customOp computes an input's gradient only when a requested gradient depends on it", async () => {
    const calls = { x: 0, w: 0 }
    const product = (x: tf.Tensor, w: tf.Tensor) =>
      customOp({
        name: "testProduct",
        inputs: { x, w },
        forward: (save) => {
          save([x, w])
          return tf.mul(x, w)
        },
        backward: (dy, [sx, sw]) => ({
          x: () => (calls.x++, tf.mul(dy, sw!)),
          w: () => (calls.w++, tf.mul(dy, sx!))
        })
      })
    const x = t([5], 16)
    const w = tf.variable(t([5], 17))
    const g = tf.grad((y: tf.Tensor) => tf.sum(product(y, w)))(x)
    expect(calls).toEqual({ x: 1, w: 0 })
    await expectAllClose(g, w, { rtol: 0, atol: 0 })
    tf.dispose([x, w, g])
  })
})

describeBackends("transposedProduct", backends, () => {
  it("is aᵀ·b in either operand order, and rejects operands that are not [t, m] and [t, n]", async () => {
    // n > m (computed as (bᵀ·a)ᵀ), n < m and n = m (computed as aᵀ·b), against the explicit product.
    for (const [m, n] of [
      [3, 8],
      [8, 3],
      [5, 5]
    ] as const) {
      const a = t([6, m], 1)
      const b = t([6, n], 2)
      const before = tf.memory().numTensors
      const product = transposedProduct(a, b)
      const reference = tf.tidy(() => tf.matMul(tf.transpose(a), b))
      expect(product.shape).toEqual([m, n])
      await expectAllClose(product, reference, { rtol: 1e-5, atol: 1e-6 })
      tf.dispose([product, reference])
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([a, b])
    }
    const a = t([6, 3], 1)
    expect(() => transposedProduct(a, t([5, 4], 2))).toThrow(
      /needs \[t, m\] and \[t, n\], got \[6,3\] and \[5,4\]/
    )
    expect(() => transposedProduct(t([2, 6, 3], 3), a)).toThrow(RangeError)
  })
})

describeBackends("wasm kernels", backends, ({ backend }) => {
  it("batched and single products equal the stock kernels', with no tensor or buffer left behind", async () => {
    const cases: Array<[Array<number>, Array<number>]> = [
      [
        [7, 9],
        [9, 5]
      ],
      [
        [3, 4, 7, 9],
        [3, 4, 9, 5]
      ],
      [
        [1, 4, 7, 9],
        [1, 4, 9, 5]
      ],
      [
        [6, 7, 9],
        [1, 9, 5]
      ],
      [
        [1, 7, 9],
        [6, 9, 5]
      ]
    ]
    const expected: Array<Float32Array> = []
    const previous = tf.getBackend()
    await tf.setBackend("cpu")
    for (const [a, b] of cases) expected.push((await tf.matMul(t(a, 1), t(b, 2)).data()) as Float32Array)
    await tf.setBackend(previous)
    if (backend === "wasm") installWasmKernels()
    for (const [i, [a, b]] of cases.entries()) {
      const before = tf.memory().numTensors
      const x = t(a, 1)
      const y = t(b, 2)
      const product = matMul(x, y)
      const reference = tf.tensor(expected[i]!, product.shape)
      await expectAllClose(product, reference, { rtol: 1e-4, atol: 1e-5 })
      tf.dispose([x, y, product, reference])
      expect(tf.memory().numTensors).toBe(before)
    }
  })

  it("batched products with rows a multiple of 4 and columns of 8 run the SIMD GEMM: float32 sums in k order", async () => {
    if (backend === "wasm") installWasmKernels()
    // On wasm, a product that goes to XNNPACK registers three tensor views per batch entry beside its output
    // (see @addrop/ops' WasmKernels); the SIMD GEMM registers the output only. Registrations are counted to
    // see which path ran. (`_BatchMatMul` itself cannot be wrapped: Emscripten rebinds it on first call.)
    const tfjs = (
      tf.backend() as unknown as { wasm?: { tfjs: { registerTensor: (...args: Array<number>) => void } } }
    ).wasm?.tfjs
    const register = tfjs?.registerTensor
    let registrations = 0
    if (tfjs !== undefined && register !== undefined) {
      tfjs.registerTensor = (...args) => {
        registrations++
        register(...args)
      }
    }
    try {
      const cases: Array<[Array<number>, Array<number>, boolean]> = [
        [[2, 3, 8, 5], [2, 3, 5, 16], true],
        [[4, 12, 1], [4, 1, 8], true],
        [[1, 4, 6], [3, 6, 8], true],
        [[3, 4, 6], [1, 6, 8], true],
        // An empty inner dimension gives zeros (tfjs-webgpu 4.22 returns uninitialised memory: not asked there).
        ...(backend === "webgpu"
          ? []
          : [[[3, 4, 0], [3, 0, 8], true] as [Array<number>, Array<number>, boolean]]),
        [[3, 6, 5], [3, 5, 8], false],
        [[3, 4, 5], [3, 5, 12], false],
        [[8, 5], [5, 16], false]
      ]
      for (const [aShape, bShape, simd] of cases) {
        const x = t(aShape, 1)
        const y = t(bShape, 2)
        const before = registrations
        const product = matMul(x, y)
        if (backend === "wasm") {
          const views = registrations - before - 1
          expect(simd ? views === 0 : views > 0, `${views} XNNPACK views for [${aShape}]·[${bShape}]`).toBe(
            true
          )
        }
        // Reference: each element Σ_k a·b in k order, rounded to float32 after every multiply and add.
        const [a, b] = [await x.data(), await y.data()]
        const [m, k] = aShape.slice(-2) as [number, number]
        const n = bShape[bShape.length - 1]!
        const batchOf = (shape: Array<number>) => shape.slice(0, -2).reduce((p, d) => p * d, 1)
        const entries = Math.max(batchOf(aShape), batchOf(bShape))
        const reference = new Float32Array(entries * m * n)
        for (let e = 0; e < entries; e++) {
          // An operand with one batch entry is broadcast over the others.
          const aAt = (batchOf(aShape) > 1 ? e : 0) * m * k
          const bAt = (batchOf(bShape) > 1 ? e : 0) * k * n
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let sum = 0
              for (let p = 0; p < k; p++)
                sum = Math.fround(sum + Math.fround(a[aAt + i * k + p]! * b[bAt + p * n + j]!))
              reference[e * m * n + i * n + j] = sum
            }
          }
        }
        // Bit for bit on wasm (both its GEMMs add in k order); elsewhere within float32 rounding of k ≤ 6 terms.
        await expectAllClose(
          product,
          reference,
          backend === "wasm" ? { rtol: 0, atol: 0 } : { rtol: 1e-5, atol: 1e-6 }
        )
        tf.dispose([x, y, product])
      }
    } finally {
      if (tfjs !== undefined && register !== undefined) tfjs.registerTensor = register
    }
  })

  it("a clone shares nothing observable: it keeps its values after the original is freed", async () => {
    if (backend === "wasm") installWasmKernels()
    const x = t([4, 5], 3)
    const values = await x.data()
    const copy = tf.clone(x)
    x.dispose()
    expect(Array.from(await copy.data())).toEqual(Array.from(values))
    copy.dispose()
  })
})

describeBackends("adamw", backends, ({ backend }) => {
  // Sizes around the SIMD kernel's four lanes: below it (JavaScript loop), a multiple, and lengths whose
  // last chunk overlaps the one before.
  const sizes = [1, 3, 4, 7, 64, 4099]

  it("runs the SIMD kernel on wasm, the fused loop on cpu, element-wise ops elsewhere", () => {
    const expected = { cpu: "javascript", wasm: "simd" }[backend as string] ?? "op-by-op"
    expect(adamwImplementation(4099)).toBe(expected)
    expect(adamwImplementation(3)).toBe(expected === "simd" ? "javascript" : expected)
  })

  it("equals a float32 reference rounding after every operation, four steps, with and without decay", async () => {
    // cpu and wasm round every operation to float32 like the reference: bit-identical. WebGPU runs the
    // element-wise ops, whose ×, + and − are correctly rounded but ÷ and √ may be off by ~2.5 ulp (WGSL):
    // the moments stay exact, the step term (|·| ≤ lr·|m/denominator|, here ≤ ~3e-3) may differ by a
    // few ulp of itself, ~1e-9, well inside atol 1e-8.
    const exact = backend === "cpu" || backend === "wasm"
    for (const size of sizes) {
      for (const weightDecay of [0, 0.01]) {
        let p = t([size], 1)
        let m = tf.zeros([size])
        let v = tf.zeros([size])
        let expected = { param: await p.data(), m: await m.data(), v: await v.data() }
        const before = tf.memory().numTensors
        for (let step = 1; step <= 4; step++) {
          const g = t([size], 10 + step, step === 3 ? 1e-4 : 2)
          const scalars = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, t: step }
          expected = adamwFloat32(expected.param, expected.m, expected.v, await g.data(), scalars)
          const next = adamw(p, m, v, g, {
            learningRate: scalars.lr,
            beta1: scalars.beta1,
            beta2: scalars.beta2,
            epsilon: scalars.eps,
            weightDecay,
            t: step
          })
          tf.dispose([p, m, v, g])
          ;[p, m, v] = next
          const label = `size ${size}, decay ${weightDecay}, step ${step}`
          if (exact) {
            expect(Array.from(await p.data()), label).toEqual(Array.from(expected.param))
            expect(Array.from(await m.data()), label).toEqual(Array.from(expected.m))
            expect(Array.from(await v.data()), label).toEqual(Array.from(expected.v))
          } else {
            await expectAllClose(p, expected.param, { rtol: 0, atol: 1e-8 })
            await expectAllClose(m, expected.m, { rtol: 0, atol: 0 })
            await expectAllClose(v, expected.v, { rtol: 0, atol: 0 })
          }
        }
        expect(tf.memory().numTensors).toBe(before)
        tf.dispose([p, m, v])
      }
    }
  })
})
