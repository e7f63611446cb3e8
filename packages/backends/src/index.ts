/**
 * tfjs backends as Effect layers, with gradients that work in every runtime.
 *
 * @since 0.1.0
 */
export * from "./BackendError.js"
export * as BackendName from "./BackendName.js"
export * as Gradients from "./Gradients.js"
export * as Runtime from "./Runtime.js"
export * as TensorBackend from "./TensorBackend.js"
export * as Tensors from "./Tensors.js"
