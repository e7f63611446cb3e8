/**
 * Tensor primitives shared by the attention kernel and the models.
 *
 * @since 0.1.0
 */
export { activation, type ActivationName, gelu } from "./Activation.js"
export { type AdamWScalars, adamw, adamwImplementation } from "./AdamW.js"
export { type CustomOp, type CustomOpOutputs, customOp, customOpOutputs, type Share } from "./CustomOp.js"
export { dense } from "./Dense.js"
export { dropout } from "./Dropout.js"
export { applyDropoutMask, dropoutKeepMask } from "./DropoutMask.js"
export { add, scale } from "./Elementwise.js"
export { unbroadcast } from "./internal/broadcast.js"
export { feedForward } from "./FeedForward.js"
export { embeddingLookup } from "./Embedding.js"
export { keyPaddingBias, MASKED_SCORE_BIAS, maskedFill } from "./Masking.js"
export {
  batchMatMulGradConfig,
  matMul,
  type MatMulOptions,
  transposedProduct,
  transposeLastTwo
} from "./MatMul.js"
export { crossEntropy, meanSquaredError, tokenCrossEntropy } from "./Loss.js"
export { layerNorm } from "./Normalization.js"
export { type ResidualNormOptions, residualNorm } from "./ResidualNorm.js"
export * as WasmKernel from "./WasmKernel.js"
export { installWasmKernels } from "./WasmKernels.js"
