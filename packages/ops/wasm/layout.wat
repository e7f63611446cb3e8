;; Memory-bound layout kernels over float32 buffers inside tfjs-backend-wasm's own memory, where the
;; stock kernels are slow on the shapes training produces:
;;
;; - `transpose`: out[b][c][r] = in[b][r][c] for `batch` matrices of rows × cols, in 4 × 4 blocks (four row
;;   loads, eight shuffles, four column stores, in tiles of 32 × 32) so that every load and store moves 16
;;   contiguous bytes. The stock kernel writes one element at a time down a column, a cache miss per element
;;   on tall matrices (5.4 ns per element for [2048, 128] against 1.1 here, `kernels` in apps/bench).
;; - `sumRows`: out[c] = Σ_r in[r][c], the sum over leading axes that every bias gradient is. The stock Sum
;;   transposes the input first so that it can reduce the innermost axis; here each row is added to the
;;   running sums in place. Each out[c] adds in[0][c], in[1][c], … in order, from 0, in float32: the order and
;;   rounding of the stock kernel's loop over its transposed row, so the sums are the same bits.
;;
;; Offsets are byte offsets into memory. Edges that do not fill a block of four take a scalar loop.
;;
;; The memory import's limits are rewritten by scripts/build-wasm.mjs for the threaded build's shared memory.
(module
  (import "env" "memory" (memory 1))

  ;; One element: out[c·rows + r] = in[r·cols + c] (within one matrix), for the edges.
  (func $moveOne (param $in i32) (param $out i32) (param $rows i32) (param $cols i32) (param $r i32) (param $c i32)
    (f32.store
      (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
      (f32.load
        (i32.add (local.get $in) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))))

;; One 4 × 4 block at row r, column c of a rows × cols matrix: x0…x3 are its rows, and output row c + j
  ;; holds column j: x0ⱼ x1ⱼ x2ⱼ x3ⱼ.
  (func $block (param $in i32) (param $out i32) (param $rows i32) (param $cols i32) (param $r i32) (param $c i32)
    (local $src i32) (local $dst i32) (local $rowBytes i32) (local $colBytes i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $src
      (i32.add (local.get $in) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
    (local.set $x0 (v128.load (local.get $src)))
    (local.set $x1 (v128.load (i32.add (local.get $src) (local.get $rowBytes))))
    (local.set $x2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $rowBytes) (i32.const 1)))))
    (local.set $x3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $rowBytes) (i32.const 3)))))
    ;; t0 = x0₀ x1₀ x0₁ x1₁, t1 = x0₂ x1₂ x0₃ x1₃, t2/t3 the same of x2, x3.
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x2) (local.get $x3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x2) (local.get $x3)))
    (local.set $dst
      (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
    (v128.store (local.get $dst)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $dst) (local.get $colBytes))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $dst) (i32.shl (local.get $colBytes) (i32.const 1)))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $colBytes) (i32.const 3)))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))

  ;; Blocks in tiles of 32 × 32 elements, so that the 32 output rows a tile writes stay in the L1 cache
  ;; while its 32 input rows are read (a wide matrix's full output column would not).
  (func (export "transpose") (param $in i32) (param $out i32) (param $batch i32) (param $rows i32) (param $cols i32)
    (local $b i32) (local $r i32) (local $c i32) (local $rows4 i32) (local $cols4 i32)
    (local $r0 i32) (local $c0 i32) (local $rEnd i32) (local $cEnd i32) (local $matrixBytes i32)
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $matrixBytes (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2)))
    (block $done
      (loop $matrices
        (br_if $done (i32.ge_u (local.get $b) (local.get $batch)))
        (local.set $r0 (i32.const 0))
        (block $tileRowsDone
          (loop $tileRows
            (br_if $tileRowsDone (i32.ge_u (local.get $r0) (local.get $rows4)))
            (local.set $rEnd (select (local.get $rows4) (i32.add (local.get $r0) (i32.const 32))
              (i32.lt_u (local.get $rows4) (i32.add (local.get $r0) (i32.const 32)))))
            (local.set $c0 (i32.const 0))
            (block $tileColsDone
              (loop $tileCols
                (br_if $tileColsDone (i32.ge_u (local.get $c0) (local.get $cols4)))
                (local.set $cEnd (select (local.get $cols4) (i32.add (local.get $c0) (i32.const 32))
                  (i32.lt_u (local.get $cols4) (i32.add (local.get $c0) (i32.const 32)))))
                (local.set $r (local.get $r0))
                (block $rowsDone
                  (loop $rowBlocks
                    (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rEnd)))
                    (local.set $c (local.get $c0))
                    (block $colsDone
                      (loop $colBlocks
                        (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cEnd)))
                        (call $block (local.get $in) (local.get $out) (local.get $rows) (local.get $cols) (local.get $r) (local.get $c))
                        (local.set $c (i32.add (local.get $c) (i32.const 4)))
                        (br $colBlocks)))
                    (local.set $r (i32.add (local.get $r) (i32.const 4)))
                    (br $rowBlocks)))
                (local.set $c0 (local.get $cEnd))
                (br $tileCols)))
            (local.set $r0 (local.get $rEnd))
            (br $tileRows)))
        ;; The columns past the last block of four, in the rows the blocks covered.
        (local.set $r (i32.const 0))
        (block $edgeRowsDone
          (loop $edgeRows
            (br_if $edgeRowsDone (i32.ge_u (local.get $r) (local.get $rows4)))
            (local.set $c (local.get $cols4))
            (block $edgeColsDone
              (loop $edgeCols
                (br_if $edgeColsDone (i32.ge_u (local.get $c) (local.get $cols)))
                (call $moveOne (local.get $in) (local.get $out) (local.get $rows) (local.get $cols) (local.get $r) (local.get $c))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $edgeCols)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $edgeRows)))
        ;; The rows past the last block of four, every column.
        (block $tailDone
          (loop $tailRows
            (br_if $tailDone (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $c (i32.const 0))
            (block $tailColsDone
              (loop $tailCols
                (br_if $tailColsDone (i32.ge_u (local.get $c) (local.get $cols)))
                (call $moveOne (local.get $in) (local.get $out) (local.get $rows) (local.get $cols) (local.get $r) (local.get $c))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $tailCols)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $tailRows)))
        (local.set $in (i32.add (local.get $in) (local.get $matrixBytes)))
        (local.set $out (i32.add (local.get $out) (local.get $matrixBytes)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $matrices))))

  (func (export "sumRows") (param $in i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $offset i32) (local $vectorBytes i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vectorBytes (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $rowBytes))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $offset (i32.const 0))
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.ge_u (local.get $offset) (local.get $vectorBytes)))
            (v128.store (i32.add (local.get $out) (local.get $offset))
              (f32x4.add
                (v128.load (i32.add (local.get $out) (local.get $offset)))
                (v128.load (i32.add (local.get $in) (local.get $offset)))))
            (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
            (br $vectors)))
        (block $scalarsDone
          (loop $scalars
            (br_if $scalarsDone (i32.ge_u (local.get $offset) (local.get $rowBytes)))
            (f32.store (i32.add (local.get $out) (local.get $offset))
              (f32.add
                (f32.load (i32.add (local.get $out) (local.get $offset)))
                (f32.load (i32.add (local.get $in) (local.get $offset)))))
            (local.set $offset (i32.add (local.get $offset) (i32.const 4)))
            (br $scalars)))
        (local.set $in (i32.add (local.get $in) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop))))
  ;; out[i] = x[i] ≥ s ? 1 : 0 as bytes (tfjs-wasm keeps bool one byte per element), sixteen at a time: the
  ;; four lane masks (all ones or zeros) narrowed to bytes and masked to 1. A dropout's keep mask; the stock
  ;; kernel broadcasts the scalar element by element. NaN compares false, as in the stock kernel.
  (func (export "greaterEqualScalar") (param $x i32) (param $out i32) (param $n i32) (param $s f32)
    (local $i i32) (local $n16 i32) (local $splat v128)
    (local.set $splat (f32x4.splat (local.get $s)))
    (local.set $n16 (i32.and (local.get $n) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $i) (local.get $n16)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (v128.and
            (i8x16.narrow_i16x8_s
              (i16x8.narrow_i32x4_s
                (f32x4.ge (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $splat))
                (f32x4.ge (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $splat)))
              (i16x8.narrow_i32x4_s
                (f32x4.ge (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $splat))
                (f32x4.ge (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $splat))))
            (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    (block $done
      (loop $scalars
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (local.get $out) (local.get $i))
          (f32.ge (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $s)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scalars))))
)
