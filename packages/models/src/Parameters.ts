/**
 * The parameters of an encoder and head: Hugging Face tensor names, shapes and roles.
 *
 * @since 0.1.0
 */
import type { ModelConfig } from "./ModelConfig.js"
import type { Task } from "./Task.js"

/**
 * How a parameter is initialised: `linear` and `embedding` weights ~ N(0, initializer_range), `bias` and
 * `layerNormBeta` 0, `layerNormGamma` 1.
 *
 * @since 0.1.0
 * @category models
 */
export type ParameterRole = "linear" | "embedding" | "bias" | "layerNormGamma" | "layerNormBeta"

/**
 * One parameter. `shape` is Hugging Face's (PyTorch's) layout; a Linear weight (`transposed: true`) is
 * `[out, in]` there and stored here as `[in, out]`, so the forward pass is a plain `x · W` and checkpoint
 * IO transposes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParameterSpec {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly transposed: boolean
  readonly role: ParameterRole
}

/**
 * The shape a parameter has inside the model: `shape` reversed for transposed (Linear) weights.
 *
 * @since 0.1.0
 * @category models
 */
export const storedShape = (spec: ParameterSpec): Array<number> =>
  spec.transposed ? [...spec.shape].reverse() : [...spec.shape]

/**
 * The tensor-name prefix of the encoder: `bert` or `roberta`.
 *
 * @since 0.1.0
 * @category models
 */
export const prefix = (config: ModelConfig): string => config.modelType

const linear = (name: string, inputs: number, outputs: number): Array<ParameterSpec> => [
  { name: `${name}.weight`, shape: [outputs, inputs], transposed: true, role: "linear" },
  { name: `${name}.bias`, shape: [outputs], transposed: false, role: "bias" }
]

const layerNorm = (name: string, width: number): Array<ParameterSpec> => [
  { name: `${name}.weight`, shape: [width], transposed: false, role: "layerNormGamma" },
  { name: `${name}.bias`, shape: [width], transposed: false, role: "layerNormBeta" }
]

/**
 * The encoder's parameters (embeddings and layers, no pooler), in Hugging Face's module order.
 *
 * @since 0.1.0
 * @category models
 */
export const encoder = (config: ModelConfig): Array<ParameterSpec> => {
  const p = prefix(config)
  const h = config.hiddenSize
  const out: Array<ParameterSpec> = [
    {
      name: `${p}.embeddings.word_embeddings.weight`,
      shape: [config.vocabSize, h],
      transposed: false,
      role: "embedding"
    },
    {
      name: `${p}.embeddings.position_embeddings.weight`,
      shape: [config.maxPositionEmbeddings, h],
      transposed: false,
      role: "embedding"
    },
    {
      name: `${p}.embeddings.token_type_embeddings.weight`,
      shape: [config.typeVocabSize, h],
      transposed: false,
      role: "embedding"
    },
    ...layerNorm(`${p}.embeddings.LayerNorm`, h)
  ]
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const q = `${p}.encoder.layer.${layer}`
    out.push(
      ...linear(`${q}.attention.self.query`, h, h),
      ...linear(`${q}.attention.self.key`, h, h),
      ...linear(`${q}.attention.self.value`, h, h),
      ...linear(`${q}.attention.output.dense`, h, h),
      ...layerNorm(`${q}.attention.output.LayerNorm`, h),
      ...linear(`${q}.intermediate.dense`, h, config.intermediateSize),
      ...linear(`${q}.output.dense`, config.intermediateSize, h),
      ...layerNorm(`${q}.output.LayerNorm`, h)
    )
  }
  return out
}

/**
 * The head's parameters: BERT sequence heads have a pooler (`bert.pooler.dense`) and `classifier`;
 * RoBERTa sequence heads `classifier.dense` and `classifier.out_proj`; token heads only `classifier`.
 *
 * @since 0.1.0
 * @category models
 */
export const head = (config: ModelConfig, task: Task, numLabels: number): Array<ParameterSpec> => {
  const h = config.hiddenSize
  if (task === "token-classification") return linear("classifier", h, numLabels)
  if (config.modelType === "roberta")
    return [...linear("classifier.dense", h, h), ...linear("classifier.out_proj", h, numLabels)]
  return [...linear(`${prefix(config)}.pooler.dense`, h, h), ...linear("classifier", h, numLabels)]
}

/**
 * Every parameter of a model, encoder first, in Hugging Face's module order.
 *
 * @example
 * ```ts
 * import { Parameters, Presets } from "@addrop/models"
 * Parameters.count(Parameters.all(Presets.base, "classification", 2)) // 109,483,778
 * ```
 * @since 0.1.0
 * @category models
 */
export const all = (config: ModelConfig, task: Task, numLabels: number): Array<ParameterSpec> => [
  ...encoder(config),
  ...head(config, task, numLabels)
]

/**
 * The number of scalars in a list of parameters.
 *
 * @since 0.1.0
 * @category models
 */
export const count = (specs: ReadonlyArray<ParameterSpec>): number =>
  specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0)
