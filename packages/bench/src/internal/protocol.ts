/** Messages between the bench process and its measurement children (JSON over the IPC channel). */
import type { CaseSpec, StepKind } from "../BenchCase.js"
import type { RunSpec } from "../RunBench.js"

export type ChildRequest =
  | {
      readonly type: "times"
      readonly spec: CaseSpec
      readonly kinds: ReadonlyArray<StepKind>
      readonly breakdownSamples?: number | undefined
    }
  | {
      readonly type: "memory"
      readonly spec: CaseSpec
      readonly kind: StepKind
      readonly steps?: number | undefined
    }
  | { readonly type: "runs"; readonly spec: RunSpec }

export type ChildResponse =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: string }
