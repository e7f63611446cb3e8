/**
 * Runs a test body once per tensor backend, reporting backends that cannot run as skipped with the reason.
 *
 * The backends come from `ADDROP_TEST_BACKENDS` (comma-separated) or default to every backend; which of
 * them start depends on the runtime (webgpu needs `navigator.gpu`, node needs `@tensorflow/tfjs-node`).
 */
import { BackendName, TensorBackend } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe } from "vitest"

/** A backend and whether it can run in this process. */
export interface BackendStatus {
  readonly name: BackendName.BackendName
  readonly available: boolean
  readonly reason: string
}

/** The backends requested for this test run. */
export const requested = (): ReadonlyArray<BackendName.BackendName> => {
  const raw = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.ADDROP_TEST_BACKENDS
  if (raw === undefined || raw.trim() === "") return BackendName.all
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
 * Declares `body` once per requested backend under `describe("<title> [<backend>]")`. Backends that cannot
 * run here are declared with `describe.skip` and the reason in the title, so the report shows them.
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
      describe.skip(`${title} [${status.name}] — unavailable: ${status.reason}`, () =>
        body({ backend: status.name }))
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
