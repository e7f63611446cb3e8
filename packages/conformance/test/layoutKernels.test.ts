/**
 * Transpose, Sum, GatherV2 and GreaterEqual on every backend against plain-JavaScript references, and on
 * wasm the replacements of @addrop/ops (`installWasmKernels`: batched matrix transposes, sums over leading
 * axes, row gathers, comparisons with a scalar) against the stock kernels they replace, bit for bit.
 *
 * On wasm each stock kernel is wrapped, before the replacements are installed, in a counter that the
 * replacements then delegate to: a case the replacement should handle must leave the counter at zero (so a
 * test fails if a change sends it back to the slow stock kernel), and a case it hands over must count.
 */
import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, expect, it } from "vitest"
import { installWasmKernels } from "@addrop/ops"
import { describeBackends, seededTensor, seededValues, statuses } from "../src/index.js"

const backends = await statuses()

const KERNELS = [tf.Transpose, tf.Sum, tf.GatherV2, tf.GreaterEqual] as const
type Kernel = (typeof KERNELS)[number]

/** Calls that reached the stock wasm kernels, and the stock kernels themselves (wrapped once per process). */
const stockCalls: Record<Kernel, number> = {
  [tf.Transpose]: 0,
  [tf.Sum]: 0,
  [tf.GatherV2]: 0,
  [tf.GreaterEqual]: 0
}
const stockKernels = new Map<Kernel, tf.KernelConfig>()

const wrapStockKernels = () => {
  for (const name of KERNELS) {
    if (stockKernels.has(name)) continue
    const stock = tf.getKernel(name, "wasm")
    if (stock === undefined) throw new Error(`no wasm kernel ${name}`)
    stockKernels.set(name, stock)
    tf.unregisterKernel(name, "wasm")
    tf.registerKernel({
      ...stock,
      kernelFunc: (args) => {
        stockCalls[name]++
        return stock.kernelFunc(args)
      }
    })
  }
  installWasmKernels()
}

/** The stock wasm kernel's result for the same inputs, bypassing the replacement. */
const stockResult = (name: Kernel, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor => {
  const info = stockKernels.get(name)!.kernelFunc({
    inputs,
    attrs: attrs as tf.NamedAttrMap,
    backend: tf.backend()
  }) as tf.TensorInfo
  return tf.engine().makeTensorFromTensorInfo(info)
}

const int32Tensor = (shape: Array<number>, seed: number) =>
  tf.tensor(
    Int32Array.from(
      { length: shape.reduce((a, b) => a * b, 1) },
      (_, i) => ((i * 7919 + seed * 104729) % 2001) - 1000
    ),
    shape,
    "int32"
  )

/** Reference transpose by index arithmetic. */
const transposeReference = (
  x: ArrayLike<number>,
  shape: Array<number>,
  perm: Array<number>
): Array<number> => {
  const outShape = perm.map((axis) => shape[axis]!)
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1))
  const out: Array<number> = []
  const size = outShape.reduce((a, b) => a * b, 1)
  for (let flat = 0; flat < size; flat++) {
    let rest = flat
    let source = 0
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      const index = rest % outShape[axis]!
      rest = Math.floor(rest / outShape[axis]!)
      source += index * strides[perm[axis]!]!
    }
    out.push(x[source]!)
  }
  return out
}

/** Σ over the first `lead` axes, in row order, rounding to float32 after every addition. */
const leadingSumReference = (x: ArrayLike<number>, rows: number, cols: number): Array<number> =>
  Array.from({ length: cols }, (_, c) => {
    let sum = 0
    for (let r = 0; r < rows; r++) sum = Math.fround(sum + x[r * cols + c]!)
    return sum
  })

/** Σ over `axes` in float64. */
const sumReference = (x: ArrayLike<number>, shape: Array<number>, axes: Array<number>): Array<number> => {
  const outShape = shape.map((d, axis) => (axes.includes(axis) ? 1 : d))
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0)
  for (let flat = 0; flat < x.length; flat++) {
    let rest = flat
    let target = 0
    let stride = 1
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const index = rest % shape[axis]!
      rest = Math.floor(rest / shape[axis]!)
      if (!axes.includes(axis)) {
        target += index * stride
        stride *= shape[axis]!
      }
    }
    out[target]! += x[flat]!
  }
  return out
}

const bitsOf = async (t: tf.Tensor) => {
  const data = await t.data()
  return Array.from(
    data instanceof Float32Array ? new Uint32Array(data.buffer, data.byteOffset, data.length) : data
  )
}

