/**
 * Ops with hand-written gradients whose per-input gradients are computed only when needed.
 *
 * `tf.customGrad` computes the gradient of every input as soon as the op is reached in the backward pass,
 * even of inputs no requested gradient depends on — AD-Drop's attribution pass, which needs input
 * gradients only, would compute every weight gradient too. tfjs' engine runs custom gradients through
 * `runKernelFunc`, which accepts lazy per-input gradients (as registered kernel gradients are) and skips
 * those of inputs off the path; this helper calls it directly and falls back to `tf.customGrad` on an
 * engine without it. The forward pass runs with the tape paused: only what `save` is given stays alive
 * for the backward pass (saving is a no-op when no gradient is being recorded).
 */
import * as tf from "@tensorflow/tfjs-core"

export type Save = (tensors: Array<tf.Tensor>) => void

/**
 * Marks a tensor computed in `backward` (outside the per-input gradient functions) as needed until this
 * node's gradient functions have run; returns it. Such tensors belong to the backward pass's scope (freed
 * when it ends); tfjs calls a node's gradient functions right after its backward function, node after
 * node, so they are freed earlier, when the next custom op's backward function starts.
 */
export type Share = <T extends tf.Tensor>(tensor: T) => T

let shared: Array<tf.Tensor> = []

const releaseShared = () => {
  if (shared.length === 0) return
  const done = shared
  shared = []
  tf.dispose(done)
}

const share: Share = (tensor) => {
  shared.push(tensor)
  return tensor
}

export interface CustomOp<I extends Record<string, tf.Tensor>> {
  /** Shown by `tf.profile`; must not be the name of a kernel with a registered gradient. */
  readonly name: string
  readonly inputs: I
  readonly forward: (save: Save) => tf.Tensor
  readonly backward: (
    dy: tf.Tensor,
    saved: Array<tf.Tensor>,
    share: Share
  ) => { [K in keyof I]: () => tf.Tensor }
}

interface KernelFuncEngine {
  runKernelFunc?: (params: {
    readonly forwardFunc: (backend: unknown, save: Save) => tf.Tensor
    readonly backwardsFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => Record<string, () => tf.Tensor>
    readonly inputs: Record<string, tf.Tensor>
    readonly attrs: Record<string, never>
  }) => tf.Tensor
}

export const runCustomOp = <I extends Record<string, tf.Tensor>>(op: CustomOp<I>): tf.Tensor =>
  tf.tidy(op.name, () => {
    const engine = tf.engine() as unknown as KernelFuncEngine
    if (typeof engine.runKernelFunc === "function") {
      return engine.runKernelFunc({
        forwardFunc: (_backend, save) => op.forward(save),
        backwardsFunc: (dy, saved) => {
          releaseShared()
          return op.backward(dy, saved, share)
        },
        inputs: op.inputs,
        attrs: {}
      })
    }
    const names = Object.keys(op.inputs)
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const save = args[args.length - 1] as tf.GradSaveFunc
      return {
        value: op.forward(save),
        gradFunc: (dy: tf.Tensor | Array<tf.Tensor>, saved: Array<tf.Tensor>) => {
          releaseShared()
          const grads = op.backward(dy as tf.Tensor, saved, share)
          return names.map((name) => grads[name]!())
        }
      }
    })
    return f(...names.map((name) => op.inputs[name]!))
  })

export interface CustomOpOutputs<I extends Record<string, tf.Tensor>> {
  readonly name: string
  readonly inputs: I
  /** Returns at least two outputs. */
  readonly forward: (save: Save) => Array<tf.Tensor>
  /** One gradient per output, zeros for outputs nothing depended on. */
  readonly backward: (
    dys: Array<tf.Tensor>,
    saved: Array<tf.Tensor>,
    share: Share
  ) => { [K in keyof I]: () => tf.Tensor }
}

/** {@link runCustomOp} with several outputs (needs the engine's `runKernelFunc`, tfjs 4.x). */
export const runCustomOpOutputs = <I extends Record<string, tf.Tensor>>(
  op: CustomOpOutputs<I>
): Array<tf.Tensor> =>
  tf.tidy(op.name, () => {
    const engine = tf.engine() as unknown as {
      runKernelFunc?: (params: {
        readonly forwardFunc: (backend: unknown, save: Save) => Array<tf.Tensor>
        readonly backwardsFunc: (
          dy: tf.Tensor | Array<tf.Tensor>,
          saved: Array<tf.Tensor>
        ) => Record<string, () => tf.Tensor>
        readonly inputs: Record<string, tf.Tensor>
        readonly attrs: Record<string, never>
      }) => Array<tf.Tensor>
    }
    if (typeof engine.runKernelFunc !== "function") {
      throw new Error(`${op.name} needs tfjs' engine.runKernelFunc (tfjs 4.x)`)
    }
    return engine.runKernelFunc({
      forwardFunc: (_backend, save) => op.forward(save),
      backwardsFunc: (dy, saved) => {
        releaseShared()
        return op.backward(Array.isArray(dy) ? dy : [dy], saved, share)
      },
      inputs: op.inputs,
      attrs: {}
    })
  })
