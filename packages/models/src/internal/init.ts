/**
 * Seeded initial values, as Hugging Face's `_init_weights` draws them for BERT and RoBERTa.
 */
import { Draw, Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import type { ModelConfig } from "../ModelConfig.js"
import { type ParameterSpec, storedShape } from "../Parameters.js"

/**
 * The initial value of parameter number `index` (its position in `Parameters.all`), in the stored layout:
 * Linear and embedding weights ~ N(0, initializer_range) seeded by `Draw.seed(Key.fold(key, index))`,
 * biases and LayerNorm betas 0, LayerNorm gammas 1, the word-embedding row of `pad_token_id` zeroed.
 * tfjs draws seeded normals in JavaScript, so the values are the same on every backend.
 */
export const initialValue = (
  config: ModelConfig,
  spec: ParameterSpec,
  index: number,
  key: Key.Key
): tf.Tensor =>
  tf.tidy(() => {
    const shape = storedShape(spec)
    switch (spec.role) {
      case "bias":
      case "layerNormBeta":
        return tf.zeros(shape)
      case "layerNormGamma":
        return tf.ones(shape)
      case "linear":
      case "embedding": {
        const value = tf.randomNormal(
          shape,
          0,
          config.initializerRange,
          "float32",
          Draw.seed(Key.fold(key, index))
        )
        if (!spec.name.endsWith(".embeddings.word_embeddings.weight")) return value
        const keep = new Float32Array(shape[0]!).fill(1)
        keep[config.padTokenId] = 0
        // + 0 turns the −0 of negative draws times 0 into +0.
        return tf.add(tf.mul(value, tf.tensor2d(keep, [shape[0]!, 1])), 0)
      }
    }
  })
