/**
 * Attribution of a model's prediction to its attention maps.
 *
 * Every method works with any model through one small contract, {@link Forward}: run the model on a fixed
 * batch, applying the given per-layer attention interventions, and return the logits.
 *
 * @since 0.1.0
 */
import type { Interventions } from "@addrop/attention"
import { Draw, Key } from "@addrop/random"
import { Gradients } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import type { Target } from "./Target.js"

/**
 * Runs the model on a fixed batch with per-layer attention interventions and returns its logits.
 *
 * @since 0.1.0
 * @category models
 */
export type Forward = (interventions: Interventions) => tf.Tensor

/**
 * Attention-map shape `[B,H,L,L]`.
 *
 * @since 0.1.0
 * @category models
 */
export type AttentionShape = readonly [number, number, number, number]

/**
 * Attribution maps `[B,H,L,L]` per requested layer, and the logits of the pass that produced them.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttributionResult {
  readonly maps: ReadonlyMap<number, tf.Tensor4D>
  readonly logits: tf.Tensor
}

/**
 * What the gradient-based methods need.
 *
 * @since 0.1.0
 * @category models
 */
export interface GradientRequest {
  readonly forward: Forward
  /** 0-based layer indices. */
  readonly layers: ReadonlyArray<number>
  readonly shape: AttentionShape
  readonly target: Target
}

/**
 * ∂F/∂A_ℓ for every requested layer ℓ from ONE forward and ONE backward pass.
 *
 * A zero "tap" T_ℓ is added to each requested layer's probabilities (A_ℓ + T_ℓ = A_ℓ exactly), and the
 * gradient is taken with respect to the taps only: the backward pass runs from F down to the earliest
 * requested layer, computing input gradients and no weight gradients, and yields all ∂F/∂T_ℓ = ∂F/∂A_ℓ at
 * once. (The official PyTorch code runs one backward pass per layer.)
 *
 * @example
 * ```ts
 * import { Attribution, Target } from "@addrop/attribution"
 * const { maps, logits } = Attribution.gradient({
 *   forward: (interventions) => model.forward(batch, { training: false, interventions }).logits,
 *   layers: [0, 11],
 *   shape: model.attentionShape(batch),
 *   target: Target.pseudoLabel
 * })
 * ```
 * @since 0.1.0
 * @category methods
 */
export const gradient = (request: GradientRequest): AttributionResult => {
  const taps = request.layers.map(() => tf.zeros([...request.shape]) as tf.Tensor4D)
  let logits: tf.Tensor | undefined
  const objective = (...tapTensors: Array<tf.Tensor>): tf.Scalar => {
    const interventions: Interventions = new Map(
      request.layers.map((layer, i) => [layer, { probsTap: tapTensors[i] as tf.Tensor4D }])
    )
    const out = request.forward(interventions)
    logits = tf.keep(out)
    return request.target(out)
  }
  try {
    // A backward pass that fails (a kernel without a gradient) leaves no tensors behind.
    const { value, grads } = Gradients.backward(() => tf.valueAndGrads(objective)(taps))
    value.dispose()
    return {
      maps: new Map(request.layers.map((layer, i) => [layer, grads[i] as tf.Tensor4D])),
      logits: logits!
    }
  } catch (cause) {
    logits?.dispose()
    throw cause
  } finally {
    tf.dispose(taps)
  }
}

/**
 * The attention probabilities themselves (the paper's AA variant), from one forward pass.
 *
 * @since 0.1.0
 * @category methods
 */
export const attentionWeights = (forward: Forward, layers: ReadonlyArray<number>): AttributionResult => {
  const maps = new Map<number, tf.Tensor4D>()
  const logits = tf.tidy(() =>
    forward(
      new Map(
        layers.map((layer) => [
          layer,
          {
            mapProbs: (p: tf.Tensor4D) => {
              maps.set(layer, tf.keep(tf.clone(p)))
              return p
            }
          }
        ])
      )
    )
  )
  return { maps, logits }
}

/**
 * Integrated gradients over the attention maps (Hao et al., used by AD-Drop's IGA):
 * IGA_ℓ = A_ℓ/m ⊙ Σ_{k=1..m} ∂F/∂A′_ℓ at A′_ℓ = (k/m)·A_ℓ, where layer ℓ's probabilities are replaced by
 * the scaled ones and every other layer computes normally. `target` should be fixed across the m passes
 * (e.g. the gold or pseudo labels of the unscaled pass). Costs m forward and backward passes per layer.
 *
 * @since 0.1.0
 * @category methods
 */
export const integratedGradients = (
  request: GradientRequest & {
    /** A_ℓ of the unscaled pass, per requested layer. */
    readonly attentions: ReadonlyMap<number, tf.Tensor4D>
    /** m, default 20. */
    readonly steps?: number
  }
): ReadonlyMap<number, tf.Tensor4D> => {
  const steps = request.steps ?? 20
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`integrated gradients need steps ≥ 1, got ${steps}`)
  const out = new Map<number, tf.Tensor4D>()
  for (const layer of request.layers) {
    const base = request.attentions.get(layer)
    if (base === undefined) throw new RangeError(`no attention map given for layer ${layer}`)
    let sum = tf.zeros([...request.shape]) as tf.Tensor4D
    for (let k = 1; k <= steps; k++) {
      const scaled = tf.mul(base, k / steps) as tf.Tensor4D
      const { maps, logits } = gradient({
        // Layer ℓ's probabilities are replaced by the scaled ones, plus the gradient's zero tap.
        forward: (interventions) =>
          request.forward(
            new Map([[layer, { mapProbs: () => scaled, probsTap: interventions.get(layer)!.probsTap }]])
          ),
        layers: [layer],
        shape: request.shape,
        target: request.target
      })
      const next = tf.add(sum, maps.get(layer)!) as tf.Tensor4D
      tf.dispose([sum, scaled, logits, ...maps.values()])
      sum = next
    }
    out.set(
      layer,
      tf.tidy(() => tf.mul(tf.div(base, steps), sum) as tf.Tensor4D)
    )
    sum.dispose()
  }
  return out
}

/**
 * Random scores in [0,1) per layer (the paper's RD baseline): seeded, backend-independent.
 *
 * @since 0.1.0
 * @category methods
 */
export const random = (
  key: Key.Key,
  layers: ReadonlyArray<number>,
  shape: AttentionShape
): ReadonlyMap<number, tf.Tensor4D> => {
  const size = shape[0] * shape[1] * shape[2] * shape[3]
  return new Map(
    layers.map((layer) => [layer, tf.tensor4d(Draw.uniform(Key.fold(key, layer), size), [...shape])])
  )
}
