/**
 * Test harness shared by every package's backend-parameterised tests.
 */
export * from "./Backends.js"
export * from "./Numeric.js"
export * from "./Requirements.js"
