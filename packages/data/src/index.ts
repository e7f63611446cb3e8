/**
 * GLUE and generic text-classification data: validated loading, streaming, sampling and padded batches.
 *
 * @since 0.1.0
 */
export * from "./DataError.js"
export * as Dataset from "./Dataset.js"
export * as Glue from "./Glue.js"
export * as Batch from "./Batch.js"
export * as Sampling from "./Sampling.js"
