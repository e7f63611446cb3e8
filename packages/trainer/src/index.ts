/**
 * The reference AD-Drop trainer.
 *
 * @since 0.1.0
 */
export * as Gradients from "./Gradients.js"
export * as LearningRate from "./LearningRate.js"
export * as Optimizer from "./Optimizer.js"
export * as Step from "./Step.js"
