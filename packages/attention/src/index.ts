/**
 * The attention kernel: multi-head scaled dot-product attention with AD-Drop hooks.
 *
 * @since 0.1.0
 */
export {
  attention,
  type AttentionOptions,
  type AttentionResult,
  mergeHeads,
  splitHeads
} from "./Attention.js"
export * as AttentionKernel from "./AttentionKernel.js"
export * as Intervention from "./Intervention.js"
export { type SelfAttentionOptions, type SelfAttentionResult, selfAttention } from "./SelfAttention.js"
export type { Interventions } from "./Intervention.js"
