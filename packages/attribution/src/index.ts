/**
 * Attention attribution for AD-Drop.
 *
 * @since 0.1.0
 */
export * as Attribution from "./Attribution.js"
export * from "./AttributionError.js"
export * as AttributionMethod from "./AttributionMethod.js"
export * as Method from "./Method.js"
export * as Target from "./Target.js"
