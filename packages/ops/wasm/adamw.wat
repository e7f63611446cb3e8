;; One AdamW update over float32 buffers inside tfjs-backend-wasm's own memory, four lanes at a time.
;;
;; Every f32x4 operation rounds to float32 once, exactly as the JavaScript reference (`Math.fround` after
;; each double-precision operation, which for +, −, ×, ÷ and √ of float32 operands gives the same float32)
;; and as tfjs' element-wise kernels do, so the results are bit-identical to both. Operation order follows
;; the reference in src/AdamW.ts.
;;
;; Offsets are byte offsets into memory; n ≥ 4 (shorter buffers take the JavaScript path). A length that
;; is not a multiple of 4 ends with one chunk overlapping the previous one: recomputing an element from the
;; unchanged inputs writes the same value again (outputs never alias inputs).
;;
;; The memory import's limits are rewritten by scripts/build-wasm.mjs for the threaded build's shared memory.
(module
  (import "env" "memory" (memory 1))
  (func (export "adamw")
    (param $param i32) (param $m i32) (param $v i32) (param $grad i32)
    (param $outParam i32) (param $outM i32) (param $outV i32) (param $n i32)
    (param $decay f32) (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32)
    (param $oneMinusBeta2 f32) (param $correction2Sqrt f32) (param $epsilon f32) (param $stepSize f32)
    (local $offset i32) (local $last i32)
    (local $g v128) (local $nextM v128) (local $nextV v128) (local $denominator v128)
    (local $decayV v128) (local $beta1V v128) (local $oneMinusBeta1V v128) (local $beta2V v128)
    (local $oneMinusBeta2V v128) (local $correction2SqrtV v128) (local $epsilonV v128) (local $stepSizeV v128)
    (local.set $decayV (f32x4.splat (local.get $decay)))
    (local.set $beta1V (f32x4.splat (local.get $beta1)))
    (local.set $oneMinusBeta1V (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $beta2V (f32x4.splat (local.get $beta2)))
    (local.set $oneMinusBeta2V (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $correction2SqrtV (f32x4.splat (local.get $correction2Sqrt)))
    (local.set $epsilonV (f32x4.splat (local.get $epsilon)))
    (local.set $stepSizeV (f32x4.splat (local.get $stepSize)))
    ;; The byte offset of the last chunk of four.
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (loop $chunks
      (local.set $g (v128.load (i32.add (local.get $grad) (local.get $offset))))
      ;; m' = m·β₁ + g·(1 − β₁)
      (local.set $nextM
        (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $offset))) (local.get $beta1V))
          (f32x4.mul (local.get $g) (local.get $oneMinusBeta1V))))
      ;; v' = v·β₂ + g²·(1 − β₂)
      (local.set $nextV
        (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $offset))) (local.get $beta2V))
          (f32x4.mul (f32x4.mul (local.get $g) (local.get $g)) (local.get $oneMinusBeta2V))))
      ;; √v' / √(1 − β₂ᵗ) + ε
      (local.set $denominator
        (f32x4.add
          (f32x4.div (f32x4.sqrt (local.get $nextV)) (local.get $correction2SqrtV))
          (local.get $epsilonV)))
      ;; p' = p·(1 − lr·λ) − (m' / denominator)·lr/(1 − β₁ᵗ)
      (v128.store (i32.add (local.get $outParam) (local.get $offset))
        (f32x4.sub
          (f32x4.mul (v128.load (i32.add (local.get $param) (local.get $offset))) (local.get $decayV))
          (f32x4.mul (f32x4.div (local.get $nextM) (local.get $denominator)) (local.get $stepSizeV))))
      (v128.store (i32.add (local.get $outM) (local.get $offset)) (local.get $nextM))
      (v128.store (i32.add (local.get $outV) (local.get $offset)) (local.get $nextV))
      (if (i32.lt_u (local.get $offset) (local.get $last))
        (then
          ;; offset = min(offset + 16, last)
          (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
          (if (i32.gt_u (local.get $offset) (local.get $last))
            (then (local.set $offset (local.get $last))))
          (br $chunks))))))
