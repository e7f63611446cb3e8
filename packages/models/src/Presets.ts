/**
 * Model shapes: small BERTs for tests and quick experiments, bert-base-uncased, and roberta-base.
 *
 * @since 0.1.0
 */
import bertBaseUncased from "./presets/bert-base-uncased.json" with { type: "json" }
import { decodeUnsafe, type ModelConfig } from "./ModelConfig.js"

/**
 * The configuration of `bert-base-uncased` (12 layers, hidden 768, 12 heads, intermediate 3072, vocab
 * 30522), decoded from its Hugging Face `config.json`, which ships inside this package.
 *
 * @since 0.1.0
 * @category presets
 */
export const base: ModelConfig = decodeUnsafe(bertBaseUncased)

const bertLike = (
  numHiddenLayers: number,
  hiddenSize: number,
  numAttentionHeads: number,
  intermediateSize: number
): ModelConfig => ({
  ...base,
  architectures: undefined,
  extra: {},
  numHiddenLayers,
  hiddenSize,
  numAttentionHeads,
  intermediateSize
})

/**
 * 2 layers, hidden 128, 2 heads, intermediate 512; BERT-base vocabulary (30522) and 512 positions.
 *
 * @example
 * ```ts
 * import { Model, Presets } from "@addrop/models"
 * const model = Model.makeUnsafe(Presets.tiny, { task: "classification", numLabels: 2, key: Key.make(0) })
 * ```
 * @since 0.1.0
 * @category presets
 */
export const tiny: ModelConfig = bertLike(2, 128, 2, 512)

/**
 * 4 layers, hidden 256, 4 heads, intermediate 1024.
 *
 * @since 0.1.0
 * @category presets
 */
export const mini: ModelConfig = bertLike(4, 256, 4, 1024)

/**
 * 4 layers, hidden 512, 8 heads, intermediate 2048.
 *
 * @since 0.1.0
 * @category presets
 */
export const small: ModelConfig = bertLike(4, 512, 8, 2048)

/**
 * The shape of `roberta-base`: 12 layers, hidden 768, 12 heads, vocab 50265, padding id 1, 514 positions
 * (real tokens take positions 2…513), one token type, LayerNorm epsilon 1e-5.
 *
 * @since 0.1.0
 * @category presets
 */
export const robertaBase: ModelConfig = {
  ...base,
  modelType: "roberta",
  architectures: undefined,
  extra: {},
  vocabSize: 50265,
  padTokenId: 1,
  maxPositionEmbeddings: 514,
  typeVocabSize: 1,
  layerNormEps: 1e-5
}

/**
 * Preset names.
 *
 * @since 0.1.0
 * @category models
 */
export type PresetName = "tiny" | "mini" | "small" | "base" | "roberta-base"

/**
 * Every preset by name.
 *
 * @since 0.1.0
 * @category presets
 */
export const byName: Readonly<Record<PresetName, ModelConfig>> = {
  tiny,
  mini,
  small,
  base,
  "roberta-base": robertaBase
}
