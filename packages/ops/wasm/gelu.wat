;; erf-GELU and its derivative over float32 buffers inside tfjs-backend-wasm's own memory, four lanes at a time.
;;
;;   gelu(x)  = x·Φ(x),               Φ(x) = ½(1 + erf(x/√2))
;;   gelu'(x) = Φ(x) + x·exp(−x²/2)/√(2π)
;;
;; erf is Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7, what tfjs' cpu backend uses), exp the
;; Cephes expf polynomial after reducing by ln 2 (relative error ~1 ulp); both enter only through Φ(x) and
;; x·exp(−x²/2), so the results are within a few 1e-7 of the float64 values, relative to max(1, |x|).
;;
;; Offsets are byte offsets into memory; n ≥ 4 (shorter buffers take the element-wise ops). A length that
;; is not a multiple of 4 ends with one chunk overlapping the previous one (outputs never alias inputs).
;;
;; The memory import's limits are rewritten by scripts/build-wasm.mjs for the threaded build's shared memory.
(module
  (import "env" "memory" (memory 1))

  ;; exp(z) for z ≤ 0 (z below −87.3 is clamped: the result is then ≤ 1.2e-38, as good as 0 here).
  (func $expNonPositive (param $z v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $z (f32x4.max (local.get $z) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
    ;; z = n·ln2 + r, |r| ≤ ln2/2, with ln2 split in two so that n·ln2_hi is exact.
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $z) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub (local.get $z) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    ;; exp(r) ≈ 1 + r + r²·P(r) (Cephes expf).
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p
      (f32x4.add
        (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
        (v128.const f32x4 1 1 1 1)))
    ;; × 2ⁿ, built in the exponent bits (n ≥ −126 after the clamp).
    (f32x4.mul
      (local.get $p)
      (i32x4.shl
        (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127))
        (i32.const 23))))

  ;; Φ(x) and exp(−x²/2).
  (func $cdfAndGaussian (param $x v128) (result v128 v128)
    (local $u v128) (local $a v128) (local $t v128) (local $p v128) (local $e v128) (local $erf v128)
    (local.set $u (f32x4.mul (local.get $x) (v128.const f32x4 0.70710678 0.70710678 0.70710678 0.70710678)))
    (local.set $a (f32x4.abs (local.get $u)))
    ;; exp(−u²) = exp(−x²/2)
    (local.set $e (call $expNonPositive (f32x4.neg (f32x4.mul (local.get $a) (local.get $a)))))
    (local.set $t
      (f32x4.div
        (v128.const f32x4 1 1 1 1)
        (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $a) (v128.const f32x4 0.3275911 0.3275911 0.3275911 0.3275911)))))
    ;; a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵ by Horner.
    (local.set $p (v128.const f32x4 1.061405429 1.061405429 1.061405429 1.061405429))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (v128.const f32x4 -1.453152027 -1.453152027 -1.453152027 -1.453152027)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (v128.const f32x4 1.421413741 1.421413741 1.421413741 1.421413741)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (v128.const f32x4 -0.284496736 -0.284496736 -0.284496736 -0.284496736)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (v128.const f32x4 0.254829592 0.254829592 0.254829592 0.254829592)))
    (local.set $p (f32x4.mul (local.get $p) (local.get $t)))
    ;; erf(|u|) = 1 − p·exp(−u²) ∈ [0, 1]; erf is odd, so it takes u's sign bit.
    (local.set $erf
      (v128.or
        (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $p) (local.get $e)))
        (v128.and (local.get $u) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
    (f32x4.mul (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $erf)) (v128.const f32x4 0.5 0.5 0.5 0.5))
    (local.get $e))

  ;; out = gelu(x)
  (func (export "gelu") (param $x i32) (param $out i32) (param $n i32)
    (local $offset i32) (local $last i32) (local $v v128) (local $cdf v128) (local $e v128)
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (loop $chunks
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $offset))))
      (call $cdfAndGaussian (local.get $v))
      (local.set $e)
      (local.set $cdf)
      (v128.store (i32.add (local.get $out) (local.get $offset)) (f32x4.mul (local.get $v) (local.get $cdf)))
      (if (i32.lt_u (local.get $offset) (local.get $last))
        (then
          (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
          (if (i32.gt_u (local.get $offset) (local.get $last))
            (then (local.set $offset (local.get $last))))
          (br $chunks)))))

  ;; out = dy · gelu'(x)
  (func (export "geluGrad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $offset i32) (local $last i32) (local $v v128) (local $cdf v128) (local $e v128)
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (loop $chunks
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $offset))))
      (call $cdfAndGaussian (local.get $v))
      (local.set $e)
      (local.set $cdf)
      (v128.store (i32.add (local.get $out) (local.get $offset))
        (f32x4.mul
          (v128.load (i32.add (local.get $dy) (local.get $offset)))
          (f32x4.add
            (local.get $cdf)
            (f32x4.mul
              (f32x4.mul (local.get $v) (local.get $e))
              (v128.const f32x4 0.39894228 0.39894228 0.39894228 0.39894228)))))
      (if (i32.lt_u (local.get $offset) (local.get $last))
        (then
          (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
          (if (i32.gt_u (local.get $offset) (local.get $last))
            (then (local.set $offset (local.get $last))))
          (br $chunks))))))
