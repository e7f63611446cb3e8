/**
 * AD-Drop cross-tuning schedules as pure, composable functions from a training position to a phase.
 *
 * @since 0.1.0
 */
export { grammar, InvalidSchedule } from "./InvalidSchedule.js"
export { isPhase, opposite, type Phase, phases } from "./Phase.js"
export { formatPlan, type Plan, phasesFor } from "./Plan.js"
export { counter, type Position, positionAt, shift, type Unit, validatePosition } from "./Position.js"
export {
  alternateSteps,
  always,
  type ByOptions,
  crossTuning,
  everyKthEpoch,
  fromFunction,
  invert,
  join,
  pattern,
  type Schedule,
  warmup,
  when
} from "./Schedule.js"
export { compile, describe, format, make, parse, type ScheduleSpec, validate } from "./ScheduleSpec.js"
