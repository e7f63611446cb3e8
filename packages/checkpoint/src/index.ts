/**
 * Hugging Face checkpoints for TensorFlow.js: a bounds-checked safetensors codec, model folders (single or
 * sharded, atomic writes) and a check of a checkpoint against a model's parameter list.
 *
 * @since 0.1.0
 */
export * from "./AtomicFile.js"
export * from "./CheckpointError.js"
export * as Dtype from "./Dtype.js"
export * from "./ModelFolder.js"
export * from "./ParameterSpec.js"
export * as Safetensors from "./Safetensors.js"
