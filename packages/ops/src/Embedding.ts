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

const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [table, ids, save] = args as [tf.Tensor2D, tf.Tensor, tf.GradSaveFunc]
  // The ids are saved for the backward pass: a closure would see them disposed when the caller created
  // them inside a tidy that has ended by then.
  save([ids])
  const [, width] = table.shape
  const rows = tf.gather(table, tf.reshape(ids, [-1]))
  return {
    value: tf.reshape(rows, [...ids.shape, width]),
    gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => {
      const [savedIds] = saved as [tf.Tensor]
      const dTable = tf.tidy(() =>
        tf.scatterND(tf.reshape(savedIds, [-1, 1]), tf.reshape(dy, [-1, width]), table.shape)
      )
      return [dTable, tf.zerosLike(savedIds)]
    }
  }
})

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
  return lookup(table, ids)
}
