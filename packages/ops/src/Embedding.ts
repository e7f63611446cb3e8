/**
 * Embedding lookup whose gradient runs on every backend.
 *
 * tfjs differentiates `gather` with UnsortedSegmentSum, which the wasm backend does not implement. The
 * gradient here scatters the incoming rows with ScatterNd (implemented by cpu, wasm, webgpu and
 * tfjs-node), which sums the rows of repeated ids exactly as the dense gradient requires.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * Rows of `table` [V, D] selected by integer `ids` of any shape S, giving S × [D].
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core"
 * import { embeddingLookup } from "@addrop/ops"
 * const table = tf.randomNormal([30522, 128])
 * const ids = tf.tensor2d([[101, 7592, 2088, 102]], undefined, "int32")
 * embeddingLookup(table, ids).shape // [1, 4, 128]
 * ```
 * @since 0.1.0
 * @category ops
 */
export const embeddingLookup = (table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor => {
  if (ids.dtype !== "int32") throw new TypeError(`embeddingLookup needs int32 ids, got ${ids.dtype}`)
  const [vocab, width] = table.shape
  const lookup = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = inputs[0] as tf.Tensor2D
    const flatIds = tf.reshape(ids, [-1])
    const rows = tf.gather(t, flatIds)
    const value = tf.reshape(rows, [...ids.shape, width])
    return {
      value,
      gradFunc: (dy: tf.Tensor) =>
        tf.tidy(() => {
          const indices = tf.reshape(ids, [-1, 1])
          const updates = tf.reshape(dy, [-1, width])
          return tf.scatterND(indices, updates, [vocab, width])
        })
    }
  })
  return lookup(table)
}
