/**
 * The self-attention kernel as an Effect service, so a backend-specific fused kernel can be swapped in as
 * another layer.
 *
 * `@addrop/models`' `Model.makeWith` builds a model on the provided kernel. The default layer,
 * {@link layerTfjs}, is the generic tfjs kernel the models use otherwise ({@link selfAttention}:
 * two custom ops around tfjs' softmax, with hand-written gradients, on every backend). A replacement must
 * compute the same values and honour the same options (score biases, probability taps, seeded dropout).
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"
import { selfAttention } from "./SelfAttention.js"

/**
 * A self-attention kernel: `selfAttention`'s contract, projections `[B,L,H·D]` in, context and
 * probabilities out.
 *
 * @since 0.1.0
 * @category models
 */
export type Kernel = typeof selfAttention

/**
 * The attention kernel.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AttentionKernel } from "@addrop/attention"
 *
 * const program = Effect.gen(function* () {
 *   const kernel = yield* AttentionKernel.AttentionKernel
 *   return kernel.selfAttention(q, k, v, { heads: 2 })
 * })
 * Effect.provide(program, AttentionKernel.layerTfjs)
 * ```
 * @since 0.1.0
 * @category services
 */
export class AttentionKernel extends Context.Service<
  AttentionKernel,
  {
    /** Names the kernel in reports and benchmarks. */
    readonly name: string
    readonly selfAttention: Kernel
  }
>()("@addrop/attention/AttentionKernel") {}

/**
 * A layer from any kernel honouring {@link selfAttention}'s contract.
 *
 * @example
 * ```ts
 * import { AttentionKernel } from "@addrop/attention"
 * const Fused = AttentionKernel.layer("webgpu-fused", fusedSelfAttention)
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layer = (name: string, kernel: Kernel): Layer.Layer<AttentionKernel> =>
  Layer.succeed(AttentionKernel)({ name, selfAttention: kernel })

/**
 * The generic tfjs kernel ({@link selfAttention}), which runs on every backend.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTfjs: Layer.Layer<AttentionKernel> = layer("tfjs", selfAttention)
