/**
 * The prediction tasks a model head can serve.
 *
 * @since 0.1.0
 */

/**
 * `classification`: one label per sequence (logits `[B,C]`); `regression`: one real value per sequence
 * (`num_labels` 1, logits `[B]`); `token-classification`: one label per token (logits `[B,L,C]`).
 *
 * @since 0.1.0
 * @category models
 */
export type Task = "classification" | "regression" | "token-classification"

/**
 * Every task, in a stable order.
 *
 * @since 0.1.0
 * @category constants
 */
export const all: ReadonlyArray<Task> = ["classification", "regression", "token-classification"]

/**
 * Whether a string names a task.
 *
 * @example
 * ```ts
 * import { Task } from "@addrop/models"
 * Task.is("regression") // true
 * ```
 * @since 0.1.0
 * @category guards
 */
export const is = (name: string): name is Task => (all as ReadonlyArray<string>).includes(name)
