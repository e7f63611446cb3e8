/**
 * Float64 reference implementations, independent of tfjs, for the conformance suite.
 */

/** Row-major strides of a shape. */
const strides = (shape: ReadonlyArray<number>): Array<number> => {
  const out = new Array<number>(shape.length).fill(1)
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!
  return out
}

/** Batched matmul with numpy broadcasting of the leading axes and optional transposes. */
export const matMul = (
  a: ArrayLike<number>,
  aShape: ReadonlyArray<number>,
  b: ArrayLike<number>,
  bShape: ReadonlyArray<number>,
  transposeA: boolean,
  transposeB: boolean
): { data: Float64Array; shape: Array<number> } => {
  const ar = aShape.length
  const br = bShape.length
  const [m, k] = transposeA ? [aShape[ar - 1]!, aShape[ar - 2]!] : [aShape[ar - 2]!, aShape[ar - 1]!]
  const [k2, n] = transposeB ? [bShape[br - 1]!, bShape[br - 2]!] : [bShape[br - 2]!, bShape[br - 1]!]
  if (k !== k2) throw new Error("inner dimensions differ")
  const aBatch = aShape.slice(0, -2)
  const bBatch = bShape.slice(0, -2)
  const rank = Math.max(aBatch.length, bBatch.length)
  const pad = (s: ReadonlyArray<number>) => [...new Array<number>(rank - s.length).fill(1), ...s]
  const pa = pad(aBatch)
  const pb = pad(bBatch)
  const outBatch = pa.map((d, i) => Math.max(d, pb[i]!))
  const batchCount = outBatch.reduce((x, y) => x * y, 1)
  const outStrides = strides(outBatch)
  const aStr = strides(pa)
  const bStr = strides(pb)
  const out = new Float64Array(batchCount * m * n)
  for (let bi = 0; bi < batchCount; bi++) {
    let aOff = 0
    let bOff = 0
    for (let d = 0; d < rank; d++) {
      const idx = Math.floor(bi / outStrides[d]!) % outBatch[d]!
      aOff += (pa[d] === 1 ? 0 : idx) * aStr[d]!
      bOff += (pb[d] === 1 ? 0 : idx) * bStr[d]!
    }
    aOff *= m * k
    bOff *= k * n
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[aOff + p * m + i]! : a[aOff + i * k + p]!
          const bv = transposeB ? b[bOff + j * k + p]! : b[bOff + p * n + j]!
          s += av * bv
        }
        out[bi * m * n + i * n + j] = s
      }
  }
  return { data: out, shape: [...outBatch, m, n] }
}

/** Softmax over rows of length `width`. */
export const softmax = (x: ArrayLike<number>, width: number): Float64Array => {
  const out = new Float64Array(x.length)
  for (let r = 0; r < x.length / width; r++) {
    let max = Number.NEGATIVE_INFINITY
    for (let j = 0; j < width; j++) max = Math.max(max, x[r * width + j]!)
    let sum = 0
    for (let j = 0; j < width; j++) sum += Math.exp(x[r * width + j]! - max)
    for (let j = 0; j < width; j++) out[r * width + j] = Math.exp(x[r * width + j]! - max) / sum
  }
  return out
}

/** Layer norm over rows of length `width` (biased variance). */
export const layerNorm = (
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  width: number,
  epsilon: number
): Float64Array => {
  const out = new Float64Array(x.length)
  for (let r = 0; r < x.length / width; r++) {
    let mean = 0
    for (let j = 0; j < width; j++) mean += x[r * width + j]!
    mean /= width
    let variance = 0
    for (let j = 0; j < width; j++) variance += (x[r * width + j]! - mean) ** 2
    variance /= width
    for (let j = 0; j < width; j++)
      out[r * width + j] = ((x[r * width + j]! - mean) / Math.sqrt(variance + epsilon)) * gamma[j]! + beta[j]!
  }
  return out
}

/** erf by its Maclaurin series (|x| < 3) or continued fraction tail, accurate to ~1e-15. */
export const erf = (x: number): number => {
  const sign = x < 0 ? -1 : 1
  const z = Math.abs(x)
  if (z < 3) {
    let term = z
    let sum = z
    for (let n = 1; n < 100; n++) {
      term *= (-z * z) / n
      const add = term / (2 * n + 1)
      sum += add
      if (Math.abs(add) < 1e-17) break
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI)
  }
  // erfc continued fraction (Lentz) for the tail.
  let f = z
  for (let n = 60; n >= 1; n--) f = z + n / 2 / f
  const erfc = Math.exp(-z * z) / (Math.sqrt(Math.PI) * f)
  return sign * (1 - erfc)
}

export const gelu = (x: ArrayLike<number>): Float64Array =>
  Float64Array.from(x, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)))

/**
 * One `torch.optim.AdamW` step (decoupled decay, bias corrections as torch applies them) over float32
 * values, rounding to float32 after every operation as float32 tensor kernels do: `p·(1 − lr·λ)`,
 * `m·β₁ + g·(1 − β₁)`, `v·β₂ + g²·(1 − β₂)`, then `p − (m / (√v / √(1 − β₂ᵗ) + ε))·(lr / (1 − β₁ᵗ))`,
 * with the scalars themselves rounded to float32 once.
 */
export const adamwFloat32 = (
  param: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  grad: ArrayLike<number>,
  s: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; t: number }
): { param: Float32Array; m: Float32Array; v: Float32Array } => {
  const r = Math.fround
  const decay = r(1 - s.lr * s.weightDecay)
  const [b1, b2, eps] = [r(s.beta1), r(s.beta2), r(s.eps)]
  const [c1, c2] = [r(1 - s.beta1), r(1 - s.beta2)]
  const correction2Sqrt = r(Math.sqrt(1 - s.beta2 ** s.t))
  const stepSize = r(s.lr / (1 - s.beta1 ** s.t))
  const out = {
    param: new Float32Array(param.length),
    m: new Float32Array(m.length),
    v: new Float32Array(v.length)
  }
  for (let i = 0; i < param.length; i++) {
    const mi = r(r(m[i]! * b1) + r(grad[i]! * c1))
    const vi = r(r(v[i]! * b2) + r(r(grad[i]! * grad[i]!) * c2))
    const denominator = r(r(r(Math.sqrt(vi)) / correction2Sqrt) + eps)
    out.param[i] = r(r(param[i]! * decay) - r(r(mi / denominator) * stepSize))
    out.m[i] = mi
    out.v[i] = vi
  }
  return out
}
