/**
 * AdamW with decoupled weight decay, as pure `init` / `update` functions over named variables.
 *
 * The update follows `torch.optim.AdamW` step for step (decay, moments, bias corrections, ε added after the
 * bias-corrected square root), so runs can be compared with PyTorch.
 *
 * @since 0.1.0
 */
import { adamw } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { Context, Layer } from "effect"

/**
 * AdamW hyper-parameters (PyTorch defaults except `weightDecay`, which Hugging Face sets to 0.01).
 *
 * @since 0.1.0
 * @category models
 */
export interface AdamWConfig {
  readonly beta1: number
  readonly beta2: number
  readonly epsilon: number
  readonly weightDecay: number
  /** Which parameters get weight decay; default: all but biases and LayerNorm weights. */
  readonly decays?: ((name: string) => boolean) | undefined
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaults: AdamWConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 }

/**
 * The Hugging Face convention: no decay on biases and LayerNorm weights.
 *
 * @since 0.1.0
 * @category constants
 */
export const decaysByDefault = (name: string): boolean =>
  !(name.endsWith("bias") || name.includes("LayerNorm.weight"))

/**
 * The optimizer state: the step count and the first and second moments of every parameter.
 *
 * @since 0.1.0
 * @category models
 */
export interface AdamWState {
  readonly step: number
  readonly firstMoment: ReadonlyMap<string, tf.Variable>
  readonly secondMoment: ReadonlyMap<string, tf.Variable>
}

/**
 * Zero moments for the given parameters.
 *
 * @example
 * ```ts
 * import { Optimizer } from "@addrop/trainer"
 * let state = Optimizer.init(model.parameters)
 * state = Optimizer.update(state, grads, model.parameters, 2e-5, Optimizer.defaults)
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const init = (parameters: ReadonlyMap<string, tf.Variable>): AdamWState => ({
  step: 0,
  firstMoment: new Map([...parameters].map(([name, p]) => [name, zeros(p)])),
  secondMoment: new Map([...parameters].map(([name, p]) => [name, zeros(p)]))
})

// A variable shares its initial value's buffer: the zeros must be freed here, or `dispose` would leave
// every moment's buffer allocated. `tidy` frees them and keeps the variable.
const zeros = (p: tf.Tensor): tf.Variable => tf.tidy(() => tf.variable(tf.zerosLike(p), false))

/**
 * Restores a state from saved moments (a resumed run).
 *
 * @since 0.1.0
 * @category constructors
 */
export const restore = (
  step: number,
  firstMoment: ReadonlyMap<string, tf.Tensor>,
  secondMoment: ReadonlyMap<string, tf.Tensor>
): AdamWState => ({
  step,
  firstMoment: new Map([...firstMoment].map(([name, t]) => [name, tf.variable(t, false)])),
  secondMoment: new Map([...secondMoment].map(([name, t]) => [name, tf.variable(t, false)]))
})

/**
 * One AdamW step: updates `parameters` in place from `grads` (parameters without a gradient are left
 * untouched) and returns the next state. The moments are updated in place too.
 *
 * @since 0.1.0
 * @category updates
 */
export const update = (
  state: AdamWState,
  grads: Readonly<Record<string, tf.Tensor>>,
  parameters: ReadonlyMap<string, tf.Variable>,
  learningRate: number,
  config: AdamWConfig = defaults
): AdamWState => {
  const t = state.step + 1
  const decays = config.decays ?? decaysByDefault
  for (const [name, grad] of Object.entries(grads)) {
    const param = parameters.get(name)
    const m = state.firstMoment.get(name)
    const v = state.secondMoment.get(name)
    if (param === undefined || m === undefined || v === undefined)
      throw new RangeError(`no parameter named ${name}`)
    // One parameter at a time, each in its own tidy: the fused op needs no parameter-sized temporaries,
    // so peak memory stays at one parameter's worth (several GiB less than op-by-op for BERT-base).
    tf.tidy(() => {
      const [nextParam, nextM, nextV] = adamw(param, m, v, grad, {
        learningRate,
        beta1: config.beta1,
        beta2: config.beta2,
        epsilon: config.epsilon,
        weightDecay: decays(name) ? config.weightDecay : 0,
        t
      })
      param.assign(nextParam)
      m.assign(nextM)
      v.assign(nextV)
    })
  }
  return { ...state, step: t }
}

/**
 * Frees the moments.
 *
 * @since 0.1.0
 * @category resources
 */
export const dispose = (state: AdamWState): void => {
  tf.dispose([...state.firstMoment.values(), ...state.secondMoment.values()])
}

/**
 * The optimizer as an Effect service: a trainer asks for `Optimizer` and never names AdamW; the layer it is
 * given does, with its hyper-parameters. The functions stay the pure `init` / `update` / `dispose` above,
 * with the configuration bound; the state is AdamW's (its moments are what checkpoints save).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Optimizer } from "@addrop/trainer"
 *
 * const program = Effect.gen(function* () {
 *   const optimizer = yield* Optimizer.Optimizer
 *   let state = optimizer.init(model.parameters)
 *   state = optimizer.update(state, grads, model.parameters, 2e-5)
 *   optimizer.dispose(state)
 * })
 * Effect.provide(program, Optimizer.layerAdamW({ ...Optimizer.defaults, weightDecay: 0 }))
 * ```
 * @since 0.1.0
 * @category services
 */
export class Optimizer extends Context.Service<
  Optimizer,
  {
    /** Names the optimizer in reports. */
    readonly name: string
    readonly init: (parameters: ReadonlyMap<string, tf.Variable>) => AdamWState
    /** Updates `parameters` and the moments in place; returns the next state. */
    readonly update: (
      state: AdamWState,
      grads: Readonly<Record<string, tf.Tensor>>,
      parameters: ReadonlyMap<string, tf.Variable>,
      learningRate: number
    ) => AdamWState
    readonly dispose: (state: AdamWState) => void
  }
>()("@addrop/trainer/Optimizer") {}

/**
 * The fused AdamW of `@addrop/ops` with the given hyper-parameters.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAdamW = (config: AdamWConfig = defaults): Optimizer["Service"] => ({
  name: "adamw",
  init,
  update: (state, grads, parameters, learningRate) => update(state, grads, parameters, learningRate, config),
  dispose
})

/**
 * A layer providing AdamW (default: {@link defaults}).
 *
 * @example
 * ```ts
 * import { Optimizer } from "@addrop/trainer"
 * const AdamW = Optimizer.layerAdamW({ ...Optimizer.defaults, weightDecay: 0.1 })
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layerAdamW = (config: AdamWConfig = defaults): Layer.Layer<Optimizer> =>
  Layer.succeed(Optimizer)(makeAdamW(config))
