/**
 * The BERT / RoBERTa forward pass as pure functions over a parameter lookup. No validation here: the
 * model validates its inputs first (see ./validate.ts).
 */
import { type Intervention, selfAttention } from "@addrop/attention"
import {
  dense,
  dropout,
  embeddingLookup,
  feedForward,
  installWasmKernels,
  keyPaddingBias,
  layerNorm,
  matMul,
  residualNorm
} from "@addrop/ops"
import { Draw, Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import type { ModelConfig } from "../ModelConfig.js"
import type { Task } from "../Task.js"

/** Parameter tensors by Hugging Face name, Linear weights stored `[in, out]`. */
export type Lookup = (name: string) => tf.Tensor

/**
 * Fixed dropout-site indices: each site's mask seed is `Draw.seed(Key.fold(dropoutKey, site))`.
 * 0 is the embedding output; layer ℓ has 1+3ℓ (attention probabilities), 2+3ℓ (attention output),
 * 3+3ℓ (feed-forward output); the head's dropouts are HEAD_SITE and HEAD_SITE+1.
 */
export const EMBEDDING_SITE = 0
export const attentionProbsSite = (layer: number): number => 1 + 3 * layer
export const attentionOutputSite = (layer: number): number => 2 + 3 * layer
export const feedForwardSite = (layer: number): number => 3 + 3 * layer
export const HEAD_SITE = 0x40000000

export interface RunOptions {
  readonly training: boolean
  readonly dropoutKey?: Key.Key | undefined
  readonly interventions?: ReadonlyMap<number, Intervention.Intervention> | undefined
  readonly outputAttentions?: boolean | undefined
}

export interface RunBatch {
  readonly inputIds: tf.Tensor2D
  readonly attentionMask: tf.Tensor2D
  readonly tokenTypeIds?: tf.Tensor2D | undefined
}

export interface RunOutput {
  readonly logits: tf.Tensor
  readonly attentions?: Array<tf.Tensor4D>
}

/** Dropout with a per-site seed; identity in eval mode or at rate 0. */
const makeDrop =
  (options: RunOptions) =>
  <T extends tf.Tensor>(x: T, rate: number, site: number): T => {
    if (!options.training || rate === 0) return x
    return dropout(x, rate, siteSeed(options.dropoutKey!, site))
  }

export const siteSeed = (key: Key.Key, site: number): number => Draw.seed(Key.fold(key, site))

/** `x · W + b` over the last axis, W `[in, out]`; leading axes are flattened so the kernel sees a 2-D product. */
export const linear = (x: tf.Tensor, get: Lookup, name: string): tf.Tensor =>
  dense(x, get(`${name}.weight`) as tf.Tensor2D, get(`${name}.bias`) as tf.Tensor1D)

const norm = <T extends tf.Tensor>(x: T, get: Lookup, name: string, eps: number): T =>
  layerNorm(x, get(`${name}.weight`) as tf.Tensor1D, get(`${name}.bias`) as tf.Tensor1D, eps)

/**
 * RoBERTa's position ids: `cumsum(ids ≠ pad) · (ids ≠ pad) + pad`, so real tokens take pad+1, pad+2, …
 * and padding tokens the padding index.
 */
export const robertaPositionIds = (inputIds: tf.Tensor2D, padTokenId: number): tf.Tensor2D =>
  tf.tidy(() => {
    const real = tf.cast(tf.notEqual(inputIds, padTokenId), "int32")
    const positions = tf.add(
      tf.mul(tf.cast(tf.cumsum(real, 1), "int32"), real),
      tf.scalar(padTokenId, "int32")
    )
    return tf.cast(positions, "int32") as tf.Tensor2D
  })

/** The first `length` rows of a table `[N,H]` as `[1,length,H]` (a slice: its gradient is a pad). */
const leadingRows = (table: tf.Tensor2D, length: number): tf.Tensor3D =>
  tf.reshape(tf.slice(table, [0, 0], [length, table.shape[1]]), [1, length, table.shape[1]])

/**
 * Embedding output `[B,L,H]` (after LayerNorm and dropout).
 *
 * `embeddingLookup`'s gradient reads its `ids` from a closure rather than from saved tensors, so ids
 * created here (and disposed by this tidy before a backward pass runs) must not reach it: BERT's positions
 * and absent token types are leading rows of their tables, and RoBERTa's positions are a (2-D, float32)
 * one-hot product.
 */
const embed = (config: ModelConfig, get: Lookup, batch: RunBatch, options: RunOptions): tf.Tensor3D =>
  tf.tidy(() => {
    const p = config.modelType
    const [size, length] = batch.inputIds.shape
    const wordTable = get(`${p}.embeddings.word_embeddings.weight`) as tf.Tensor2D
    const typeTable = get(`${p}.embeddings.token_type_embeddings.weight`) as tf.Tensor2D
    const positionTable = get(`${p}.embeddings.position_embeddings.weight`) as tf.Tensor2D
    const words = embeddingLookup(wordTable, batch.inputIds)
    const types =
      batch.tokenTypeIds === undefined
        ? leadingRows(typeTable, 1)
        : embeddingLookup(typeTable, batch.tokenTypeIds)
    const positions =
      config.modelType === "roberta"
        ? tf.reshape(
            matMul(
              // Cast to float32: webgpu's Transpose (in the product's gradient) mangles some int32 tensors,
              // and wasm's OneHot ignores a float32 dtype (it writes int32 bits), so the cast is explicit.
              tf.cast(
                tf.oneHot(
                  tf.reshape(robertaPositionIds(batch.inputIds, config.padTokenId), [-1]),
                  positionTable.shape[0]
                ),
                "float32"
              ),
              positionTable
            ),
            [size, length, positionTable.shape[1]]
          )
        : leadingRows(positionTable, length)
    // Hugging Face's order: (word + token type) + position.
    const sum = tf.add(tf.add(words, types), positions) as tf.Tensor3D
    const normed = norm(sum, get, `${p}.embeddings.LayerNorm`, config.layerNormEps)
    return makeDrop(options)(normed, config.hiddenDropoutProb, EMBEDDING_SITE)
  })

/** One post-LN encoder layer; returns the layer output and the attention probabilities. */
const encoderLayer = (
  config: ModelConfig,
  get: Lookup,
  layer: number,
  hidden: tf.Tensor3D,
  paddingBias: tf.Tensor4D,
  options: RunOptions,
  kernel: typeof selfAttention
): { hidden: tf.Tensor3D; probs: tf.Tensor4D } =>
  tf.tidy(() => {
    const name = `${config.modelType}.encoder.layer.${layer}`
    const heads = config.numAttentionHeads
    const q = linear(hidden, get, `${name}.attention.self.query`) as tf.Tensor3D
    const k = linear(hidden, get, `${name}.attention.self.key`) as tf.Tensor3D
    const v = linear(hidden, get, `${name}.attention.self.value`) as tf.Tensor3D
    const probsRate = options.training ? config.attentionProbsDropoutProb : 0
    const { context, probs } = kernel(q, k, v, {
      heads,
      keyPaddingBias: paddingBias,
      intervention: options.interventions?.get(layer),
      dropoutRate: probsRate,
      dropoutSeed: probsRate > 0 ? siteSeed(options.dropoutKey!, attentionProbsSite(layer)) : undefined
    })
    // Each sub-block ends in layerNorm(dropout(y) + residual), one op (see @addrop/ops' residualNorm).
    const endBlock = (y: tf.Tensor, residual: tf.Tensor, normName: string, site: number) => {
      const rate = options.training ? config.hiddenDropoutProb : 0
      return residualNorm(
        y,
        residual,
        get(`${normName}.weight`) as tf.Tensor1D,
        get(`${normName}.bias`) as tf.Tensor1D,
        {
          epsilon: config.layerNormEps,
          rate,
          seed: rate > 0 ? siteSeed(options.dropoutKey!, site) : undefined
        }
      )
    }
    const afterAttention = endBlock(
      linear(context, get, `${name}.attention.output.dense`),
      hidden,
      `${name}.attention.output.LayerNorm`,
      attentionOutputSite(layer)
    )
    // intermediate.dense → activation → output.dense, as one op (see @addrop/ops' feedForward).
    const output = feedForward(
      afterAttention,
      get(`${name}.intermediate.dense.weight`) as tf.Tensor2D,
      get(`${name}.intermediate.dense.bias`) as tf.Tensor1D,
      get(`${name}.output.dense.weight`) as tf.Tensor2D,
      get(`${name}.output.dense.bias`) as tf.Tensor1D,
      config.hiddenAct
    )
    const out = endBlock(
      output,
      afterAttention,
      `${name}.output.LayerNorm`,
      feedForwardSite(layer)
    ) as tf.Tensor3D
    return { hidden: out, probs }
  })

/** `[B,L,H]` → `[B,H]`: the first token's hidden state (a slice, whose gradient is a pad on every backend). */
const firstToken = (hidden: tf.Tensor3D): tf.Tensor2D => {
  const [size, , width] = hidden.shape
  return tf.reshape(tf.slice(hidden, [0, 0, 0], [size, 1, width]), [size, width])
}

const classifierRate = (config: ModelConfig): number => config.classifierDropout ?? config.hiddenDropoutProb

/** The head's logits from the last hidden states. */
const headLogits = (
  config: ModelConfig,
  task: Task,
  get: Lookup,
  hidden: tf.Tensor3D,
  options: RunOptions
): tf.Tensor =>
  tf.tidy(() => {
    const drop = makeDrop(options)
    const rate = classifierRate(config)
    if (task === "token-classification") return linear(drop(hidden, rate, HEAD_SITE), get, "classifier")
    const first = firstToken(hidden)
    let logits: tf.Tensor
    if (config.modelType === "roberta") {
      const x = tf.tanh(linear(drop(first, rate, HEAD_SITE), get, "classifier.dense"))
      logits = linear(drop(x, rate, HEAD_SITE + 1), get, "classifier.out_proj")
    } else {
      const pooled = tf.tanh(linear(first, get, `${config.modelType}.pooler.dense`))
      logits = linear(drop(pooled, rate, HEAD_SITE), get, "classifier")
    }
    return task === "regression" ? tf.reshape(logits, [first.shape[0]]) : logits
  })

/** The whole forward pass. */
export const run = (
  config: ModelConfig,
  task: Task,
  get: Lookup,
  batch: RunBatch,
  options: RunOptions,
  // The self-attention kernel (`@addrop/attention`'s AttentionKernel); the generic tfjs one by default.
  kernel: typeof selfAttention = selfAttention
): RunOutput => {
  // The faster wasm kernels (see @addrop/ops); a registry lookup when they are in place already.
  installWasmKernels()
  return tf.tidy(() => {
    const paddingBias = keyPaddingBias(batch.attentionMask)
    let hidden = embed(config, get, batch, options)
    const attentions: Array<tf.Tensor4D> = []
    for (let layer = 0; layer < config.numHiddenLayers; layer++) {
      const out = encoderLayer(config, get, layer, hidden, paddingBias, options, kernel)
      hidden = out.hidden
      if (options.outputAttentions === true) attentions.push(out.probs)
    }
    const logits = headLogits(config, task, get, hidden, options)
    return options.outputAttentions === true ? { logits, attentions } : { logits }
  })
}
