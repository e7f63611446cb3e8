/**
 * GLUE evaluation metrics as pure functions over plain arrays, matching scikit-learn and SciPy.
 *
 * @since 0.1.0
 */
export { accuracy, f1, macroF1, matthews } from "./Classification.js"
export { averageRanks, pearson, spearman } from "./Correlation.js"
export {
  evaluate,
  type GlueTask,
  glueTaskNames,
  glueTasks,
  isGlueTask,
  type MetricName,
  parseTask,
  type Scores,
  type TaskInfo,
  type TaskMetrics
} from "./Glue.js"
export { EmptyInput, InvalidValue, LengthMismatch, type MetricError, UnknownTask } from "./MetricError.js"
