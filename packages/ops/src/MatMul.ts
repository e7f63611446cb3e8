/**
 * Matrix multiplication that never asks a kernel for a transposed operand.
 *
 * The wasm backend's BatchMatMul with `transposeA`/`transposeB` runs 10–25× slower than an explicit
 * `Transpose` followed by a plain matmul, and tfjs' stock BatchMatMul gradient requests exactly those
 * transposed products. Both the forward op here and {@link batchMatMulGradConfig} transpose explicitly,
 * which gives identical values on every backend.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { unbroadcast } from "./internal/broadcast.js"

/**
 * Swaps the last two axes of a tensor of rank ≥ 2.
 *
 * @since 0.1.0
 * @category ops
 */
export const transposeLastTwo = <T extends tf.Tensor>(x: T): T => {
  const rank = x.rank
  if (rank < 2) throw new RangeError(`transposeLastTwo needs rank >= 2, got shape [${x.shape}]`)
  const perm = Array.from({ length: rank }, (_, i) => i)
  perm[rank - 2] = rank - 1
  perm[rank - 1] = rank - 2
  return tf.transpose(x, perm)
}

/**
 * Options of {@link matMul}.
 *
 * @since 0.1.0
 * @category models
 */
export interface MatMulOptions {
  readonly transposeA?: boolean
  readonly transposeB?: boolean
}

/**
 * `a · b` over the last two axes with broadcast leading (batch) axes, transposing operands explicitly.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core"
 * import { matMul } from "@addrop/ops"
 * const scores = matMul(q, k, { transposeB: true }) // [B,H,L,D] · [B,H,L,D]ᵀ → [B,H,L,L]
 * ```
 * @since 0.1.0
 * @category ops
 */
export const matMul = <T extends tf.Tensor>(a: tf.Tensor, b: tf.Tensor, options: MatMulOptions = {}): T =>
  tf.tidy(() => {
    const left = options.transposeA === true ? transposeLastTwo(a) : a
    const right = options.transposeB === true ? transposeLastTwo(b) : b
    return tf.matMul(...resolveMutualBroadcast(left, right)) as T
  })

/**
 * `aᵀ · b` for `a` [t, m] and `b` [t, n] — a dense layer's weight gradient `xᵀ · dy` — computed as
 * `(bᵀ · a)ᵀ` when n > m, so that the product's left operand has the larger row count: wasm's GEMM
 * (XNNPACK) runs that order faster, and the extra transpose of the [n, m] result is small. A
 * [2048, 128]ᵀ·[2048, 512] weight gradient takes 10.7–11.3 ms this way against 13.4–14.8 ms as xᵀ·dy, on one
 * thread (`npm run -s kernels -w @addrop/bench-app -- weight-gradient[-xt] wasm 1048576 15`). Both orders
 * compute every element as one dot product over t, so they agree up to the GEMM's summation order.
 *
 * @example
 * ```ts
 * import { transposedProduct } from "@addrop/ops"
 * const dW = transposedProduct(x2d, dy2d) // [t, in]ᵀ · [t, out] → [in, out]
 * ```
 * @since 0.1.0
 * @category ops
 */
export const transposedProduct = (a: tf.Tensor, b: tf.Tensor): tf.Tensor2D => {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0]) {
    throw new RangeError(`transposedProduct needs [t, m] and [t, n], got [${a.shape}] and [${b.shape}]`)
  }
  return tf.tidy(() =>
    b.shape[1]! > a.shape[1]!
      ? tf.transpose(matMul(b, a, { transposeA: true }))
      : matMul(a, b, { transposeA: true })
  ) as tf.Tensor2D
}

/**
 * tfjs 4.22's BatchMatMul returns wrong values when each operand broadcasts along a batch axis where the
 * other does not (e.g. [2,1,m,k]·[3,k,n]). In that case `a` is broadcast explicitly to the output's batch
 * shape, which leaves only the one-sided broadcast the kernel handles correctly.
 */
const resolveMutualBroadcast = (a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] => {
  const aBatch = a.shape.slice(0, -2)
  const bBatch = b.shape.slice(0, -2)
  const rank = Math.max(aBatch.length, bBatch.length)
  const pad = (s: Array<number>) => [...new Array<number>(rank - s.length).fill(1), ...s]
  const pa = pad(aBatch)
  const pb = pad(bBatch)
  const out = pa.map((d, i) => Math.max(d, pb[i]!))
  const aBroadcasts = pa.some((d, i) => d !== out[i])
  const bBroadcasts = pb.some((d, i) => d !== out[i])
  if (!(aBroadcasts && bBroadcasts)) return [a, b]
  return [tf.broadcastTo(a, [...out, ...a.shape.slice(-2)]), b]
}

/**
 * Gradient of the `BatchMatMul` kernel built from explicit transposes and plain products, correct for
 * every transpose combination and for broadcast batch axes (the broadcast axes are summed out).
 *
 * Register it with `tf.registerGradient` after tfjs' own gradients (the backends package's
 * `installGradients` does this); it replaces the stock gradient for every later backward pass.
 *
 * @since 0.1.0
 * @category gradients
 */
export const batchMatMulGradConfig: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor]
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs
    const g = dy as tf.Tensor
    // With C = op(A)·op(B):  dop(A) = dC·op(B)ᵀ and dop(B) = op(A)ᵀ·dC; when an operand entered
    // transposed, its gradient is the transpose of that, which swaps the product's order.
    const gradA = (): tf.Tensor => {
      const raw = transposeA
        ? matMul(b, g, { transposeA: transposeB, transposeB: true })
        : matMul(g, b, { transposeB: !transposeB })
      return unbroadcast(raw, a.shape)
    }
    const gradB = (): tf.Tensor => {
      const raw = transposeB
        ? matMul(g, a, { transposeA: true, transposeB: transposeA })
        : matMul(a, g, { transposeA: !transposeA })
      return unbroadcast(raw, b.shape)
    }
    return { a: gradA, b: gradB }
  }
}
