/**
 * What a run report shows.
 *
 * @since 0.1.0
 */

/**
 * A training phase: plain fine-tuning or AD-Drop.
 *
 * @since 0.1.0
 * @category models
 */
export type Phase = "ft" | "addrop"

/**
 * One optimizer step.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepPoint {
  readonly step: number
  readonly epoch: number
  readonly phase: Phase
  readonly loss: number
}

/**
 * One epoch's summary and dev metrics.
 *
 * @since 0.1.0
 * @category models
 */
export interface EpochRow {
  readonly epoch: number
  readonly phase: Phase
  readonly trainLoss: number
  readonly metrics: Readonly<Record<string, number>>
  /** The metric used for model selection. */
  readonly main: number
  readonly seconds?: number | undefined
}

/**
 * An attribution heatmap of one example at one layer (averaged over heads), with the positions AD-Drop
 * dropped (1) for the same example, if sampled.
 *
 * @since 0.1.0
 * @category models
 */
export interface Heatmap {
  readonly title: string
  readonly tokens: ReadonlyArray<string>
  readonly layer: number
  /** `[L][L]`: rows are queries, columns keys. */
  readonly values: ReadonlyArray<ReadonlyArray<number>>
  readonly dropped?: ReadonlyArray<ReadonlyArray<number>> | undefined
}

/**
 * Everything the report renders.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReportData {
  readonly title: string
  /** Short facts shown under the title: task, model, backend, seed… */
  readonly facts: Readonly<Record<string, string | number>>
  /** Notices shown prominently (e.g. that the model was randomly initialised). */
  readonly notes: ReadonlyArray<string>
  readonly mainMetric: string
  readonly steps: ReadonlyArray<StepPoint>
  readonly epochs: ReadonlyArray<EpochRow>
  readonly heatmaps: ReadonlyArray<Heatmap>
  /** The full configuration, shown as JSON. */
  readonly config: unknown
}