describeBackends("layout kernels", backends, ({ backend }) => {
  const onWasm = backend === "wasm"
  beforeAll(() => {
    if (onWasm) wrapStockKernels()
  })

  /** Runs `op`; on wasm, checks the stock kernel was (`handled` false) or was not called, and the stock bits. */
  const check = async (
    name: Kernel,
    handled: boolean,
    op: () => tf.Tensor,
    stock: () => tf.Tensor,
    reference: Array<number>
  ) => {
    const before = tf.memory().numTensors
    const calls = stockCalls[name]
    const out = op()
    if (onWasm)
      expect(stockCalls[name] - calls, `${name} calls that reached the stock kernel`).toBe(handled ? 0 : 1)
    expect(Array.from(await out.data())).toEqual(reference)
    if (onWasm) {
      const expected = stock()
      expect(await bitsOf(out)).toEqual(await bitsOf(expected))
      expect(out.shape).toEqual(expected.shape)
      expected.dispose()
    }
    out.dispose()
    expect(tf.memory().numTensors).toBe(before)
  }

  it.each([
    { shape: [256, 128], perm: [1, 0], handled: true },
    { shape: [13, 7], perm: [1, 0], handled: true },
    { shape: [3, 5, 6], perm: [0, 2, 1], handled: true },
    { shape: [2, 4, 1, 6], perm: [0, 3, 2, 1], handled: true },
    { shape: [6, 4, 5], perm: [2, 0, 1], handled: true },
    { shape: [1, 9, 3], perm: [0, 2, 1], handled: true },
    { shape: [2, 3, 4, 5], perm: [0, 2, 1, 3], handled: false },
    { shape: [4, 5], perm: [0, 1], handled: false }
  ])("transpose $shape by $perm (replaced on wasm: $handled)", async ({ shape, perm, handled }) => {
    const x = seededTensor(shape, 11)
    const reference = transposeReference(await x.data(), shape, perm)
    await check(
      tf.Transpose,
      handled,
      () => tf.transpose(x, perm),
      () => stockResult(tf.Transpose, { x }, { perm }),
      reference
    )
    x.dispose()
  })

  it("transposes int32 on the replacement and bool on the stock kernel", async () => {
    const ints = int32Tensor([7, 9], 3)
    await check(
      tf.Transpose,
      true,
      () => tf.transpose(ints),
      () => stockResult(tf.Transpose, { x: ints }, { perm: [1, 0] }),
      transposeReference(await ints.data(), [7, 9], [1, 0])
    )
    const flags = tf.greater(ints, 0)
    await check(
      tf.Transpose,
      false,
      () => tf.transpose(flags),
      () => stockResult(tf.Transpose, { x: flags }, { perm: [1, 0] }),
      transposeReference(await flags.data(), [7, 9], [1, 0])
    )
    tf.dispose([ints, flags])
  })

  it.each([
    { shape: [512, 128], axis: [0], keepDims: false, handled: true },
    { shape: [16, 9, 7], axis: [0, 1], keepDims: true, handled: true },
    { shape: [16, 9, 7], axis: [1, 0], keepDims: true, handled: false },
    { shape: [33, 6], axis: [-2], keepDims: false, handled: true },
    { shape: [5, 6], axis: [1], keepDims: false, handled: false },
    { shape: [4, 5, 6], axis: [0, 2], keepDims: false, handled: false },
    { shape: [4, 5], axis: [0, 1], keepDims: false, handled: false }
  ])("sums $shape over $axis (replaced on wasm: $handled)", async ({ shape, axis, keepDims, handled }) => {
    const x = seededTensor(shape, 5, 3)
    const values = await x.data()
    const before = tf.memory().numTensors
    const calls = stockCalls[tf.Sum]
    const out = tf.sum(x, axis, keepDims)
    const got = Array.from(await out.data())
    // Every backend: the float64 sum, within float32 rounding of up to 512 terms of magnitude ≤ 3 (each
    // addition errs by ≤ 2⁻²⁴ of a partial sum ≤ 512·3: 512·1536·6e-8 ≈ 0.05 at worst, 1e-2 in practice).
    const axes = axis.map((a) => (a < 0 ? a + shape.length : a))
    const reference64 = sumReference(values, shape, axes)
    for (const [i, v] of got.entries()) expect(Math.abs(v - reference64[i]!)).toBeLessThanOrEqual(5e-2)
    if (onWasm) {
      expect(stockCalls[tf.Sum] - calls, "Sum calls that reached the stock kernel").toBe(handled ? 0 : 1)
      const expected = stockResult(tf.Sum, { x }, { axis, keepDims })
      expect(await bitsOf(out)).toEqual(await bitsOf(expected))
      expect(out.shape).toEqual(expected.shape)
      expected.dispose()
      if (handled) {
        const cols = shape.slice(axes.length).reduce((a, b) => a * b, 1)
        expect(got).toEqual(leadingSumReference(values, values.length / cols, cols))
      }
    }
    out.dispose()
    expect(tf.memory().numTensors).toBe(before)
    x.dispose()
  })

  it.each([
    { a: [16, 33], b: [], handled: true },
    { a: [3, 5], b: [1], handled: true },
    { a: [7], b: [1, 1], handled: false },
    { a: [4, 6], b: [6], handled: false }
  ])("compares $a ≥ $b (replaced on wasm: $handled)", async ({ a: aShape, b: bShape, handled }) => {
    const values = seededValues(
      aShape.reduce((x, y) => x * y, 1),
      3
    )
    for (let i = 0; i < values.length; i += 7) values[i] = Number.NaN
    values[1] = 0.25 // equal to the threshold: kept (≥)
    const a = tf.tensor(values, aShape)
    const b = tf.tensor(
      Float32Array.from({ length: bShape.reduce((x, y) => x * y, 1) }, (_, i) => 0.25 - 0.1 * i),
      bShape
    )
    const bValues = await b.data()
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(aShape, bShape)
    const reference = Array.from({ length: outShape.reduce((x, y) => x * y, 1) }, (_, i) => {
      const column = i % (aShape[aShape.length - 1] ?? 1)
      const threshold = bValues.length === 1 ? bValues[0]! : bValues[column]!
      return values[i % values.length]! >= threshold ? 1 : 0
    })
    await check(
      tf.GreaterEqual,
      handled,
      () => tf.greaterEqual(a, b),
      () => stockResult(tf.GreaterEqual, { a, b }, {}),
      reference
    )
    tf.dispose([a, b])
  })

  it("gathers rows of float32 and int32 tables; other axes go to the stock kernel", async () => {
    const table = seededTensor([50, 8], 2)
    const ints = int32Tensor([50, 3], 4)
    const indices = tf.tensor2d([0, 49, 7, 7, 31, 2, 18, 40, 1, 0, 12, 3], [3, 4], "int32")
    const rows = async (t: tf.Tensor, width: number) => {
      const values = await t.data()
      return Array.from(await indices.data()).flatMap((i) =>
        Array.from(values.slice(i * width, (i + 1) * width))
      )
    }
    for (const [x, width] of [
      [table, 8],
      [ints, 3]
    ] as const) {
      await check(
        tf.GatherV2,
        true,
        () => tf.gather(x, indices),
        () => stockResult(tf.GatherV2, { x, indices }, { axis: 0, batchDims: 0 }),
        await rows(x, width)
      )
    }
    const columns = tf.tensor1d([7, 0, 2], "int32")
    const values = await table.data()
    await check(
      tf.GatherV2,
      false,
      () => tf.gather(table, columns, 1),
      () => stockResult(tf.GatherV2, { x: table, indices: columns }, { axis: 1, batchDims: 0 }),
      Array.from({ length: 50 }, (_, r) => [7, 0, 2].map((c) => values[r * 8 + c]!)).flat()
    )
    tf.dispose([table, ints, indices, columns])
  })

  it("an index out of range is the stock kernel's error (zeros on WebGPU), with nothing left behind", async () => {
    const table = seededTensor([5, 4], 2)
    const indices = tf.tensor1d([1, 5], "int32")
    const before = tf.memory().numTensors
    if (backend === "webgpu") {
      // tfjs-webgpu checks no index and writes zeros for one out of range, as TensorFlow documents for GPUs.
      const out = tf.gather(table, indices)
      const row = Array.from((await table.data()).slice(4, 8))
      expect(Array.from(await out.data())).toEqual([...row, 0, 0, 0, 0])
      out.dispose()
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([table, indices])
      return
    }
    const calls = stockCalls[tf.GatherV2]
    expect(() => tf.gather(table, indices)).toThrow("GatherV2: the index value 5 is not in [0, 4]")
    if (onWasm) expect(stockCalls[tf.GatherV2] - calls).toBe(1)
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([table, indices])
  })
})
