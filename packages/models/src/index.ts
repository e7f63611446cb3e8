/**
 * BERT and RoBERTa encoders for TensorFlow.js with Hugging Face parameter names, seeded dropout, per-layer
 * attention interventions for AD-Drop, and classification, regression and token-classification heads.
 *
 * @since 0.1.0
 */
export * as Loss from "./Loss.js"
export * as Model from "./Model.js"
export * as ModelConfig from "./ModelConfig.js"
export { InvalidConfig } from "./ModelConfig.js"
export { InvalidInput } from "./ModelError.js"
export * as Parameters from "./Parameters.js"
export * as Presets from "./Presets.js"
export * as Task from "./Task.js"
export * as Pretrained from "./Pretrained.js"
