;; Batched float32 matrix products c[e] = a[e] · b[e] over buffers inside tfjs-backend-wasm's own memory, for
;; the many small products of attention (one per batch entry and head): a[e] is m × k, b[e] is k × n, c[e] is
;; m × n, all row-major, with m a multiple of 4 and n a multiple of 8 (the caller checks).
;;
;; Each 4 × 8 block of c is eight f32x4 accumulators in registers; for every k the block takes two vectors
;; of b's row and four broadcast elements of a's rows. Every c element is Σ_k a·b added in k order from 0,
;; a multiply and an add in float32 each (no fused multiply-add in wasm SIMD), so results do not depend on
;; threads or on how the blocks are visited.
;;
;; The blocks are visited a column strip of c at a time: the strip's k × 8 elements of b (4 KiB for k = 128)
;; stay in the L1 cache while a's rows stream past.
;;
;; `aStride`/`bStride` are the bytes between consecutive entries of a and b (0 for an operand broadcast
;; over the batch); c's entries are contiguous.
;;
;; The memory import's limits are rewritten by scripts/build-wasm.mjs for the threaded build's shared memory.
(module
  (import "env" "memory" (memory 1))
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $c i32) (param $batch i32) (param $m i32) (param $k i32) (param $n i32)
    (param $aStride i32) (param $bStride i32)
    (local $e i32) (local $i i32) (local $j i32) (local $kk i32)
    (local $rowA i32) (local $pa i32) (local $pb i32) (local $pc i32)
    (local $aRowBytes i32) (local $bRowBytes i32) (local $kEnd i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $aRowBytes (i32.shl (local.get $k) (i32.const 2)))
    (local.set $bRowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $entriesDone
      (loop $entries
        (br_if $entriesDone (i32.ge_u (local.get $e) (local.get $batch)))
        (local.set $j (i32.const 0))
        (block $stripsDone
          (loop $strips
            (br_if $stripsDone (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $i (i32.const 0))
            (block $blocksDone
              (loop $blocks
                (br_if $blocksDone (i32.ge_u (local.get $i) (local.get $m)))
                (local.set $c00 (v128.const i32x4 0 0 0 0))
                (local.set $c01 (v128.const i32x4 0 0 0 0))
                (local.set $c10 (v128.const i32x4 0 0 0 0))
                (local.set $c11 (v128.const i32x4 0 0 0 0))
                (local.set $c20 (v128.const i32x4 0 0 0 0))
                (local.set $c21 (v128.const i32x4 0 0 0 0))
                (local.set $c30 (v128.const i32x4 0 0 0 0))
                (local.set $c31 (v128.const i32x4 0 0 0 0))
                ;; pa walks row i of a (rows i+1…i+3 at multiples of aRowBytes), pb column j of b down its rows.
                (local.set $rowA (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRowBytes))))
                (local.set $pa (local.get $rowA))
                (local.set $kEnd (i32.add (local.get $rowA) (local.get $aRowBytes)))
                (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
                (block $kDone
                  (loop $ks
                    (br_if $kDone (i32.ge_u (local.get $pa) (local.get $kEnd)))
                    (local.set $b0 (v128.load (local.get $pb)))
                    (local.set $b1 (v128.load offset=16 (local.get $pb)))
                    (local.set $x (v128.load32_splat (local.get $pa)))
                    (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $x (v128.load32_splat (i32.add (local.get $pa) (local.get $aRowBytes))))
                    (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $x (v128.load32_splat (i32.add (local.get $pa) (i32.shl (local.get $aRowBytes) (i32.const 1)))))
                    (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $x (v128.load32_splat (i32.add (local.get $pa) (i32.mul (local.get $aRowBytes) (i32.const 3)))))
                    (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
                    (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
                    (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
                    (local.set $pb (i32.add (local.get $pb) (local.get $bRowBytes)))
                    (br $ks)))
                (local.set $pc
                  (i32.add (local.get $c)
                    (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
                (v128.store (local.get $pc) (local.get $c00))
                (v128.store offset=16 (local.get $pc) (local.get $c01))
                (local.set $pc (i32.add (local.get $pc) (local.get $bRowBytes)))
                (v128.store (local.get $pc) (local.get $c10))
                (v128.store offset=16 (local.get $pc) (local.get $c11))
                (local.set $pc (i32.add (local.get $pc) (local.get $bRowBytes)))
                (v128.store (local.get $pc) (local.get $c20))
                (v128.store offset=16 (local.get $pc) (local.get $c21))
                (local.set $pc (i32.add (local.get $pc) (local.get $bRowBytes)))
                (v128.store (local.get $pc) (local.get $c30))
                (v128.store offset=16 (local.get $pc) (local.get $c31))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $blocks)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $strips)))
        (local.set $a (i32.add (local.get $a) (local.get $aStride)))
        (local.set $b (i32.add (local.get $b) (local.get $bStride)))
        (local.set $c (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $bRowBytes))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $entries)))))
