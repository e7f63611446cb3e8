/**
 * Typed failures of attribution requests.
 *
 * @since 0.1.0
 */
import type { MissingGradient } from "@addrop/backends"
import { Data } from "effect"

/**
 * An attribution request that cannot be served as asked (a method that needs labels got none, a method
 * that does not fit the task, a layer the model does not have, a batch the model rejects). When the model
 * or a target threw, `cause` is what it threw (e.g. the model's `InvalidInput`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidAttributionRequest extends Data.TaggedError("InvalidAttributionRequest")<{
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `Invalid attribution request: ${this.reason}`
  }
}

/**
 * What an attribution pass fails with: a request it cannot serve, or a backward pass through a kernel whose
 * gradient is not registered (provide a `TensorBackend` layer from `@addrop/backends`, which installs them).
 *
 * @since 0.1.0
 * @category errors
 */
export type AttributeError = InvalidAttributionRequest | MissingGradient
