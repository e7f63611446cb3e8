/**
 * The trainer's step applies AdamW through `@addrop/ops`' fused `adamw`: it must reproduce
 * `Optimizer.update` bit for bit (decayed and undecayed parameters, several steps), on cpu and wasm.
 */
import { TensorBackend } from "@addrop/backends"
import { adamw } from "@addrop/ops"
import { Optimizer } from "@addrop/trainer"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { expect, it } from "vitest"

const values = (n: number, seed: number, scale: number) => {
  let state = seed
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return (state / 2 ** 32 - 0.5) * scale
  })
}

for (const backend of ["cpu", "wasm"] as const) {
  it(`fused adamw equals Optimizer.update bit for bit on ${backend}`, async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* TensorBackend.make(backend)
          const names = ["encoder.dense.weight", "encoder.dense.bias", "encoder.LayerNorm.weight"]
          const make = () =>
            new Map(names.map((name, i) => [name, tf.variable(tf.tensor(values(257, i + 1, 2)))]))
          const reference = make()
          const fused = make()
          let state = Optimizer.init(reference)
          const zeros = () => new Map(names.map((name) => [name, tf.zeros([257])]))
          const m0 = zeros()
          const v0 = zeros()
          const fusedState = Optimizer.restore(0, m0, v0)
          tf.dispose([...m0.values(), ...v0.values()])
          const config = { ...Optimizer.defaults, weightDecay: 0.1 }
          for (let step = 0; step < 4; step++) {
            const grads = Object.fromEntries(
              names.map((name, i) => [name, tf.tensor(values(257, 100 * step + i, step === 2 ? 1e-4 : 3))])
            )
            state = Optimizer.update(state, grads, reference, 1e-3, config)
            const t = step + 1
            for (const name of names) {
              tf.tidy(() => {
                const [p, m, v] = adamw(
                  fused.get(name)!,
                  fusedState.firstMoment.get(name)!,
                  fusedState.secondMoment.get(name)!,
                  grads[name]!,
                  {
                    learningRate: 1e-3,
                    beta1: config.beta1,
                    beta2: config.beta2,
                    epsilon: config.epsilon,
                    weightDecay: Optimizer.decaysByDefault(name) ? config.weightDecay : 0,
                    t
                  }
                )
                fused.get(name)!.assign(p)
                fusedState.firstMoment.get(name)!.assign(m)
                fusedState.secondMoment.get(name)!.assign(v)
              })
            }
            tf.dispose(Object.values(grads))
            for (const name of names) {
              expect(Array.from(fused.get(name)!.dataSync()), `${name} step ${t}`).toEqual(
                Array.from(reference.get(name)!.dataSync())
              )
              expect(Array.from(fusedState.secondMoment.get(name)!.dataSync())).toEqual(
                Array.from(state.secondMoment.get(name)!.dataSync())
              )
            }
          }
          Optimizer.dispose(state)
          Optimizer.dispose(fusedState)
          tf.dispose([...reference.values(), ...fused.values()])
        })
      )
    )
  })
}
