/**
 * AD-Drop mask sampling.
 *
 * @since 0.1.0
 */
export * from "./MaskError.js"
export * as Mask from "./Mask.js"
export * as MaskSampler from "./MaskSampler.js"
export * as Options from "./Options.js"
export * as Sampler from "./Sampler.js"
export * as RowKernel from "./RowKernel.js"
export * as SettingsIssue from "./SettingsIssue.js"
