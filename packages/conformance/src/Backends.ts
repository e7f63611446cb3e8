/**
 * Runs a test body once per tensor backend.
 *
 * The backends come from `ADDROP_TEST_BACKENDS` (comma-separated) or default to every backend; which of
 * them start depends on the runtime (webgpu needs `navigator.gpu`, node needs `@tensorflow/tfjs-node`).
 * A backend named in `ADDROP_TEST_BACKENDS` must start: if it cannot, its tests fail with the reason. Only
 * under the default list are backends that cannot start reported as skipped, with the reason.
 */
import { BackendName, TensorBackend } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, it } from "vitest"

/** A backend and whether it can run in this process. */
export interface BackendStatus {
  readonly name: BackendName.BackendName
  readonly available: boolean
  readonly reason: string
}

const requestedList = (): string | undefined => {
  const raw = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.ADDROP_TEST_BACKENDS
  return raw === undefined || raw.trim() === "" ? undefined : raw
}

/** Whether the backends were named in `ADDROP_TEST_BACKENDS` (then each of them must start). */
export const namedExplicitly = (): boolean => requestedList() !== undefined

/** The backends requested for this test run. */
export const requested = (): ReadonlyArray<BackendName.BackendName> => {
  const raw = requestedList()
  if (raw === undefined) return BackendName.all
  const names = raw.split(",").map((s) => s.trim())
  for (const name of names) {
    if (!BackendName.is(name)) throw new Error(`ADDROP_TEST_BACKENDS names unknown backend "${name}"`)
  }
  return names as Array<BackendName.BackendName>
}

const probes = new Map<BackendName.BackendName, Promise<BackendStatus>>()

/** Starts a backend once to learn whether it can run here; the previous backend is restored after. */
export const probe = (name: BackendName.BackendName): Promise<BackendStatus> => {
  let status = probes.get(name)
  if (status === undefined) {
    status = Effect.runPromise(
      Effect.scoped(TensorBackend.make(name)).pipe(
        Effect.map((): BackendStatus => ({ name, available: true, reason: "" })),
        Effect.catch((error) =>
          Effect.succeed<BackendStatus>({
            name,
            available: false,
            reason: error._tag === "BackendUnavailable" ? error.reason : error.message
          })
        )
      )
    )
    probes.set(name, status)
  }
  return status
}

/**
 * Probes every requested backend (use with top-level await in a test file). Probes run one after another:
 * tfjs has a single current backend, and concurrent `setBackend` calls race.
 */
export const statuses = async (): Promise<ReadonlyArray<BackendStatus>> => {
  const out: Array<BackendStatus> = []
  for (const name of requested()) out.push(await probe(name))
  return out
}

/** What a per-backend test body receives. */
export interface BackendContext {
  readonly backend: BackendName.BackendName
}

/**
 * Declares `body` once per requested backend under `describe("<title> [<backend>]")`. A backend that cannot
 * run here fails one test with the reason when it was named in `ADDROP_TEST_BACKENDS`; under the default
 * list it is declared with `describe.skip` and the reason in the title, so the report shows it.
 *
 * @example
 * ```ts
 * const backends = await statuses()
 * describeBackends("softmax", backends, ({ backend }) => {
 *   it("sums to one", async () => { ... })
 * })
 * ```
 */
export const describeBackends = (
  title: string,
  backends: ReadonlyArray<BackendStatus>,
  body: (context: BackendContext) => void
): void => {
  for (const status of backends) {
    if (!status.available) {
      if (namedExplicitly()) {
        describe(`${title} [${status.name}]`, () => {
          it("starts the backend named in ADDROP_TEST_BACKENDS", () => {
            throw new Error(
              `backend "${status.name}" was named in ADDROP_TEST_BACKENDS but cannot start: ${status.reason}`
            )
          })
        })
      } else {
        describe.skip(`${title} [${status.name}] — unavailable: ${status.reason}`, () =>
          body({ backend: status.name }))
      }
      continue
    }
    describe(`${title} [${status.name}]`, () => {
      let scope: Scope.Closeable | undefined
      beforeAll(async () => {
        scope = Effect.runSync(Scope.make())
        await Effect.runPromise(Scope.provide(scope)(TensorBackend.make(status.name)))
      })
      afterAll(async () => {
        if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
      })
      body({ backend: status.name })
    })
  }
}

/** Runs `f` on the cpu backend and returns its result as plain numbers, then switches back. */
export const onCpu = async (f: () => tf.Tensor): Promise<Float32Array> => {
  const previous = tf.getBackend()
  await tf.setBackend("cpu")
  try {
    const t = f()
    const values = (await t.data()) as Float32Array
    t.dispose()
    return values
  } finally {
    await tf.setBackend(previous)
  }
}
