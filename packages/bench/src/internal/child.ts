/**
 * The measurement child: receives one request over IPC, starts the requested backend, measures, answers,
 * and exits. Started by ../Isolated.ts.
 */
import { TensorBackend } from "@addrop/backends"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Effect, type Scope } from "effect"
import * as RunBench from "../RunBench.js"
import * as StepBench from "../StepBench.js"
import type { ChildRequest, ChildResponse } from "./protocol.js"

const answer = (response: ChildResponse) =>
  new Promise<void>((resolve) => {
    if (process.send === undefined) {
      process.stderr.write("the bench child must be started with an IPC channel\n")
      resolve()
      return
    }
    process.send(response, () => resolve())
  })

const handle = (message: ChildRequest) => {
  const threads = message.spec.threads
  const backend = TensorBackend.make(message.spec.backend, threads === undefined ? {} : { threads })
  const measurement = (): Effect.Effect<unknown, { readonly message: string }, Scope.Scope> => {
    switch (message.type) {
      case "times":
        return StepBench.measureTimes(message.spec, message.kinds, {
          breakdownSamples: message.breakdownSamples
        })
      case "memory":
        return StepBench.measureMemory(message.spec, message.kind, message.steps)
      case "runs":
        return RunBench.compare(message.spec).pipe(Effect.provide(NodeFileSystem.layer))
    }
  }
  const work = Effect.andThen(backend, Effect.suspend(measurement))
  return Effect.runPromise(
    Effect.scoped(work).pipe(
      Effect.map((value): ChildResponse => ({ ok: true, value })),
      Effect.catch((error) => Effect.succeed<ChildResponse>({ ok: false, error: error.message }))
    )
  )
}

process.once("message", (message) => {
  handle(message as ChildRequest)
    .catch(
      (error: unknown): ChildResponse => ({
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error)
      })
    )
    .then(answer)
    .then(() => process.exit(0))
})
