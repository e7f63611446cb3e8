/**
 * A small attention-only classifier used as a test double for the attribution contract: embeddings, then
 * `layers` residual self-attention blocks (q = k = v = x·W_ℓ), mean pooling and a linear classifier.
 */
import { attention, type Interventions, mergeHeads, splitHeads } from "@addrop/attention"
import { seededValues } from "@addrop/conformance"
import { embeddingLookup, keyPaddingBias, matMul } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"

export interface ToyBatch {
  readonly inputIds: tf.Tensor2D
  readonly attentionMask: tf.Tensor2D
}

export const makeToyModel = (options: {
  layers: number
  heads: number
  width: number
  vocab: number
  classes: number
}) => {
  const weights = Array.from({ length: options.layers }, (_, l) =>
    tf.variable(
      tf.tensor2d(seededValues(options.width * options.width, 100 + l, 0.6), [options.width, options.width])
    )
  )
  const embedding = tf.variable(
    tf.tensor2d(seededValues(options.vocab * options.width, 7), [options.vocab, options.width])
  )
  const classifier = tf.variable(
    tf.tensor2d(seededValues(options.width * options.classes, 8), [options.width, options.classes])
  )
  return {
    numLayers: options.layers,
    task: "classification" as const,
    attentionShape: (batch: ToyBatch) =>
      [batch.inputIds.shape[0], options.heads, batch.inputIds.shape[1], batch.inputIds.shape[1]] as const,
    forward: (batch: ToyBatch, run: { training: boolean; interventions?: Interventions }) => ({
      logits: tf.tidy(() => {
        const bias = keyPaddingBias(batch.attentionMask)
        let x = embeddingLookup(embedding, batch.inputIds) as tf.Tensor3D
        for (let l = 0; l < options.layers; l++) {
          const h = splitHeads(matMul<tf.Tensor3D>(x, weights[l]!), options.heads)
          const { context } = attention(h, h, h, {
            keyPaddingBias: bias,
            intervention: run.interventions?.get(l)
          })
          x = tf.add(x, mergeHeads(context))
        }
        return matMul<tf.Tensor2D>(tf.mean(x, 1), classifier)
      })
    }),
    dispose: () => tf.dispose([...weights, embedding, classifier])
  }
}

export const toyBatch = (): ToyBatch => ({
  inputIds: tf.tensor2d(
    [
      [1, 4, 2, 7, 3],
      [5, 6, 2, 0, 0]
    ],
    [2, 5],
    "int32"
  ),
  attentionMask: tf.tensor2d(
    [
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0]
    ],
    [2, 5],
    "int32"
  )
})
