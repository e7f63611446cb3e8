/**
 * Runs a test body once per tensor backend.
 *
 * The backends come from `ADDROP_TEST_BACKENDS` (comma-separated) or default to every backend; which of
 * them start depends on the runtime (webgpu needs `navigator.gpu`, node needs `@tensorflow/tfjs-node`).
 * A backend named in `ADDROP_TEST_BACKENDS` must start: if it cannot, its tests fail with the reason. Only
 * under the default list are backends that cannot start reported as skipped, with the reason.
 * Besides the backend names, `wasm-threads` names the wasm backend with a pool of 2 threads: the suites
 * run unchanged on it (their body sees `backend: "wasm"`), so threaded results are held to the same
 * tolerances as single-threaded ones. It is not in the default list; scripts/matrix.mjs asks for it.
 */
import { BackendName, TensorBackend } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, it } from "vitest"
import { env } from "./internal/env.js"

/** A backend configuration tests can ask for: a backend name, or `wasm-threads`. */
export type TestBackend = BackendName.BackendName | "wasm-threads"

/** Threads of the `wasm-threads` test backend: more than one, and no more than a 2-core machine has. */
export const WASM_TEST_THREADS = 2

/** The backend and options a test backend starts. */
export const resolve = (
  name: TestBackend
): { readonly backend: BackendName.BackendName; readonly options: TensorBackend.BackendOptions } =>
  name === "wasm-threads"
    ? { backend: "wasm", options: { threads: WASM_TEST_THREADS } }
    : { backend: name, options: {} }

/** A test backend and whether it can run in this process. */
export interface BackendStatus {
  /** The test backend's name as requested: shown in test titles. */
  readonly label: TestBackend
  /** The backend it runs on (`wasm` for `wasm-threads`). */
  readonly name: BackendName.BackendName
  readonly available: boolean
  readonly reason: string
}

const requestedList = (): string | undefined => {
  const raw = env().ADDROP_TEST_BACKENDS
  return raw === undefined || raw.trim() === "" ? undefined : raw
}

/** Whether the backends were named in `ADDROP_TEST_BACKENDS` (then each of them must start). */
export const namedExplicitly = (): boolean => requestedList() !== undefined

/** The backends requested for this test run. */
export const requested = (): ReadonlyArray<TestBackend> => {
  const raw = requestedList()
  if (raw === undefined) return BackendName.all
  const names = raw.split(",").map((s) => s.trim())
  for (const name of names) {
    if (!BackendName.is(name) && name !== "wasm-threads") {
      throw new Error(`ADDROP_TEST_BACKENDS names unknown backend "${name}"`)
    }
  }
  return names as Array<TestBackend>
}

const probes = new Map<TestBackend, Promise<BackendStatus>>()

/**
 * Starts a backend once to learn whether it can run here; the previous backend is restored after. A
 * threaded backend that starts with fewer threads than asked is unavailable, with the reason.
 */
export const probe = (label: TestBackend): Promise<BackendStatus> => {
  let status = probes.get(label)
  if (status === undefined) {
    const { backend: name, options } = resolve(label)
    status = Effect.runPromise(
      Effect.scoped(TensorBackend.make(name, options)).pipe(
        Effect.map((): BackendStatus => ({ label, name, available: true, reason: "" })),
        Effect.catch((error) =>
          Effect.succeed<BackendStatus>({
            label,
            name,
            available: false,
            reason: error._tag === "BackendUnavailable" ? error.reason : error.message
          })
        )
      )
    )
    probes.set(label, status)
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
  /** The backend the body runs on (`wasm` also for `wasm-threads`, so tolerances and kernels match). */
  readonly backend: BackendName.BackendName
  /** The test backend as requested (`wasm-threads`, …). */
  readonly label: TestBackend
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
        describe(`${title} [${status.label}]`, () => {
          it("starts the backend named in ADDROP_TEST_BACKENDS", () => {
            throw new Error(
              `backend "${status.label}" was named in ADDROP_TEST_BACKENDS but cannot start: ${status.reason}`
            )
          })
        })
      } else {
        describe.skip(`${title} [${status.label}] — unavailable: ${status.reason}`, () =>
          body({ backend: status.name, label: status.label }))
      }
      continue
    }
    describe(`${title} [${status.label}]`, () => {
      let scope: Scope.Closeable | undefined
      beforeAll(async () => {
        // The suites compare with the cpu backend (`tf.setBackend("cpu")` for references), so it is registered
        // even when only another backend is named (its package is a peer of @addrop/backends).
        await Effect.runPromise(Effect.scoped(TensorBackend.make("cpu")))
        scope = Effect.runSync(Scope.make())
        const { backend, options } = resolve(status.label)
        const started = await Effect.runPromise(Scope.provide(scope)(TensorBackend.make(backend, options)))
        // A threaded run that silently fell back to one thread would test nothing new.
        const threads = options.threads ?? 1
        if (started.threads !== threads) {
          throw new Error(`${status.label} started ${started.threads} threads, expected ${threads}`)
        }
      })
      afterAll(async () => {
        if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
      })
      body({ backend: status.name, label: status.label })
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
