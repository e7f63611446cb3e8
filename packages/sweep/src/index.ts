/**
 * Sweeps of AD-Drop runs over p × q × method × seed: spec expansion into jobs with stable ids, summaries
 * (mean ± std over seeds, best (p, q) per method, AD-Drop − FT paired by seed) and executors that run the
 * jobs on a local process pool or a BullMQ queue.
 *
 * @since 0.1.0
 */
export * as Executor from "./Executor.js"
export * as JobId from "./JobId.js"
export * as LocalPool from "./LocalPool.js"
export * as Queue from "./Queue.js"
export * as Results from "./Results.js"
export * as Spec from "./Spec.js"
export * as Summary from "./Summary.js"
export * from "./SweepError.js"
