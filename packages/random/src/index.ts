/**
 * Seeded, counter-based randomness shared by masks, dropout, shuffling and initialisation.
 *
 * @since 0.1.0
 */
export * as Draw from "./Draw.js"
export * as Key from "./Key.js"
export * as Philox from "./Philox.js"
