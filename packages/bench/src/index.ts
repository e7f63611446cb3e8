/**
 * Benchmarks of AD-Drop training on TensorFlow.js.
 *
 * @since 0.1.0
 */
export * as Bench from "./Bench.js"
export * as BenchCase from "./BenchCase.js"
export { InvalidBenchOption, MeasurementFailed } from "./BenchError.js"
export * as Isolated from "./Isolated.js"
export * as Memory from "./Memory.js"
export * as RunBench from "./RunBench.js"
export * as Stats from "./Stats.js"
export * as StepBench from "./StepBench.js"
