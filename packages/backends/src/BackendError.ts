/**
 * Typed failures of backend selection and initialisation.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { BackendName } from "./BackendName.js"

/**
 * The backend cannot run here: its package is not installed, or the runtime lacks what it needs
 * (for example `navigator.gpu` for WebGPU). `install` names the command that fixes it, when one does.
 *
 * @since 0.1.0
 * @category errors
 */
export class BackendUnavailable extends Data.TaggedError("BackendUnavailable")<{
  readonly backend: BackendName
  readonly reason: string
  readonly install?: string | undefined
}> {
  override get message(): string {
    const hint = this.install === undefined ? "" : ` Install it with: ${this.install}`
    return `Backend "${this.backend}" is unavailable: ${this.reason}.${hint}`
  }
}

/**
 * The backend's package loaded but `tf.setBackend` / `tf.ready()` failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class BackendInitFailed extends Data.TaggedError("BackendInitFailed")<{
  readonly backend: BackendName
  readonly cause: unknown
}> {
  override get message(): string {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Backend "${this.backend}" failed to initialise: ${detail}`
  }
}

/**
 * No candidate of an `auto` selection could be started; `attempts` lists each candidate and why it failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoBackendAvailable extends Data.TaggedError("NoBackendAvailable")<{
  readonly attempts: ReadonlyArray<{ readonly backend: BackendName; readonly reason: string }>
}> {
  override get message(): string {
    // Bun reads `message` while constructing, before the fields are set.
    return `No tensor backend could be started: ${(this.attempts ?? []).map((a) => `${a.backend} (${a.reason})`).join("; ")}`
  }
}

/**
 * A backend name that is not one of {@link BackendName}.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownBackend extends Data.TaggedError("UnknownBackend")<{
  readonly name: string
  readonly known: ReadonlyArray<string>
}> {
  override get message(): string {
    return `Unknown backend "${this.name}"; expected one of: ${this.known.join(", ")}`
  }
}

/**
 * A backward pass reached a kernel that has no registered gradient: the model uses an op outside
 * `Gradients.kernels` (register its config with `tf.registerGradient`), or no backend layer was provided.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingGradient extends Data.TaggedError("MissingGradient")<{
  readonly kernel: string
}> {
  override get message(): string {
    return `no gradient is registered for the kernel ${this.kernel}: register its GradConfig with tf.registerGradient, or provide a TensorBackend layer (it installs the gradients AD-Drop's models use)`
  }
}
