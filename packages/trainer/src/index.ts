/**
 * The reference AD-Drop trainer.
 *
 * @since 0.1.0
 */
export * as Batch from "./Batch.js"
export * as Evaluate from "./Evaluate.js"
export * as Gradients from "./Gradients.js"
export * as LearningRate from "./LearningRate.js"
export * as Optimizer from "./Optimizer.js"
export * as RunState from "./RunState.js"
export * as Step from "./Step.js"
export * as Trainer from "./Trainer.js"
export * from "./TrainerError.js"
