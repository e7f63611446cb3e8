/**
 * Tensor primitives shared by the attention kernel and the models.
 *
 * @since 0.1.0
 */
export { activation, type ActivationName, gelu } from "./Activation.js"
export { dropout } from "./Dropout.js"
export { embeddingLookup } from "./Embedding.js"
export { keyPaddingBias, MASKED_SCORE_BIAS, maskedFill } from "./Masking.js"
export { batchMatMulGradConfig, matMul, type MatMulOptions, transposeLastTwo } from "./MatMul.js"
export { crossEntropy, meanSquaredError, tokenCrossEntropy } from "./Loss.js"
export { layerNorm } from "./Normalization.js"
