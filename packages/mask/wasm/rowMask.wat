;; AD-Drop's drop mask for the rows of one batch entry, over float32 buffers inside tfjs-backend-wasm's own
;; memory: what src/RowKernel.ts computes in JavaScript, with the same bits.
;;
;; Per row of `length` scores: the real keys' scores (NaN left out) are copied to `scratch`, their k-th
;; smallest is found by a branch-free three-way selection (any selection finds the same value), and every real key whose score is
;; ≥ that threshold is dropped (out = 1) where its uniform draw is < q. The draw of flat element e is word
;; e mod 4 of Philox4x32-10 block ⌊e/4⌋ under the key (counter [⌊e/4⌋, 0, 0, 0]), its top 24 bits scaled by
;; 2⁻²⁴: exactly `Draw.uniformAt` of @addrop/random. Only candidates' blocks are computed; the last one is
;; kept, as candidates come in increasing order.
;;
;; Offsets are byte offsets; `real` holds the n real key positions (int32, increasing), `first` is the flat
;; index of the entry's first element. The caller clears `out` and skips entries where k ≥ n.
;;
;; The memory import's limits are rewritten by the build script for the threaded build's shared memory.
(module
  (import "env" "memory" (memory 1))

  ;; One Philox4x32-10 block for counter [c0, 0, 0, 0].
  (func $philox (param $k0 i32) (param $k1 i32) (param $c0 i32) (result i32 i32 i32 i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $round i32)
    (local $p0 i64) (local $p1 i64)
    (local.set $x0 (local.get $c0))
    (loop $rounds
      (local.set $p0 (i64.mul (i64.extend_i32_u (local.get $x0)) (i64.const 0xD2511F53)))
      (local.set $p1 (i64.mul (i64.extend_i32_u (local.get $x2)) (i64.const 0xCD9E8D57)))
      (local.set $x0
        (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p1) (i64.const 32))) (local.get $x1)) (local.get $k0)))
      (local.set $x1 (i32.wrap_i64 (local.get $p1)))
      (local.set $x2
        (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p0) (i64.const 32))) (local.get $x3)) (local.get $k1)))
      (local.set $x3 (i32.wrap_i64 (local.get $p0)))
      (local.set $k0 (i32.add (local.get $k0) (i32.const 0x9E3779B9)))
      (local.set $k1 (i32.add (local.get $k1) (i32.const 0xBB67AE85)))
      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $round) (i32.const 10))))
    (local.get $x0) (local.get $x1) (local.get $x2) (local.get $x3))

  ;; The k-th smallest (0-based) of xs[0..n), n > k, no NaN, by three-way partitions around a median-of-
  ;; three pivot, written without branches on the data: each element is stored at both ends of the free
  ;; space in the other buffer and the end it belongs to advances (a comparison's 0 or 1). With Hoare's
  ;; quickselect instead (branches on every comparison, unpredictable on attribution scores) the whole
  ;; kernel took 9.2 ms for a BERT-sized layer against 5.3–6.5 ms now (`kernels` in apps/bench). The
  ;; range left is the part holding rank k: below the pivot, equal to it (the answer), or above it.
  ;; `other` has room for n values; xs and other are reused in turn.
  (func $select (param $xs i32) (param $other i32) (param $n i32) (param $k i32) (result f32)
    (local $a f32) (local $b f32) (local $c f32) (local $pivot f32) (local $x f32)
    (local $i i32) (local $lo i32) (local $hi i32) (local $less i32) (local $above i32) (local $spare i32)
    (loop $narrow
      (local.set $a (f32.load (local.get $xs)))
      (local.set $b (f32.load (i32.add (local.get $xs) (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 2)))))
      (local.set $c (f32.load (i32.add (local.get $xs) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2)))))
      (local.set $pivot
        (f32.max (f32.min (local.get $a) (local.get $b)) (f32.min (f32.max (local.get $a) (local.get $b)) (local.get $c))))
      ;; other[0..lo) < pivot, other(hi..n) > pivot, as byte offsets.
      (local.set $lo (local.get $other))
      (local.set $hi (i32.add (local.get $other) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2))))
      (local.set $i (i32.const 0))
      (block $partitioned
        (loop $partition
          (br_if $partitioned (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $x (f32.load (i32.add (local.get $xs) (i32.shl (local.get $i) (i32.const 2)))))
          (f32.store (local.get $lo) (local.get $x))
          (f32.store (local.get $hi) (local.get $x))
          (local.set $lo (i32.add (local.get $lo) (i32.shl (f32.lt (local.get $x) (local.get $pivot)) (i32.const 2))))
          (local.set $hi (i32.sub (local.get $hi) (i32.shl (f32.gt (local.get $x) (local.get $pivot)) (i32.const 2))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $partition)))
      (local.set $less (i32.shr_u (i32.sub (local.get $lo) (local.get $other)) (i32.const 2)))
      (local.set $above
        (i32.shr_u (i32.sub (i32.add (local.get $other) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2)))
          (local.get $hi)) (i32.const 2)))
      ;; The next round partitions into the buffer this one read from.
      (local.set $spare (local.get $xs))
      (if (i32.lt_u (local.get $k) (local.get $less))
        (then
          (local.set $xs (local.get $other))
          (local.set $other (local.get $spare))
          (local.set $n (local.get $less))
          (br $narrow)))
      (if (i32.ge_u (local.get $k) (i32.sub (local.get $n) (local.get $above)))
        (then
          (local.set $k (i32.sub (local.get $k) (i32.sub (local.get $n) (local.get $above))))
          (local.set $xs (i32.add (local.get $hi) (i32.const 4)))
          (local.set $other (local.get $spare))
          (local.set $n (local.get $above))
          (br $narrow))))
    (local.get $pivot))

  (func (export "sampleRows")
    (param $scores i32) (param $out i32) (param $real i32) (param $n i32) (param $k i32) (param $rows i32)
    (param $length i32) (param $first i32) (param $q f32) (param $k0 i32) (param $k1 i32) (param $scratch i32)
    (local $r i32) (local $t i32) (local $e i32) (local $numbers i32) (local $x f32) (local $threshold f32)
    (local $block i32) (local $cached i32) (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $word i32) (local $lane i32)
    (local.set $cached (i32.const -1))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        ;; The row's real scores, NaN left out (a NaN threshold would make no candidates).
        (local.set $numbers (i32.const 0))
        (local.set $t (i32.const 0))
        (block $copied
          (loop $copy
            (br_if $copied (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $x (f32.load (i32.add (local.get $scores) (i32.shl
              (i32.add (i32.add (local.get $first) (i32.mul (local.get $r) (local.get $length)))
                (i32.load (i32.add (local.get $real) (i32.shl (local.get $t) (i32.const 2)))))
              (i32.const 2)))))
            (if (f32.eq (local.get $x) (local.get $x))
              (then
                (f32.store (i32.add (local.get $scratch) (i32.shl (local.get $numbers) (i32.const 2))) (local.get $x))
                (local.set $numbers (i32.add (local.get $numbers) (i32.const 1)))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $copy)))
        (if (i32.lt_u (local.get $k) (local.get $numbers))
          (then
            (local.set $threshold
              (call $select (local.get $scratch) (i32.add (local.get $scratch) (i32.shl (local.get $length) (i32.const 2)))
                (local.get $numbers) (local.get $k)))
            (local.set $t (i32.const 0))
            (block $candidatesDone
              (loop $candidates
                (br_if $candidatesDone (i32.ge_u (local.get $t) (local.get $n)))
                (local.set $e
                  (i32.add (i32.add (local.get $first) (i32.mul (local.get $r) (local.get $length)))
                    (i32.load (i32.add (local.get $real) (i32.shl (local.get $t) (i32.const 2))))))
                (if (f32.ge (f32.load (i32.add (local.get $scores) (i32.shl (local.get $e) (i32.const 2)))) (local.get $threshold))
                  (then
                    (local.set $block (i32.shr_u (local.get $e) (i32.const 2)))
                    (if (i32.ne (local.get $block) (local.get $cached))
                      (then
                        (call $philox (local.get $k0) (local.get $k1) (local.get $block))
                        (local.set $w3)
                        (local.set $w2)
                        (local.set $w1)
                        (local.set $w0)
                        (local.set $cached (local.get $block))))
                    (local.set $lane (i32.and (local.get $e) (i32.const 3)))
                    (local.set $word
                      (select (select (local.get $w0) (local.get $w1) (i32.eqz (local.get $lane)))
                        (select (local.get $w2) (local.get $w3) (i32.eq (local.get $lane) (i32.const 2)))
                        (i32.lt_u (local.get $lane) (i32.const 2))))
                    (if (f32.lt
                          (f32.mul (f32.convert_i32_u (i32.shr_u (local.get $word) (i32.const 8))) (f32.const 0x1p-24))
                          (local.get $q))
                      (then
                        (f32.store (i32.add (local.get $out) (i32.shl (local.get $e) (i32.const 2))) (f32.const 1))))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $candidates)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))))
