/**
 * Seeded mask sampling: draws come from a counter-based generator keyed by the caller (for example by
 * run seed, step and layer), in JavaScript, so a key gives the same mask on every backend and a resumed
 * run redraws the masks of the original.
 *
 * @since 0.1.0
 */
import { Draw, Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import * as Mask from "./Mask.js"
import type { MaskOptions } from "./Options.js"
import { sampleOnWasm } from "./internal/rowMaskKernel.js"
import * as RowKernel from "./RowKernel.js"

const DROP_STREAM = 0
const REGION_STREAM = 1

/**
 * The draws for one mask of `shape` from `key`: the drop stream, and the region stream when the strategy
 * is `random`.
 *
 * @since 0.1.0
 * @category draws
 */
export const draws = (
  key: Key.Key,
  shape: readonly [number, number, number, number],
  strategy: MaskOptions["strategy"]
): Mask.MaskDraws => {
  const size = shape[0] * shape[1] * shape[2] * shape[3]
  const uniform = (stream: number) => tf.tensor4d(Draw.uniform(Key.fold(key, stream), size), [...shape])
  return { drop: uniform(DROP_STREAM), region: strategy === "random" ? uniform(REGION_STREAM) : undefined }
}

/** Backends whose tensors live in host memory, where reading the scores back costs a copy at most. */
const HOST_BACKENDS = new Set(["cpu", "wasm"])

/**
 * Samples a layer's drop mask with draws from `key` (see {@link Mask.sample}). On the cpu backend it runs
 * {@link RowKernel.sample} (one pass over the rows, drawing only the candidates' numbers), on wasm the same
 * row kernel compiled to WebAssembly over the backend's memory (wasm/rowMask.wat; the JavaScript one where
 * it cannot be compiled); both give the same bits as the tensor formulation other backends run.
 *
 * @example
 * ```ts
 * import { Key } from "@addrop/random"
 * import { Sampler } from "@addrop/mask"
 * const layerKey = Key.foldAll(Key.make(seed), [Key.Purpose.mask, step, layer])
 * const dropped = Sampler.sample(attribution, attentionMask, options, layerKey)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const sample = (
  attribution: tf.Tensor4D,
  keyMask: tf.Tensor2D,
  options: MaskOptions,
  key: Key.Key
): tf.Tensor4D =>
  tf.tidy(() => {
    const [b, h, l, m] = attribution.shape
    if (!HOST_BACKENDS.has(tf.getBackend())) {
      return Mask.sample(attribution, keyMask, options, draws(key, [b, h, l, m], options.strategy))
    }
    if (keyMask.shape[0] !== b || keyMask.shape[1] !== m) {
      throw new RangeError(`key mask [${keyMask.shape}] does not match scores [${attribution.shape}]`)
    }
    const size = b * h * l * m
    const dropKey = Key.fold(key, DROP_STREAM)
    const keyValues = keyMask.dataSync()
    // On wasm: the same mask by a kernel that reads the scores in place.
    const onWasm = sampleOnWasm(
      () =>
        options.strategy === "random"
          ? tf.tensor4d(Draw.uniform(Key.fold(key, REGION_STREAM), size), [b, h, l, m])
          : options.strategy === "low"
            ? tf.neg(attribution)
            : attribution,
      keyValues,
      options.p,
      options.q,
      dropKey
    )
    if (onWasm !== undefined) return onWasm
    const attributionValues = () => {
      const values = attribution.dataSync()
      return values instanceof Float32Array ? values : Float32Array.from(values)
    }
    const scores =
      options.strategy === "random"
        ? Draw.uniform(Key.fold(key, REGION_STREAM), size)
        : options.strategy === "low"
          ? attributionValues().map((x) => -x)
          : attributionValues()
    const dropDraws = { _tag: "Stream", key: dropKey } as const
    const dropped = RowKernel.sample(scores, keyValues, [b, h, l, m], options.p, options.q, dropDraws)
    return tf.tensor4d(dropped, [b, h, l, m])
  })
