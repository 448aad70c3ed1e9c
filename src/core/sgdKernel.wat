;; The SGD kernels in WebAssembly with 128-bit SIMD, hand-written; sgdKernel.ts loads them. First the explicit one
;; (trainSgd, f32x4), then the Gramian one (trainSgdGramian, f32x4), the batched fold-in (foldInRowsSteps), EASE's
;; Sherman-Morrison updates (easeAddSessionsSteps), EASE's SPD inverse (invertSpd, f64x2), the evaluation's count of
;; items above a target (countAboveTies) and the ranking's product (rowDotsT), scales (partScales) and blend
;; (blendScores).
;; `node scripts/gen-sgd-kernel.mjs` assembles this file (devDependency wabt) into sgdKernelBytes.ts, which is
;; committed so that building and testing need no assembler. A unit test checks that the two agree.
;;
;; The same arithmetic as explicitEpoch4 in sgd.ts, in float32 (as LIBMF) where sgd.ts rounds through float64:
;;   e = r - (((mu + bu) + bi) + p.q)
;;   bu' = shrink bu + lr e,  bi' = shrink bi + lr e          (shrink = 1 - lr lambda)
;;   p'  = shrink p + (lr e) q,  q' = shrink q + (lr e) p     (both from the values before the step)
;; Only IEEE float32 add and multiply (no fused multiply-add, no relaxed SIMD), so a seed gives the same factors on
;; every run and every machine.
;;
;; Memory, all byte addresses (the caller lays it out, see sgdKernel.ts): us, is: int32 user / item of each cell;
;; rs: float32 rating; blocks: int32 block ids (a block is 256 consecutive cells); P, Q: float32 rows of `rowBytes`
;; bytes (k padded to a multiple of 4 with zeros, which stay zero), 16-byte aligned; bu, bi: float32 biases.
(module
  (import "env" "memory" (memory 1))
  ;; Visits the cells of blocks[b0 .. b1) in that order; returns the sum of e^2 (float64).
  (func (export "explicit")
    (param $blocks i32) (param $b0 i32) (param $b1 i32) (param $n i32)
    (param $us i32) (param $is i32) (param $rs i32)
    (param $P i32) (param $Q i32) (param $bu i32) (param $bi i32) (param $rowBytes i32)
    (param $mu f32) (param $lr f32) (param $shrink f32) (param $biasOn i32)
    (result f64)
    (local $sse f64) (local $b i32) (local $t i32) (local $end i32)
    (local $u i32) (local $i i32) (local $pu i32) (local $qi i32) (local $f i32)
    (local $acc0 v128) (local $acc1 v128) (local $p v128) (local $q v128) (local $le v128) (local $sh v128)
    (local $e f32) (local $addr i32)
    (local.set $sh (f32x4.splat (local.get $shrink)))
    (local.set $b (local.get $b0))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $b1)))
        ;; cells [t, end) of block blocks[b]
        (local.set $t (i32.shl (i32.load (i32.add (local.get $blocks) (i32.shl (local.get $b) (i32.const 2)))) (i32.const 8)))
        (local.set $end (i32.add (local.get $t) (i32.const 256)))
        (if (i32.gt_u (local.get $end) (local.get $n)) (then (local.set $end (local.get $n))))
        (block $cellsDone
          (loop $cellLoop
            (br_if $cellsDone (i32.ge_u (local.get $t) (local.get $end)))
            (local.set $u (i32.load (i32.add (local.get $us) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $i (i32.load (i32.add (local.get $is) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $pu (i32.add (local.get $P) (i32.mul (local.get $u) (local.get $rowBytes))))
            (local.set $qi (i32.add (local.get $Q) (i32.mul (local.get $i) (local.get $rowBytes))))
            ;; p.q with two accumulators (8 floats a turn), after one 4-float step when k/4 is odd
            (local.set $acc0 (v128.const f32x4 0 0 0 0))
            (local.set $acc1 (v128.const f32x4 0 0 0 0))
            (local.set $f (i32.const 0))
            (if (i32.and (local.get $rowBytes) (i32.const 16))
              (then
                (local.set $acc0 (f32x4.mul (v128.load (local.get $pu)) (v128.load (local.get $qi))))
                (local.set $f (i32.const 16))))
            (block $dotDone
              (loop $dotLoop
                (br_if $dotDone (i32.ge_u (local.get $f) (local.get $rowBytes)))
                (local.set $acc0
                  (f32x4.add (local.get $acc0)
                    (f32x4.mul (v128.load (i32.add (local.get $pu) (local.get $f)))
                               (v128.load (i32.add (local.get $qi) (local.get $f))))))
                (local.set $acc1
                  (f32x4.add (local.get $acc1)
                    (f32x4.mul (v128.load offset=16 (i32.add (local.get $pu) (local.get $f)))
                               (v128.load offset=16 (i32.add (local.get $qi) (local.get $f))))))
                (local.set $f (i32.add (local.get $f) (i32.const 32)))
                (br $dotLoop)))
            (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
            ;; e = r - (((mu + bu) + bi) + ((a0 + a1) + (a2 + a3)))
            (local.set $e
              (f32.sub
                (f32.load (i32.add (local.get $rs) (i32.shl (local.get $t) (i32.const 2))))
                (f32.add
                  (f32.add
                    (f32.add (local.get $mu) (f32.load (i32.add (local.get $bu) (i32.shl (local.get $u) (i32.const 2)))))
                    (f32.load (i32.add (local.get $bi) (i32.shl (local.get $i) (i32.const 2)))))
                  (f32.add
                    (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
                    (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))))
            (local.set $sse
              (f64.add (local.get $sse) (f64.mul (f64.promote_f32 (local.get $e)) (f64.promote_f32 (local.get $e)))))
            (if (local.get $biasOn)
              (then
                (local.set $addr (i32.add (local.get $bu) (i32.shl (local.get $u) (i32.const 2))))
                (f32.store (local.get $addr)
                  (f32.add (f32.mul (local.get $shrink) (f32.load (local.get $addr))) (f32.mul (local.get $lr) (local.get $e))))
                (local.set $addr (i32.add (local.get $bi) (i32.shl (local.get $i) (i32.const 2))))
                (f32.store (local.get $addr)
                  (f32.add (f32.mul (local.get $shrink) (f32.load (local.get $addr))) (f32.mul (local.get $lr) (local.get $e))))))
            ;; p' = shrink p + le q, q' = shrink q + le p
            (local.set $le (f32x4.splat (f32.mul (local.get $lr) (local.get $e))))
            (local.set $f (i32.const 0))
            (block $updDone
              (loop $updLoop
                (br_if $updDone (i32.ge_u (local.get $f) (local.get $rowBytes)))
                (local.set $p (v128.load (i32.add (local.get $pu) (local.get $f))))
                (local.set $q (v128.load (i32.add (local.get $qi) (local.get $f))))
                (v128.store (i32.add (local.get $pu) (local.get $f))
                  (f32x4.add (f32x4.mul (local.get $sh) (local.get $p)) (f32x4.mul (local.get $le) (local.get $q))))
                (v128.store (i32.add (local.get $qi) (local.get $f))
                  (f32x4.add (f32x4.mul (local.get $sh) (local.get $q)) (f32x4.mul (local.get $le) (local.get $p))))
                (local.set $f (i32.add (local.get $f) (i32.const 16)))
                (br $updLoop)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $cellLoop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blockLoop)))
    (local.get $sse))

  ;; ---- Gramian SGD (sgdGramian.ts), one session row at a time ----
  ;; The same steps as stepRow in sgdGramian.ts, in float32 (f32x4) where the JS path rounds through float64: the k x k
  ;; products and the rank-2 update of X^T X do four lanes per instruction and need no conversions, which made a fit's
  ;; SGD about 1.7x faster than the float64 kernel (same problem, same seed). AdaGrad's sums stay float64. Each epoch
  ;; starts from Gramians computed exactly (float64, then rounded once), so X^T X's float32 drift within an epoch is
  ;; bounded by one epoch's rank updates. Only IEEE float32 add and multiply: deterministic for a seed on every run and
  ;; machine; the JS path differs in rounding (the unit tests bound it). Needs k % 4 = 0.
  ;; Byte addresses set once by gramianInit: X, Y float32 rows of k; GX, GY float32 k x k; conf, pref float32 per cell;
  ;; indptr, indices int32; nObs, accX, accY float64; order int32; gx, gy, old float32 scratch of k.
  (global $gX (mut i32) (i32.const 0)) (global $gY (mut i32) (i32.const 0))
  (global $gGX (mut i32) (i32.const 0)) (global $gGY (mut i32) (i32.const 0))
  (global $gConf (mut i32) (i32.const 0)) (global $gPref (mut i32) (i32.const 0))
  (global $gIndptr (mut i32) (i32.const 0)) (global $gIndices (mut i32) (i32.const 0))
  (global $gNObs (mut i32) (i32.const 0)) (global $gAccX (mut i32) (i32.const 0)) (global $gAccY (mut i32) (i32.const 0))
  (global $gOrder (mut i32) (i32.const 0))
  (global $gGx (mut i32) (i32.const 0)) (global $gGy (mut i32) (i32.const 0))
  (global $gOld (mut i32) (i32.const 0))
  (global $gK (mut i32) (i32.const 0)) (global $gLambda (mut f64) (f64.const 0)) (global $gLr0 (mut f64) (f64.const 0))

  (func (export "gramianInit")
    (param $X i32) (param $Y i32) (param $GX i32) (param $GY i32) (param $conf i32) (param $pref i32)
    (param $indptr i32) (param $indices i32) (param $nObs i32) (param $accX i32) (param $accY i32) (param $order i32)
    (param $gx i32) (param $gy i32) (param $old i32) (param $k i32) (param $lambda f64) (param $lr0 f64)
    (global.set $gX (local.get $X)) (global.set $gY (local.get $Y))
    (global.set $gGX (local.get $GX)) (global.set $gGY (local.get $GY))
    (global.set $gConf (local.get $conf)) (global.set $gPref (local.get $pref))
    (global.set $gIndptr (local.get $indptr)) (global.set $gIndices (local.get $indices))
    (global.set $gNObs (local.get $nObs)) (global.set $gAccX (local.get $accX)) (global.set $gAccY (local.get $accY))
    (global.set $gOrder (local.get $order))
    (global.set $gGx (local.get $gx)) (global.set $gGy (local.get $gy))
    (global.set $gOld (local.get $old))
    (global.set $gK (local.get $k)) (global.set $gLambda (local.get $lambda)) (global.set $gLr0 (local.get $lr0)))

  ;; sum over a < k of x[a] y[a] (float32 rows), in order from a = 0
  (func $dotXY (param $x i32) (param $y i32) (result f64)
    (local $s f64) (local $f i32) (local $kb i32)
    (local.set $kb (i32.shl (global.get $gK) (i32.const 2)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $f) (local.get $kb)))
        (local.set $s (f64.add (local.get $s)
          (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $f))))
                   (f64.promote_f32 (f32.load (i32.add (local.get $y) (local.get $f)))))))
        (local.set $f (i32.add (local.get $f) (i32.const 4)))
        (br $l)))
    (local.get $s))

  ;; The four lanes of v summed as (l0 + l1) + (l2 + l3), float32
  (func $laneSum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; x . y over k floats (k % 4 = 0) in float32: eight running sums (two f32x4), then laneSum of their lane sums
  (func $dotF32 (param $x i32) (param $y i32) (result f32)
    (local $f i32) (local $kb i32) (local $acc0 v128) (local $acc1 v128)
    (local.set $kb (i32.shl (global.get $gK) (i32.const 2)))
    (block $done
      (loop $l
        (br_if $done (i32.gt_u (i32.add (local.get $f) (i32.const 32)) (local.get $kb)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $f))) (v128.load (i32.add (local.get $y) (local.get $f))))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (local.get $f))) (v128.load offset=16 (i32.add (local.get $y) (local.get $f))))))
        (local.set $f (i32.add (local.get $f) (i32.const 32)))
        (br $l)))
    (if (i32.lt_u (local.get $f) (local.get $kb))
      (then (local.set $acc0 (f32x4.add (local.get $acc0)
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $f))) (v128.load (i32.add (local.get $y) (local.get $f))))))))
    (call $laneSum (f32x4.add (local.get $acc0) (local.get $acc1))))

  ;; $symMatVecAdd where k is a multiple of 32 (the product's k is 32): the same sums in the same order, out[a] +
  ;; ((v0 G0 + v1 G1) + (v2 G2 + v3 G3)) row block after row block, so the same float32 results, 32 columns at a time
  ;; with their eight lanes of out in locals instead of loaded and stored for every row block (an epoch 15% faster).
  (func $symMatVecAdd32 (param $G i32) (param $v i32) (param $out i32)
    (local $kb i32) (local $c i32) (local $b i32) (local $r i32) (local $o i32) (local $p i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $kb (i32.shl (global.get $gK) (i32.const 2)))
    (block $cdone
      (loop $cols
        (br_if $cdone (i32.ge_u (local.get $c) (local.get $kb)))
        (local.set $p (i32.add (local.get $out) (local.get $c)))
        (local.set $a0 (v128.load offset=0 (local.get $p)))
        (local.set $a1 (v128.load offset=16 (local.get $p)))
        (local.set $a2 (v128.load offset=32 (local.get $p)))
        (local.set $a3 (v128.load offset=48 (local.get $p)))
        (local.set $a4 (v128.load offset=64 (local.get $p)))
        (local.set $a5 (v128.load offset=80 (local.get $p)))
        (local.set $a6 (v128.load offset=96 (local.get $p)))
        (local.set $a7 (v128.load offset=112 (local.get $p)))
        (local.set $r (i32.add (local.get $G) (local.get $c)))
        (local.set $b (i32.const 0))
        (block $done
          (loop $rows
            (br_if $done (i32.ge_u (local.get $b) (global.get $gK)))
            (local.set $o (i32.add (local.get $v) (i32.shl (local.get $b) (i32.const 2))))
            (local.set $v0 (v128.load32_splat (local.get $o)))
            (local.set $v1 (v128.load32_splat offset=4 (local.get $o)))
            (local.set $v2 (v128.load32_splat offset=8 (local.get $o)))
            (local.set $v3 (v128.load32_splat offset=12 (local.get $o)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=0 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=0 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=0 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=0 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=16 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=16 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=16 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=16 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $a2 (f32x4.add (local.get $a2)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=32 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=32 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=32 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=32 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $a3 (f32x4.add (local.get $a3)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=48 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=48 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=48 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=48 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $a4 (f32x4.add (local.get $a4)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=64 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=64 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=64 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=64 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $a5 (f32x4.add (local.get $a5)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=80 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=80 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=80 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=80 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $a6 (f32x4.add (local.get $a6)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=96 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=96 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=96 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=96 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $a7 (f32x4.add (local.get $a7)
              (f32x4.add
                (f32x4.add (f32x4.mul (local.get $v0) (v128.load offset=112 (local.get $r))) (f32x4.mul (local.get $v1) (v128.load offset=112 (i32.add (local.get $r) (local.get $kb)))))
                (f32x4.add (f32x4.mul (local.get $v2) (v128.load offset=112 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 2))))) (f32x4.mul (local.get $v3) (v128.load offset=112 (i32.add (local.get $r) (i32.mul (local.get $kb) (i32.const 3)))))))))
            (local.set $r (i32.add (local.get $r) (i32.shl (local.get $kb) (i32.const 2))))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (br $rows)))
        (v128.store offset=0 (local.get $p) (local.get $a0))
        (v128.store offset=16 (local.get $p) (local.get $a1))
        (v128.store offset=32 (local.get $p) (local.get $a2))
        (v128.store offset=48 (local.get $p) (local.get $a3))
        (v128.store offset=64 (local.get $p) (local.get $a4))
        (v128.store offset=80 (local.get $p) (local.get $a5))
        (v128.store offset=96 (local.get $p) (local.get $a6))
        (v128.store offset=112 (local.get $p) (local.get $a7))
        (local.set $c (i32.add (local.get $c) (i32.const 128)))
        (br $cols))))


  ;; out += G v for a symmetric k x k float32 G (so row b is column b): out += v_b G[b, .] four rows at a time,
  ;; ((v_b G_b + v_b1 G_b1) + (v_b2 G_b2 + v_b3 G_b3)) added to out per four lanes
  (func $symMatVecAdd (param $G i32) (param $v i32) (param $out i32)
    (local $b i32) (local $a i32) (local $kb i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $o i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (if (i32.eqz (i32.and (global.get $gK) (i32.const 31)))
      (then (call $symMatVecAdd32 (local.get $G) (local.get $v) (local.get $out)) (return)))
    (local.set $kb (i32.shl (global.get $gK) (i32.const 2)))
    (local.set $r0 (local.get $G))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $b) (global.get $gK)))
        (local.set $r1 (i32.add (local.get $r0) (local.get $kb)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $kb)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $kb)))
        (local.set $o (i32.add (local.get $v) (i32.shl (local.get $b) (i32.const 2))))
        (local.set $v0 (v128.load32_splat (local.get $o)))
        (local.set $v1 (v128.load32_splat offset=4 (local.get $o)))
        (local.set $v2 (v128.load32_splat offset=8 (local.get $o)))
        (local.set $v3 (v128.load32_splat offset=12 (local.get $o)))
        (local.set $a (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $a) (local.get $kb)))
            (local.set $o (i32.add (local.get $out) (local.get $a)))
            (v128.store (local.get $o)
              (f32x4.add (v128.load (local.get $o))
                (f32x4.add
                  (f32x4.add (f32x4.mul (local.get $v0) (v128.load (i32.add (local.get $r0) (local.get $a))))
                             (f32x4.mul (local.get $v1) (v128.load (i32.add (local.get $r1) (local.get $a)))))
                  (f32x4.add (f32x4.mul (local.get $v2) (v128.load (i32.add (local.get $r2) (local.get $a))))
                             (f32x4.mul (local.get $v3) (v128.load (i32.add (local.get $r3) (local.get $a))))))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $cols)))
        (local.set $r0 (i32.add (local.get $r3) (local.get $kb)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $rows))))

  ;; w = c (p - s) + s of cell t (byte offset t4 = 4 t), float32, as four lanes
  (func $weightF32 (param $t4 i32) (param $s f32) (result v128)
    (f32x4.splat (f32.add
      (f32.mul (f32.load (i32.add (global.get $gConf) (local.get $t4)))
               (f32.sub (f32.load (i32.add (global.get $gPref) (local.get $t4))) (local.get $s)))
      (local.get $s))))

  ;; lr0 / sqrt(acc[at] + 1e-12) after acc[at] += (sum of g's lanes) / k, float64 accumulator: AdaGrad, as four lanes
  (func $adaGrad (param $at i32) (param $g2 v128) (result v128)
    (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
      (f64.div (f64.promote_f32 (call $laneSum (local.get $g2))) (f64.convert_i32_u (global.get $gK)))))
    (f32x4.splat (f32.demote_f64
      (f64.div (global.get $gLr0) (f64.sqrt (f64.add (f64.load (local.get $at)) (f64.const 1e-12)))))))

  ;; sum over rows u < n and their cells t of c (p - s)^2 - s^2, s = x_u.y_i: observedLoss in sgdGramian.ts, in the same
  ;; order (rows, then cells, one running sum), so the same float64 value
  (func (export "gramianCellLoss") (param $n i32) (result f64)
    (local $l f64) (local $u i32) (local $t i32) (local $to i32) (local $xu i32) (local $s f64) (local $d f64) (local $t4 i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $u) (local.get $n)))
        (local.set $t (i32.load (i32.add (global.get $gIndptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $to (i32.load offset=4 (i32.add (global.get $gIndptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $xu (i32.add (global.get $gX) (i32.shl (i32.mul (local.get $u) (global.get $gK)) (i32.const 2))))
        (block $cellsDone
          (loop $cells
            (br_if $cellsDone (i32.ge_u (local.get $t) (local.get $to)))
            (local.set $t4 (i32.shl (local.get $t) (i32.const 2)))
            (local.set $s (call $dotXY (local.get $xu)
              (i32.add (global.get $gY)
                (i32.shl (i32.mul (i32.load (i32.add (global.get $gIndices) (local.get $t4))) (global.get $gK)) (i32.const 2)))))
            (local.set $d (f64.sub (f64.promote_f32 (f32.load (i32.add (global.get $gPref) (local.get $t4)))) (local.get $s)))
            (local.set $l (f64.add (local.get $l)
              (f64.sub
                (f64.mul (f64.promote_f32 (f32.load (i32.add (global.get $gConf) (local.get $t4)))) (f64.mul (local.get $d) (local.get $d)))
                (f64.mul (local.get $s) (local.get $s)))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $cells)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rows)))
    (local.get $l))

  ;; stepRow(order[r]) for r in [r0, r1)
  (func (export "gramianRows") (param $r0 i32) (param $r1 i32)
    (local $r i32)
    (local.set $r (local.get $r0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
        (call $stepRow (i32.load (i32.add (global.get $gOrder) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $l))))

  ;; G = A^T A for the n float32 rows of k at A (G: float64 k x k), as train.crossGram(A, A, k) computes it, bit for
  ;; bit: four rows at a time, G[a, c] += ((x0 b0 + x1 b1) + x2 b2) + x3 b3 for c >= a (two c's per f64x2, the last one alone when k - a is odd), then the
  ;; last rows one at a time, then the upper triangle mirrored. The epoch's Gramians of X and Y in the kernel's memory.
  (func (export "gram") (param $A i32) (param $n i32) (param $G i32)
    (local $k i32) (local $rb i32) (local $r i32) (local $o0 i32) (local $a i32) (local $c i32) (local $g i32) (local $t i32)
    (local $x0 f64) (local $x1 f64) (local $x2 f64) (local $x3 f64)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $k (global.get $gK))
    (local.set $rb (i32.shl (local.get $k) (i32.const 2)))
    (memory.fill (local.get $G) (i32.const 0) (i32.shl (i32.mul (local.get $k) (local.get $k)) (i32.const 3)))
    (local.set $o0 (local.get $A))
    (block $d4 (loop $l4
      (br_if $d4 (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $n)))
      (local.set $a (i32.const 0))
      (block $da (loop $la
        (br_if $da (i32.ge_u (local.get $a) (local.get $k)))
        (local.set $t (i32.add (local.get $o0) (i32.shl (local.get $a) (i32.const 2))))
        (local.set $x0 (f64.promote_f32 (f32.load (local.get $t))))
        (local.set $x1 (f64.promote_f32 (f32.load (i32.add (local.get $t) (local.get $rb)))))
        (local.set $x2 (f64.promote_f32 (f32.load (i32.add (local.get $t) (i32.shl (local.get $rb) (i32.const 1))))))
        (local.set $x3 (f64.promote_f32 (f32.load (i32.add (local.get $t) (i32.mul (local.get $rb) (i32.const 3))))))
        (local.set $v0 (f64x2.splat (local.get $x0))) (local.set $v1 (f64x2.splat (local.get $x1)))
        (local.set $v2 (f64x2.splat (local.get $x2))) (local.set $v3 (f64x2.splat (local.get $x3)))
        (local.set $g (i32.add (local.get $G) (i32.shl (i32.mul (local.get $a) (local.get $k)) (i32.const 3))))
        (local.set $c (local.get $a))
        (block $dc (loop $lc
          (br_if $dc (i32.gt_u (i32.add (local.get $c) (i32.const 2)) (local.get $k)))
          (local.set $t (i32.add (local.get $o0) (i32.shl (local.get $c) (i32.const 2))))
          (v128.store (i32.add (local.get $g) (i32.shl (local.get $c) (i32.const 3)))
            (f64x2.add (v128.load (i32.add (local.get $g) (i32.shl (local.get $c) (i32.const 3))))
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $v0) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $t))))
                    (f64x2.mul (local.get $v1) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $t) (local.get $rb))))))
                  (f64x2.mul (local.get $v2) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $t) (i32.shl (local.get $rb) (i32.const 1)))))))
                (f64x2.mul (local.get $v3) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $t) (i32.mul (local.get $rb) (i32.const 3)))))))))
          (local.set $c (i32.add (local.get $c) (i32.const 2)))
          (br $lc)))
        ;; the last column when k - a is odd
        (if (i32.lt_u (local.get $c) (local.get $k)) (then
          (local.set $t (i32.add (local.get $o0) (i32.shl (local.get $c) (i32.const 2))))
          (f64.store (i32.add (local.get $g) (i32.shl (local.get $c) (i32.const 3)))
            (f64.add (f64.load (i32.add (local.get $g) (i32.shl (local.get $c) (i32.const 3))))
              (f64.add
                (f64.add
                  (f64.add
                    (f64.mul (local.get $x0) (f64.promote_f32 (f32.load (local.get $t))))
                    (f64.mul (local.get $x1) (f64.promote_f32 (f32.load (i32.add (local.get $t) (local.get $rb))))))
                  (f64.mul (local.get $x2) (f64.promote_f32 (f32.load (i32.add (local.get $t) (i32.shl (local.get $rb) (i32.const 1)))))))
                (f64.mul (local.get $x3) (f64.promote_f32 (f32.load (i32.add (local.get $t) (i32.mul (local.get $rb) (i32.const 3)))))))))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $la)))
      (local.set $o0 (i32.add (local.get $o0) (i32.shl (local.get $rb) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $l4)))
    ;; the last rows one at a time: G[a, c] += x b
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $a (i32.const 0))
      (block $da1 (loop $la1
        (br_if $da1 (i32.ge_u (local.get $a) (local.get $k)))
        (local.set $x0 (f64.promote_f32 (f32.load (i32.add (local.get $o0) (i32.shl (local.get $a) (i32.const 2))))))
        (local.set $g (i32.add (local.get $G) (i32.shl (i32.mul (local.get $a) (local.get $k)) (i32.const 3))))
        (local.set $c (local.get $a))
        (block $dc1 (loop $lc1
          (br_if $dc1 (i32.ge_u (local.get $c) (local.get $k)))
          (local.set $t (i32.add (local.get $g) (i32.shl (local.get $c) (i32.const 3))))
          (f64.store (local.get $t) (f64.add (f64.load (local.get $t))
            (f64.mul (local.get $x0) (f64.promote_f32 (f32.load (i32.add (local.get $o0) (i32.shl (local.get $c) (i32.const 2))))))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $lc1)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $la1)))
      (local.set $o0 (i32.add (local.get $o0) (local.get $rb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $l1)))
    ;; the upper triangle into the lower
    (local.set $a (i32.const 0))
    (block $dm (loop $lm
      (br_if $dm (i32.ge_u (local.get $a) (local.get $k)))
      (local.set $c (i32.add (local.get $a) (i32.const 1)))
      (block $dm2 (loop $lm2
        (br_if $dm2 (i32.ge_u (local.get $c) (local.get $k)))
        (f64.store (i32.add (local.get $G) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $k)) (local.get $a)) (i32.const 3)))
          (f64.load (i32.add (local.get $G) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $k)) (local.get $c)) (i32.const 3)))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $lm2)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $lm)))
  )

    ;; One session row: x_u's step, X^T X following it, then each of its items' steps (stepRow in sgdGramian.ts: the same
  ;; steps, in float32 here; AdaGrad's sums in float64).
  (func $stepRow (param $u i32)
    (local $kb i32) (local $from i32) (local $to i32) (local $t i32) (local $xu i32) (local $yi i32) (local $i i32)
    (local $a i32) (local $b i32) (local $at i32) (local $row i32)
    (local $lam v128) (local $w v128) (local $g v128) (local $g2 v128) (local $lr v128) (local $share v128) (local $na v128) (local $oa v128)
    (local.set $kb (i32.shl (global.get $gK) (i32.const 2)))
    (local.set $lam (f32x4.splat (f32.demote_f64 (global.get $gLambda))))
    (local.set $from (i32.load (i32.add (global.get $gIndptr) (i32.shl (local.get $u) (i32.const 2)))))
    (local.set $to (i32.load offset=4 (i32.add (global.get $gIndptr) (i32.shl (local.get $u) (i32.const 2)))))
    (if (i32.eq (local.get $from) (local.get $to)) (then (return)))
    (local.set $xu (i32.add (global.get $gX) (i32.mul (local.get $u) (local.get $kb))))
    ;; row gradient: gx = lambda x_u + GY x_u - sum_obs w y_i
    (local.set $a (i32.const 0))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $a) (local.get $kb)))
      (v128.store (i32.add (global.get $gGx) (local.get $a)) (f32x4.mul (local.get $lam) (v128.load (i32.add (local.get $xu) (local.get $a)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br $l1)))
    (call $symMatVecAdd (global.get $gGY) (local.get $xu) (global.get $gGx))
    (local.set $t (local.get $from))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $t) (local.get $to)))
      (local.set $yi (i32.add (global.get $gY)
        (i32.mul (i32.load (i32.add (global.get $gIndices) (i32.shl (local.get $t) (i32.const 2)))) (local.get $kb))))
      (local.set $w (call $weightF32 (i32.shl (local.get $t) (i32.const 2)) (call $dotF32 (local.get $xu) (local.get $yi))))
      (local.set $a (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $a) (local.get $kb)))
        (local.set $at (i32.add (global.get $gGx) (local.get $a)))
        (v128.store (local.get $at)
          (f32x4.sub (v128.load (local.get $at)) (f32x4.mul (local.get $w) (v128.load (i32.add (local.get $yi) (local.get $a))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $l3)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $l2)))
    ;; AdaGrad rate of the row
    (local.set $g2 (v128.const f32x4 0 0 0 0))
    (local.set $a (i32.const 0))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $a) (local.get $kb)))
      (local.set $g (v128.load (i32.add (global.get $gGx) (local.get $a))))
      (local.set $g2 (f32x4.add (local.get $g2) (f32x4.mul (local.get $g) (local.get $g))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br $l4)))
    (local.set $lr (call $adaGrad (i32.add (global.get $gAccX) (i32.shl (local.get $u) (i32.const 3))) (local.get $g2)))
    ;; move x_u (its old value kept in `old`)
    (local.set $a (i32.const 0))
    (block $d5 (loop $l5
      (br_if $d5 (i32.ge_u (local.get $a) (local.get $kb)))
      (local.set $g (v128.load (i32.add (local.get $xu) (local.get $a))))
      (v128.store (i32.add (global.get $gOld) (local.get $a)) (local.get $g))
      (v128.store (i32.add (local.get $xu) (local.get $a))
        (f32x4.sub (local.get $g) (f32x4.mul (local.get $lr) (v128.load (i32.add (global.get $gGx) (local.get $a))))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br $l5)))
    ;; X^T X follows: row a += x_a x - old_a old (both triangles alike: x_a x_b = x_b x_a exactly, so GX stays symmetric)
    (local.set $row (global.get $gGX))
    (local.set $b (i32.const 0))
    (block $d6 (loop $l6
      (br_if $d6 (i32.ge_u (local.get $b) (local.get $kb)))
      (local.set $na (v128.load32_splat (i32.add (local.get $xu) (local.get $b))))
      (local.set $oa (v128.load32_splat (i32.add (global.get $gOld) (local.get $b))))
      (local.set $a (i32.const 0))
      (block $d7 (loop $l7
        (br_if $d7 (i32.ge_u (local.get $a) (local.get $kb)))
        (local.set $at (i32.add (local.get $row) (local.get $a)))
        (v128.store (local.get $at)
          (f32x4.add (v128.load (local.get $at))
            (f32x4.sub (f32x4.mul (local.get $na) (v128.load (i32.add (local.get $xu) (local.get $a))))
                       (f32x4.mul (local.get $oa) (v128.load (i32.add (global.get $gOld) (local.get $a)))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $l7)))
      (local.set $row (i32.add (local.get $row) (local.get $kb)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $l6)))
    ;; each item of the row: its cell, 1/n_i of the all-cells term and of the penalty
    (local.set $t (local.get $from))
    (block $d8 (loop $l8
      (br_if $d8 (i32.ge_u (local.get $t) (local.get $to)))
      (local.set $i (i32.load (i32.add (global.get $gIndices) (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $yi (i32.add (global.get $gY) (i32.mul (local.get $i) (local.get $kb))))
      (local.set $w (call $weightF32 (i32.shl (local.get $t) (i32.const 2)) (call $dotF32 (local.get $xu) (local.get $yi))))
      (local.set $share (f32x4.splat (f32.demote_f64 (f64.div (f64.const 1)
        (f64.max (f64.const 1) (f64.load (i32.add (global.get $gNObs) (i32.shl (local.get $i) (i32.const 3)))))))))
      ;; gy = (lambda y_i + GX y_i) share - w x_u
      (local.set $a (i32.const 0))
      (block $d9 (loop $l9
        (br_if $d9 (i32.ge_u (local.get $a) (local.get $kb)))
        (v128.store (i32.add (global.get $gGy) (local.get $a)) (f32x4.mul (local.get $lam) (v128.load (i32.add (local.get $yi) (local.get $a)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $l9)))
      (call $symMatVecAdd (global.get $gGX) (local.get $yi) (global.get $gGy))
      (local.set $g2 (v128.const f32x4 0 0 0 0))
      (local.set $a (i32.const 0))
      (block $d10 (loop $l10
        (br_if $d10 (i32.ge_u (local.get $a) (local.get $kb)))
        (local.set $at (i32.add (global.get $gGy) (local.get $a)))
        (local.set $g (f32x4.sub (f32x4.mul (v128.load (local.get $at)) (local.get $share))
          (f32x4.mul (local.get $w) (v128.load (i32.add (local.get $xu) (local.get $a))))))
        (v128.store (local.get $at) (local.get $g))
        (local.set $g2 (f32x4.add (local.get $g2) (f32x4.mul (local.get $g) (local.get $g))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $l10)))
      (local.set $lr (call $adaGrad (i32.add (global.get $gAccY) (i32.shl (local.get $i) (i32.const 3))) (local.get $g2)))
      (local.set $a (i32.const 0))
      (block $d11 (loop $l11
        (br_if $d11 (i32.ge_u (local.get $a) (local.get $kb)))
        (local.set $at (i32.add (local.get $yi) (local.get $a)))
        (v128.store (local.get $at)
          (f32x4.sub (v128.load (local.get $at)) (f32x4.mul (local.get $lr) (v128.load (i32.add (global.get $gGy) (local.get $a))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $l11)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $l8))))

  ;; ---- Batched fold-in (foldInRows in foldIn.ts): foldIn's solve for each row of a CSR matrix, with unobserved
  ;; weight 1 and no biases, the same float64 operations in the same order as foldIn and linalg.solveSpd (all scalar),
  ;; so every vector is bit-identical to foldIn's. Byte addresses: Y float32 rows of k; G float64 k x k (Y^T Y);
  ;; indptr, indices int32; conf float64 per cell; X float32 rows of k (out); A, L float64 k x k and b, x float64 k
  ;; (scratch). Returns -1, or the first row whose Cholesky pivot fails (its X row is not written; the caller solves
  ;; it as foldIn does, by elimination, and goes on from the next row).
  (func (export "foldInRows")
    (param $r0 i32) (param $r1 i32) (param $Y i32) (param $G i32) (param $indptr i32) (param $indices i32)
    (param $conf i32) (param $X i32) (param $A i32) (param $L i32) (param $b i32) (param $x i32)
    (param $k i32) (param $lambda f64) (result i32)
    (local $r i32) (local $t i32) (local $to i32) (local $a i32) (local $d i32) (local $p i32) (local $i i32) (local $j i32)
    (local $kb i32) (local $o i32) (local $row i32) (local $c f64) (local $dw f64) (local $ya f64) (local $s f64)
    (local $dwya f64) (local $at i32) (local $lj i32) (local $li i32) (local $ai i32) (local $djj f64) (local $lv f64)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $dwv v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $r (local.get $r0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
        ;; A = G + lambda I, b = 0
        (memory.copy (local.get $A) (local.get $G) (i32.mul (local.get $kb) (local.get $k)))
        (local.set $a (i32.const 0))
        (block $dd (loop $diag
          (br_if $dd (i32.ge_u (local.get $a) (local.get $k)))
          (local.set $at (i32.add (local.get $A) (i32.shl (i32.mul (local.get $a) (i32.add (local.get $k) (i32.const 1))) (i32.const 3))))
          (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (local.get $lambda)))
          (f64.store (i32.add (local.get $b) (i32.shl (local.get $a) (i32.const 3))) (f64.const 0))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (br $diag)))
        ;; each cell: b += c y_i; the lower triangle of A += (c - 1) y_i y_i^T
        (local.set $t (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $to (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
        (block $cd (loop $cells
          (br_if $cd (i32.ge_u (local.get $t) (local.get $to)))
          (local.set $o (i32.add (local.get $Y)
            (i32.shl (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $t) (i32.const 2)))) (local.get $k)) (i32.const 2))))
          (local.set $c (f64.load (i32.add (local.get $conf) (i32.shl (local.get $t) (i32.const 3)))))
          (local.set $dw (f64.sub (local.get $c) (f64.const 1)))
          (local.set $a (i32.const 0))
          (block $ad (loop $as
            (br_if $ad (i32.ge_u (local.get $a) (local.get $k)))
            (local.set $ya (f64.promote_f32 (f32.load (i32.add (local.get $o) (i32.shl (local.get $a) (i32.const 2))))))
            (local.set $at (i32.add (local.get $b) (i32.shl (local.get $a) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.mul (local.get $c) (local.get $ya))))
            (if (f64.ne (local.get $dw) (f64.const 0))
              (then
                (local.set $dwya (f64.mul (local.get $dw) (local.get $ya)))
                (local.set $row (i32.add (local.get $A) (i32.mul (local.get $a) (local.get $kb))))
                (local.set $d (i32.const 0))
                ;; elementwise, two at a time (the same products and sums as one at a time)
                (local.set $dwv (f64x2.splat (local.get $dwya)))
                (block $dd3 (loop $ds2
                  (br_if $dd3 (i32.gt_u (i32.add (local.get $d) (i32.const 1)) (local.get $a)))
                  (local.set $at (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 3))))
                  (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at))
                    (f64x2.mul (local.get $dwv) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $o) (i32.shl (local.get $d) (i32.const 2))))))))
                  (local.set $d (i32.add (local.get $d) (i32.const 2)))
                  (br $ds2)))
                (block $dd2 (loop $ds
                  (br_if $dd2 (i32.gt_u (local.get $d) (local.get $a)))
                  (local.set $at (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 3))))
                  (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                    (f64.mul (local.get $dwya) (f64.promote_f32 (f32.load (i32.add (local.get $o) (i32.shl (local.get $d) (i32.const 2))))))))
                  (local.set $d (i32.add (local.get $d) (i32.const 1)))
                  (br $ds)))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $as)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $cells)))
        ;; Cholesky A = L L^T, each entry as solveSpd computes it (s = A_ij - sum_p<j L_ip L_jp in order of p, then
        ;; sqrt or / L_jj), by columns instead of rows: entry (i, j) needs columns p < j only, so the values are the
        ;; same, and four rows of a column are four independent sums that run side by side. A pivot not
        ;; > 1e-12 max(1, |A_jj|) ends the call with this row (the first such j, as by rows).
        (local.set $j (i32.const 0))
        (block $chd (loop $chj
          (br_if $chd (i32.ge_u (local.get $j) (local.get $k)))
          (local.set $lj (i32.add (local.get $L) (i32.mul (local.get $j) (local.get $kb))))
          ;; the pivot
          (local.set $s (f64.load (i32.add (local.get $A) (i32.shl (i32.mul (local.get $j) (i32.add (local.get $k) (i32.const 1))) (i32.const 3)))))
          (local.set $p (i32.const 0))
          (block $pd (loop $ps
            (br_if $pd (i32.ge_u (local.get $p) (local.get $j)))
            (local.set $at (i32.add (local.get $lj) (i32.shl (local.get $p) (i32.const 3))))
            (local.set $s (f64.sub (local.get $s) (f64.mul (f64.load (local.get $at)) (f64.load (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $ps)))
          (if (i32.eqz (f64.gt (local.get $s)
                (f64.mul (f64.const 1e-12) (f64.max (f64.const 1)
                  (f64.abs (f64.load (i32.add (local.get $A) (i32.shl (i32.mul (local.get $j) (i32.add (local.get $k) (i32.const 1))) (i32.const 3)))))))))
            (then (return (local.get $r))))
          (local.set $djj (f64.sqrt (local.get $s)))
          (f64.store (i32.add (local.get $lj) (i32.shl (local.get $j) (i32.const 3))) (local.get $djj))
          ;; rows below, four at a time
          (local.set $i (i32.add (local.get $j) (i32.const 1)))
          (block $qd (loop $qs
            (br_if $qd (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $k)))
            (local.set $li (i32.add (local.get $L) (i32.mul (local.get $i) (local.get $kb))))
            (local.set $ai (i32.add (local.get $A) (i32.add (i32.mul (local.get $i) (local.get $kb)) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $s0 (f64.load (local.get $ai)))
            (local.set $s1 (f64.load (i32.add (local.get $ai) (local.get $kb))))
            (local.set $s2 (f64.load (i32.add (local.get $ai) (i32.shl (local.get $kb) (i32.const 1)))))
            (local.set $s3 (f64.load (i32.add (local.get $ai) (i32.mul (local.get $kb) (i32.const 3)))))
            (local.set $p (i32.const 0))
            (block $p4d (loop $p4s
              (br_if $p4d (i32.ge_u (local.get $p) (local.get $j)))
              (local.set $lv (f64.load (i32.add (local.get $lj) (i32.shl (local.get $p) (i32.const 3)))))
              (local.set $at (i32.add (local.get $li) (i32.shl (local.get $p) (i32.const 3))))
              (local.set $s0 (f64.sub (local.get $s0) (f64.mul (f64.load (local.get $at)) (local.get $lv))))
              (local.set $s1 (f64.sub (local.get $s1) (f64.mul (f64.load (i32.add (local.get $at) (local.get $kb))) (local.get $lv))))
              (local.set $s2 (f64.sub (local.get $s2) (f64.mul (f64.load (i32.add (local.get $at) (i32.shl (local.get $kb) (i32.const 1)))) (local.get $lv))))
              (local.set $s3 (f64.sub (local.get $s3) (f64.mul (f64.load (i32.add (local.get $at) (i32.mul (local.get $kb) (i32.const 3)))) (local.get $lv))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $p4s)))
            (local.set $at (i32.add (local.get $li) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $at) (f64.div (local.get $s0) (local.get $djj)))
            (f64.store (i32.add (local.get $at) (local.get $kb)) (f64.div (local.get $s1) (local.get $djj)))
            (f64.store (i32.add (local.get $at) (i32.shl (local.get $kb) (i32.const 1))) (f64.div (local.get $s2) (local.get $djj)))
            (f64.store (i32.add (local.get $at) (i32.mul (local.get $kb) (i32.const 3))) (f64.div (local.get $s3) (local.get $djj)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $qs)))
          ;; the last rows one at a time
          (block $od (loop $os
            (br_if $od (i32.ge_u (local.get $i) (local.get $k)))
            (local.set $li (i32.add (local.get $L) (i32.mul (local.get $i) (local.get $kb))))
            (local.set $s (f64.load (i32.add (local.get $A) (i32.add (i32.mul (local.get $i) (local.get $kb)) (i32.shl (local.get $j) (i32.const 3))))))
            (local.set $p (i32.const 0))
            (block $p1d (loop $p1s
              (br_if $p1d (i32.ge_u (local.get $p) (local.get $j)))
              (local.set $s (f64.sub (local.get $s)
                (f64.mul (f64.load (i32.add (local.get $li) (i32.shl (local.get $p) (i32.const 3))))
                         (f64.load (i32.add (local.get $lj) (i32.shl (local.get $p) (i32.const 3)))))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $p1s)))
            (f64.store (i32.add (local.get $li) (i32.shl (local.get $j) (i32.const 3))) (f64.div (local.get $s) (local.get $djj)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $os)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $chj)))
        ;; forward: x_i = (b_i - sum_p<i L_ip x_p) / L_ii
        (local.set $i (i32.const 0))
        (block $fd (loop $fs
          (br_if $fd (i32.ge_u (local.get $i) (local.get $k)))
          (local.set $s (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $p (i32.const 0))
          (block $fpd (loop $fps
            (br_if $fpd (i32.ge_u (local.get $p) (local.get $i)))
            (local.set $s (f64.sub (local.get $s)
              (f64.mul
                (f64.load (i32.add (local.get $L) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $p)) (i32.const 3))))
                (f64.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $fps)))
          (f64.store (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))
            (f64.div (local.get $s) (f64.load (i32.add (local.get $L) (i32.shl (i32.mul (local.get $i) (i32.add (local.get $k) (i32.const 1))) (i32.const 3))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $fs)))
        ;; back: x_i = (x_i - sum_p>i L_pi x_p) / L_ii, then X row r = x (float32)
        (local.set $i (local.get $k))
        (block $bd (loop $bs
          (br_if $bd (i32.eqz (local.get $i)))
          (local.set $i (i32.sub (local.get $i) (i32.const 1)))
          (local.set $s (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $p (i32.add (local.get $i) (i32.const 1)))
          (block $bpd (loop $bps
            (br_if $bpd (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $s (f64.sub (local.get $s)
              (f64.mul
                (f64.load (i32.add (local.get $L) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $k)) (local.get $i)) (i32.const 3))))
                (f64.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $bps)))
          (local.set $s (f64.div (local.get $s) (f64.load (i32.add (local.get $L) (i32.shl (i32.mul (local.get $i) (i32.add (local.get $k) (i32.const 1))) (i32.const 3))))))
          (f64.store (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))) (local.get $s))
          (f32.store (i32.add (local.get $X) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $k)) (local.get $i)) (i32.const 2)))
            (f32.demote_f64 (local.get $s)))
          (br $bs)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
    (i32.const -1))

  ;; ---- EASE's neighbour table after an update (neighbourRow in easeLive.ts, the path with a bound): the j != c of
  ;; row c whose weight w = float32(-P[c, j] / D[j]) (D: P's diagonal, all > 0) has |w| >= $bound, listed at C in
  ;; order with their w at W[j]; returns how many. Other entries of W are not written. A cheap test first, two
  ;; entries at a time: |P[c, j]| >= ($bound (1 - 2^-20)) D[j] holds for every such j (w's two roundings move it by
  ;; under 2^-23 of itself, the product's by 2^-53), so the division runs only where it passes, with the JS loop's
  ;; operations (negation, division, rounding to float32): the same w and the same list.
  (func $weightCand (param $o i32) (param $j i32) (param $c i32) (param $D i32) (param $W i32) (param $bound f64) (param $C i32) (param $n i32) (result i32)
    (local $x f32)
    (if (i32.eq (local.get $j) (local.get $c)) (then (return (local.get $n))))
    (local.set $x (f32.demote_f64
      (f64.div
        (f64.neg (f64.load (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 3)))))
        (f64.load (i32.add (local.get $D) (i32.shl (local.get $j) (i32.const 3)))))))
    (if (f64.ge (f64.abs (f64.promote_f32 (local.get $x))) (local.get $bound))
      (then
        (f32.store (i32.add (local.get $W) (i32.shl (local.get $j) (i32.const 2))) (local.get $x))
        (i32.store (i32.add (local.get $C) (i32.shl (local.get $n) (i32.const 2))) (local.get $j))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))))
    (local.get $n))

  (func (export "easeWeightCands") (param $P i32) (param $m i32) (param $c i32) (param $D i32) (param $W i32) (param $bound f64) (param $C i32) (result i32)
    (local $o i32) (local $j i32) (local $end i32) (local $n i32) (local $hit v128) (local $b v128)
    (local.set $o (i32.add (local.get $P) (i32.shl (i32.mul (local.get $c) (local.get $m)) (i32.const 3))))
    (local.set $b (f64x2.splat (f64.mul (local.get $bound) (f64.const 0x1.ffffep-1))))
    (local.set $end (i32.and (local.get $m) (i32.const -2)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $j) (local.get $end)))
      (local.set $hit (f64x2.ge
        (f64x2.abs (v128.load (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 3)))))
        (f64x2.mul (local.get $b) (v128.load (i32.add (local.get $D) (i32.shl (local.get $j) (i32.const 3)))))))
      (if (v128.any_true (local.get $hit))
        (then
          (if (i64.ne (i64x2.extract_lane 0 (local.get $hit)) (i64.const 0))
            (then (local.set $n (call $weightCand (local.get $o) (local.get $j) (local.get $c) (local.get $D) (local.get $W) (local.get $bound) (local.get $C) (local.get $n)))))
          (if (i64.ne (i64x2.extract_lane 1 (local.get $hit)) (i64.const 0))
            (then (local.set $n (call $weightCand (local.get $o) (i32.add (local.get $j) (i32.const 1)) (local.get $c) (local.get $D) (local.get $W) (local.get $bound) (local.get $C) (local.get $n)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $l)))
    (if (i32.lt_u (local.get $j) (local.get $m))
      (then (local.set $n (call $weightCand (local.get $o) (local.get $j) (local.get $c) (local.get $D) (local.get $W) (local.get $bound) (local.get $C) (local.get $n)))))
    (local.get $n))

  ;; ---- EASE kept live (easeAddSessionsSteps in easeLive.ts): Sherman-Morrison's rank-one updates of P, several at
  ;; once. For rows a in [a0, a1) and t < r in order: P[a, b] += (U[t, a] F[t]) U[t, b], row a skipped for the t where
  ;; U[t, a] F[t] is 0: each entry takes easeAddSession's operations for each update in turn (elementwise, f64x2, the
  ;; last entry alone when m is odd), so P ends bit-identical to r calls of it, with a row read from memory once for
  ;; the r updates instead of once each.
  (func (export "easeRankMany") (param $P i32) (param $m i32) (param $U i32) (param $F i32) (param $r i32) (param $a0 i32) (param $a1 i32)
    (local $mb i32) (local $a i32) (local $t i32) (local $row i32) (local $urow i32) (local $f i32) (local $pairs i32)
    (local $ua f64) (local $uav v128)
    (local.set $mb (i32.shl (local.get $m) (i32.const 3)))
    (local.set $pairs (i32.and (local.get $mb) (i32.const -16)))
    (local.set $a (local.get $a0))
    (block $ad (loop $as
      (br_if $ad (i32.ge_u (local.get $a) (local.get $a1)))
      (local.set $row (i32.add (local.get $P) (i32.mul (local.get $a) (local.get $mb))))
      (local.set $t (i32.const 0))
      (block $td (loop $ts
        (br_if $td (i32.ge_u (local.get $t) (local.get $r)))
        (local.set $urow (i32.add (local.get $U) (i32.mul (local.get $t) (local.get $mb))))
        (local.set $ua (f64.mul (f64.load (i32.add (local.get $urow) (i32.shl (local.get $a) (i32.const 3))))
          (f64.load (i32.add (local.get $F) (i32.shl (local.get $t) (i32.const 3))))))
        (if (f64.ne (local.get $ua) (f64.const 0))
          (then
            (local.set $uav (f64x2.splat (local.get $ua)))
            (local.set $f (i32.const 0))
            (block $fd (loop $fs
              (br_if $fd (i32.ge_u (local.get $f) (local.get $pairs)))
              (v128.store (i32.add (local.get $row) (local.get $f))
                (f64x2.add (v128.load (i32.add (local.get $row) (local.get $f)))
                  (f64x2.mul (local.get $uav) (v128.load (i32.add (local.get $urow) (local.get $f))))))
              (local.set $f (i32.add (local.get $f) (i32.const 16)))
              (br $fs)))
            (if (i32.lt_u (local.get $pairs) (local.get $mb))
              (then (f64.store (i32.add (local.get $row) (local.get $pairs))
                (f64.add (f64.load (i32.add (local.get $row) (local.get $pairs)))
                  (f64.mul (local.get $ua) (f64.load (i32.add (local.get $urow) (local.get $pairs))))))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ts)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $as))))

  ;; ---- EASE's dense SPD inverse (invertSpdSteps in ease.ts), float64 with f64x2 SIMD ----
  ;; The JS path's three phases on an n x n row-major matrix at byte address $a, with U (n x n, all zero on entry) at
  ;; $u: Cholesky A = L L^T in A's lower triangle (cholRows), U row j = column j of L^-1 (invRows), P = U^T U written
  ;; over A (prodRows). Each call takes a range of rows, so the caller can pause between calls. The sums are the JS
  ;; path's, taken in another order (four lanes or accumulators, and several rows against one shared row), so the
  ;; two paths differ by rounding; only IEEE float64 add, multiply, divide and sqrt, so each is deterministic.
  ;; Rows of U are zero left of their diagonal, which lets a block of four rows share one dot product's length.
  (global $s0 (mut f64) (f64.const 0)) (global $s1 (mut f64) (f64.const 0))
  (global $s2 (mut f64) (f64.const 0)) (global $s3 (mut f64) (f64.const 0))
  (global $t0 (mut f64) (f64.const 0)) (global $t1 (mut f64) (f64.const 0))
  (global $t2 (mut f64) (f64.const 0)) (global $t3 (mut f64) (f64.const 0))

  ;; sum over t < len of x[t] y[t] (float64 at byte addresses x, y; any alignment)
  (func $dotF64 (param $x i32) (param $y i32) (param $len i32) (result f64)
    (local $o i32) (local $lb i32) (local $a0 v128) (local $a1 v128) (local $s f64)
    (local.set $lb (i32.shl (local.get $len) (i32.const 3)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 32)) (local.get $lb)))
      (local.set $a0 (f64x2.add (local.get $a0)
        (f64x2.mul (v128.load (i32.add (local.get $x) (local.get $o))) (v128.load (i32.add (local.get $y) (local.get $o))))))
      (local.set $a1 (f64x2.add (local.get $a1)
        (f64x2.mul (v128.load offset=16 (i32.add (local.get $x) (local.get $o))) (v128.load offset=16 (i32.add (local.get $y) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $l)))
    (if (i32.le_u (i32.add (local.get $o) (i32.const 16)) (local.get $lb))
      (then
        (local.set $a0 (f64x2.add (local.get $a0)
          (f64x2.mul (v128.load (i32.add (local.get $x) (local.get $o))) (v128.load (i32.add (local.get $y) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))))
    (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (if (i32.lt_u (local.get $o) (local.get $lb))
      (then (local.set $s (f64.add (local.get $s)
        (f64.mul (f64.load (i32.add (local.get $x) (local.get $o))) (f64.load (i32.add (local.get $y) (local.get $o))))))))
    (local.get $s))

  ;; s_r = sum over t < len of x[t] y_r[t] for the four rows y_r = y + r stride (bytes), into globals $s0..$s3
  (func $dot4F64 (param $x i32) (param $y i32) (param $stride i32) (param $len i32)
    (local $o i32) (local $lb i32) (local $y1 i32) (local $y2 i32) (local $y3 i32) (local $xv v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xs f64)
    (local.set $lb (i32.shl (local.get $len) (i32.const 3)))
    (local.set $y1 (i32.add (local.get $y) (local.get $stride)))
    (local.set $y2 (i32.add (local.get $y1) (local.get $stride)))
    (local.set $y3 (i32.add (local.get $y2) (local.get $stride)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $lb)))
      (local.set $xv (v128.load (i32.add (local.get $x) (local.get $o))))
      (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y) (local.get $o))))))
      (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y1) (local.get $o))))))
      (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y2) (local.get $o))))))
      (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y3) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (global.set $s0 (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (global.set $s1 (f64.add (f64x2.extract_lane 0 (local.get $a1)) (f64x2.extract_lane 1 (local.get $a1))))
    (global.set $s2 (f64.add (f64x2.extract_lane 0 (local.get $a2)) (f64x2.extract_lane 1 (local.get $a2))))
    (global.set $s3 (f64.add (f64x2.extract_lane 0 (local.get $a3)) (f64x2.extract_lane 1 (local.get $a3))))
    (if (i32.lt_u (local.get $o) (local.get $lb))
      (then
        (local.set $xs (f64.load (i32.add (local.get $x) (local.get $o))))
        (global.set $s0 (f64.add (global.get $s0) (f64.mul (local.get $xs) (f64.load (i32.add (local.get $y) (local.get $o))))))
        (global.set $s1 (f64.add (global.get $s1) (f64.mul (local.get $xs) (f64.load (i32.add (local.get $y1) (local.get $o))))))
        (global.set $s2 (f64.add (global.get $s2) (f64.mul (local.get $xs) (f64.load (i32.add (local.get $y2) (local.get $o))))))
        (global.set $s3 (f64.add (global.get $s3) (f64.mul (local.get $xs) (f64.load (i32.add (local.get $y3) (local.get $o)))))))))

  ;; s_r = x0 . y_r and t_r = x1 . y_r (sums over t < len) for the four rows y_r = y + r stride: two rows against four,
  ;; each loaded segment used two or four times
  (func $dot2x4F64 (param $x0 i32) (param $x1 i32) (param $y i32) (param $stride i32) (param $len i32)
    (local $o i32) (local $lb i32) (local $y1 i32) (local $y2 i32) (local $y3 i32) (local $u v128) (local $v v128) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $us f64) (local $vs f64) (local $ws f64)
    (local.set $lb (i32.shl (local.get $len) (i32.const 3)))
    (local.set $y1 (i32.add (local.get $y) (local.get $stride)))
    (local.set $y2 (i32.add (local.get $y1) (local.get $stride)))
    (local.set $y3 (i32.add (local.get $y2) (local.get $stride)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $lb)))
      (local.set $u (v128.load (i32.add (local.get $x0) (local.get $o))))
      (local.set $v (v128.load (i32.add (local.get $x1) (local.get $o))))
      (local.set $w (v128.load (i32.add (local.get $y) (local.get $o))))
      (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $u) (local.get $w))))
      (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $v) (local.get $w))))
      (local.set $w (v128.load (i32.add (local.get $y1) (local.get $o))))
      (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $u) (local.get $w))))
      (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $v) (local.get $w))))
      (local.set $w (v128.load (i32.add (local.get $y2) (local.get $o))))
      (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $u) (local.get $w))))
      (local.set $b2 (f64x2.add (local.get $b2) (f64x2.mul (local.get $v) (local.get $w))))
      (local.set $w (v128.load (i32.add (local.get $y3) (local.get $o))))
      (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $u) (local.get $w))))
      (local.set $b3 (f64x2.add (local.get $b3) (f64x2.mul (local.get $v) (local.get $w))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (global.set $s0 (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (global.set $s1 (f64.add (f64x2.extract_lane 0 (local.get $a1)) (f64x2.extract_lane 1 (local.get $a1))))
    (global.set $s2 (f64.add (f64x2.extract_lane 0 (local.get $a2)) (f64x2.extract_lane 1 (local.get $a2))))
    (global.set $s3 (f64.add (f64x2.extract_lane 0 (local.get $a3)) (f64x2.extract_lane 1 (local.get $a3))))
    (global.set $t0 (f64.add (f64x2.extract_lane 0 (local.get $b0)) (f64x2.extract_lane 1 (local.get $b0))))
    (global.set $t1 (f64.add (f64x2.extract_lane 0 (local.get $b1)) (f64x2.extract_lane 1 (local.get $b1))))
    (global.set $t2 (f64.add (f64x2.extract_lane 0 (local.get $b2)) (f64x2.extract_lane 1 (local.get $b2))))
    (global.set $t3 (f64.add (f64x2.extract_lane 0 (local.get $b3)) (f64x2.extract_lane 1 (local.get $b3))))
    (if (i32.lt_u (local.get $o) (local.get $lb))
      (then
        (local.set $us (f64.load (i32.add (local.get $x0) (local.get $o))))
        (local.set $vs (f64.load (i32.add (local.get $x1) (local.get $o))))
        (local.set $ws (f64.load (i32.add (local.get $y) (local.get $o))))
        (global.set $s0 (f64.add (global.get $s0) (f64.mul (local.get $us) (local.get $ws))))
        (global.set $t0 (f64.add (global.get $t0) (f64.mul (local.get $vs) (local.get $ws))))
        (local.set $ws (f64.load (i32.add (local.get $y1) (local.get $o))))
        (global.set $s1 (f64.add (global.get $s1) (f64.mul (local.get $us) (local.get $ws))))
        (global.set $t1 (f64.add (global.get $t1) (f64.mul (local.get $vs) (local.get $ws))))
        (local.set $ws (f64.load (i32.add (local.get $y2) (local.get $o))))
        (global.set $s2 (f64.add (global.get $s2) (f64.mul (local.get $us) (local.get $ws))))
        (global.set $t2 (f64.add (global.get $t2) (f64.mul (local.get $vs) (local.get $ws))))
        (local.set $ws (f64.load (i32.add (local.get $y3) (local.get $o))))
        (global.set $s3 (f64.add (global.get $s3) (f64.mul (local.get $us) (local.get $ws))))
        (global.set $t3 (f64.add (global.get $t3) (f64.mul (local.get $vs) (local.get $ws)))))))

  ;; P[a, b] = P[b, a] = t (P at byte address p, rows of nb bytes)
  (func $putSym (param $p i32) (param $nb i32) (param $a i32) (param $b i32) (param $t f64)
    (f64.store (i32.add (i32.add (local.get $p) (i32.mul (local.get $a) (local.get $nb))) (i32.shl (local.get $b) (i32.const 3))) (local.get $t))
    (f64.store (i32.add (i32.add (local.get $p) (i32.mul (local.get $b) (local.get $nb))) (i32.shl (local.get $a) (i32.const 3))) (local.get $t)))

  ;; Cholesky of two columns j, j+1 in row i (A[i, j] at byte address at): x = (A[i, j] - s) / d, then
  ;; A[i, j+1] = (A[i, j+1] - t - x l) / d1, with l = L[j+1, j]
  (func $chol2 (param $at i32) (param $s f64) (param $t f64) (param $d f64) (param $l f64) (param $d1 f64)
    (local $x f64)
    (local.set $x (f64.div (f64.sub (f64.load (local.get $at)) (local.get $s)) (local.get $d)))
    (f64.store (local.get $at) (local.get $x))
    (f64.store offset=8 (local.get $at)
      (f64.div (f64.sub (f64.sub (f64.load offset=8 (local.get $at)) (local.get $t)) (f64.mul (local.get $x) (local.get $l))) (local.get $d1))))

  ;; U[r, i] = -s / L[i, i] and U[r, i+1] = -(t + L[i+1, i] U[r, i]) / L[i+1, i+1] (U[r, i] at byte address at)
  (func $inv2 (param $at i32) (param $s f64) (param $t f64) (param $di f64) (param $l f64) (param $di1 f64)
    (local $x f64)
    (local.set $x (f64.div (f64.neg (local.get $s)) (local.get $di)))
    (f64.store (local.get $at) (local.get $x))
    (f64.store offset=8 (local.get $at) (f64.div (f64.neg (f64.add (local.get $t) (f64.mul (local.get $l) (local.get $x)))) (local.get $di1))))

  ;; Cholesky columns j0 .. j1-1 (the ones before done): L[i, j] = (A[i, j] - L[i, :j].L[j, :j]) / L[j, j]. Two
  ;; columns j, j+1 at a time against four rows i (L[i, j+1] takes its term L[i, j] L[j+1, j] after the shared sum over
  ;; :j). Returns -1, or the first j whose pivot s = A[j, j] - |L[j, :j]|^2 is not > 0 (s is then stored at A[j, j]).
  (func (export "cholRows") (param $a i32) (param $n i32) (param $nb i32) (param $j0 i32) (param $j1 i32) (result i32)
    (local $j i32) (local $i i32) (local $rj i32) (local $rj1 i32) (local $ri i32) (local $jb i32)
    (local $at i32) (local $s f64) (local $d f64) (local $d1 f64) (local $l f64)
    (local.set $j (local.get $j0))
    (block $done (loop $cols
      (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
      (local.set $rj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $nb))))
      (local.set $jb (i32.shl (local.get $j) (i32.const 3)))
      (local.set $at (i32.add (local.get $rj) (local.get $jb)))
      (local.set $s (f64.sub (f64.load (local.get $at)) (call $dotF64 (local.get $rj) (local.get $rj) (local.get $j))))
      (if (i32.eqz (f64.gt (local.get $s) (f64.const 0)))
        (then (f64.store (local.get $at) (local.get $s)) (return (local.get $j))))
      (local.set $d (f64.sqrt (local.get $s)))
      (f64.store (local.get $at) (local.get $d))
      (local.set $rj1 (i32.add (local.get $rj) (local.get $nb)))
      (if (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $j1))
        (then
          ;; column pair j, j+1: first L[j+1, j] and the pivot of j+1
          (local.set $at (i32.add (local.get $rj1) (local.get $jb)))
          (local.set $l (f64.div (f64.sub (f64.load (local.get $at)) (call $dotF64 (local.get $rj1) (local.get $rj) (local.get $j))) (local.get $d)))
          (f64.store (local.get $at) (local.get $l))
          (local.set $at (i32.add (local.get $at) (i32.const 8)))
          (local.set $s (f64.sub (f64.load (local.get $at))
            (call $dotF64 (local.get $rj1) (local.get $rj1) (i32.add (local.get $j) (i32.const 1)))))
          (if (i32.eqz (f64.gt (local.get $s) (f64.const 0)))
            (then (f64.store (local.get $at) (local.get $s)) (return (i32.add (local.get $j) (i32.const 1)))))
          (local.set $d1 (f64.sqrt (local.get $s)))
          (f64.store (local.get $at) (local.get $d1))
          (local.set $i (i32.add (local.get $j) (i32.const 2)))
          (local.set $ri (i32.add (local.get $rj1) (local.get $nb)))
          (block $d4 (loop $l4
            (br_if $d4 (i32.ge_u (i32.add (local.get $i) (i32.const 3)) (local.get $n)))
            (call $dot2x4F64 (local.get $rj) (local.get $rj1) (local.get $ri) (local.get $nb) (local.get $j))
            (local.set $at (i32.add (local.get $ri) (local.get $jb)))
            (call $chol2 (local.get $at) (global.get $s0) (global.get $t0) (local.get $d) (local.get $l) (local.get $d1))
            (local.set $at (i32.add (local.get $at) (local.get $nb)))
            (call $chol2 (local.get $at) (global.get $s1) (global.get $t1) (local.get $d) (local.get $l) (local.get $d1))
            (local.set $at (i32.add (local.get $at) (local.get $nb)))
            (call $chol2 (local.get $at) (global.get $s2) (global.get $t2) (local.get $d) (local.get $l) (local.get $d1))
            (local.set $at (i32.add (local.get $at) (local.get $nb)))
            (call $chol2 (local.get $at) (global.get $s3) (global.get $t3) (local.get $d) (local.get $l) (local.get $d1))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (local.set $ri (i32.add (local.get $ri) (i32.shl (local.get $nb) (i32.const 2))))
            (br $l4)))
          (block $d1 (loop $l1
            (br_if $d1 (i32.ge_u (local.get $i) (local.get $n)))
            (call $chol2 (i32.add (local.get $ri) (local.get $jb))
              (call $dotF64 (local.get $ri) (local.get $rj) (local.get $j))
              (call $dotF64 (local.get $ri) (local.get $rj1) (local.get $j))
              (local.get $d) (local.get $l) (local.get $d1))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $ri (i32.add (local.get $ri) (local.get $nb)))
            (br $l1)))
          (local.set $j (i32.add (local.get $j) (i32.const 2))))
        (else
          ;; one column j (the last of the range)
          (local.set $ri (local.get $rj1))
          (local.set $i (i32.add (local.get $j) (i32.const 1)))
          (block $e1 (loop $m1
            (br_if $e1 (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $at (i32.add (local.get $ri) (local.get $jb)))
            (f64.store (local.get $at)
              (f64.div (f64.sub (f64.load (local.get $at)) (call $dotF64 (local.get $ri) (local.get $rj) (local.get $j))) (local.get $d)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $ri (i32.add (local.get $ri) (local.get $nb)))
            (br $m1)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))))
      (br $cols)))
    (i32.const -1))

  ;; Rows j0 .. j1-1 of U (L in the lower triangle of A, rows of nb bytes): U[j, j] = 1 / L[j, j], U[j, i] =
  ;; -L[i, j:i].U[j, j:i] / L[i, i] for i > j. Four rows j .. j+3 at a time, each sum over j:i (the rows below j are
  ;; zero there), two i at a time past the block (U[r, i+1] takes its term L[i+1, i] U[r, i] after the shared sum
  ;; over j:i). A block is worked out in the scratch rows at s (n float64 each, zero left of their diagonal, as the
  ;; sums read them), then U[r, r:] goes right of the diagonal of A's row r, shifted by one: U[r, c] at A[r, c + 1]
  ;; (rows of n + 1 entries: the last column holds U[r, n-1]). A's upper triangle is free once L is made.
  (func (export "invRows") (param $a i32) (param $n i32) (param $nb i32) (param $s i32) (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $i i32) (local $r i32) (local $rEnd i32) (local $jb i32) (local $ns i32)
    (local $ri i32) (local $diag f64) (local $at i32) (local $g i32) (local $diag1 f64) (local $c i32) (local $end i32)
    (local.set $ns (i32.shl (local.get $n) (i32.const 3)))
    (local.set $j (local.get $j0))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
      ;; a block of g = 4 rows, or 1 at the end of the range
      (local.set $g (select (i32.const 4) (i32.const 1) (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1))))
      (local.set $jb (i32.shl (local.get $j) (i32.const 3)))
      (local.set $rEnd (i32.add (local.get $j) (local.get $g)))
      ;; scratch row r - j: zeros at j .. r-1, then U[r, r] = 1 / L[r, r]
      (local.set $r (local.get $j))
      (block $dd (loop $ld
        (br_if $dd (i32.ge_u (local.get $r) (local.get $rEnd)))
        (local.set $at (i32.add (i32.add (local.get $s) (i32.mul (i32.sub (local.get $r) (local.get $j)) (local.get $ns))) (local.get $jb)))
        (local.set $c (local.get $j))
        (block $dz (loop $lz
          (br_if $dz (i32.ge_u (local.get $c) (local.get $r)))
          (f64.store (local.get $at) (f64.const 0))
          (local.set $at (i32.add (local.get $at) (i32.const 8)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $lz)))
        (f64.store (local.get $at)
          (f64.div (f64.const 1) (f64.load (i32.add (local.get $a) (i32.mul (local.get $r) (i32.add (local.get $nb) (i32.const 8)))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $ld)))
      (local.set $i (i32.add (local.get $j) (i32.const 1)))
      (block $di (loop $li
        (br_if $di (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $ri (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $nb))) (local.get $jb)))
        (local.set $diag (f64.load (i32.add (local.get $a) (i32.mul (local.get $i) (i32.add (local.get $nb) (i32.const 8))))))
        (local.set $at (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 3))))
        (if (i32.ge_u (local.get $i) (local.get $rEnd))
          (then
            (if (i32.and (i32.eq (local.get $g) (i32.const 4)) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
              (then
                ;; rows j .. j+3, columns i and i+1
                (call $dot2x4F64 (local.get $ri) (i32.add (local.get $ri) (local.get $nb)) (i32.add (local.get $s) (local.get $jb))
                  (local.get $ns) (i32.sub (local.get $i) (local.get $j)))
                ;; L[i+1, i+1]; L[i+1, i] is read for each inv2
                (local.set $diag1 (f64.load (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (i32.add (local.get $nb) (i32.const 8))))
                  (i32.add (local.get $nb) (i32.const 8)))))
                (call $inv2 (local.get $at) (global.get $s0) (global.get $t0) (local.get $diag)
                  (f64.load (i32.add (local.get $ri) (i32.add (local.get $nb) (i32.shl (i32.sub (local.get $i) (local.get $j)) (i32.const 3)))))
                  (local.get $diag1))
                (local.set $at (i32.add (local.get $at) (local.get $ns)))
                (call $inv2 (local.get $at) (global.get $s1) (global.get $t1) (local.get $diag)
                  (f64.load (i32.add (local.get $ri) (i32.add (local.get $nb) (i32.shl (i32.sub (local.get $i) (local.get $j)) (i32.const 3)))))
                  (local.get $diag1))
                (local.set $at (i32.add (local.get $at) (local.get $ns)))
                (call $inv2 (local.get $at) (global.get $s2) (global.get $t2) (local.get $diag)
                  (f64.load (i32.add (local.get $ri) (i32.add (local.get $nb) (i32.shl (i32.sub (local.get $i) (local.get $j)) (i32.const 3)))))
                  (local.get $diag1))
                (local.set $at (i32.add (local.get $at) (local.get $ns)))
                (call $inv2 (local.get $at) (global.get $s3) (global.get $t3) (local.get $diag)
                  (f64.load (i32.add (local.get $ri) (i32.add (local.get $nb) (i32.shl (i32.sub (local.get $i) (local.get $j)) (i32.const 3)))))
                  (local.get $diag1))
                (local.set $i (i32.add (local.get $i) (i32.const 1))))
              (else
                (if (i32.eq (local.get $g) (i32.const 4))
                  (then
                    (call $dot4F64 (local.get $ri) (i32.add (local.get $s) (local.get $jb)) (local.get $ns) (i32.sub (local.get $i) (local.get $j)))
                    (f64.store (local.get $at) (f64.div (f64.neg (global.get $s0)) (local.get $diag)))
                    (local.set $at (i32.add (local.get $at) (local.get $ns)))
                    (f64.store (local.get $at) (f64.div (f64.neg (global.get $s1)) (local.get $diag)))
                    (local.set $at (i32.add (local.get $at) (local.get $ns)))
                    (f64.store (local.get $at) (f64.div (f64.neg (global.get $s2)) (local.get $diag)))
                    (local.set $at (i32.add (local.get $at) (local.get $ns)))
                    (f64.store (local.get $at) (f64.div (f64.neg (global.get $s3)) (local.get $diag))))
                  (else
                    (f64.store (local.get $at) (f64.div
                      (f64.neg (call $dotF64 (local.get $ri) (i32.add (local.get $s) (local.get $jb)) (i32.sub (local.get $i) (local.get $j))))
                      (local.get $diag))))))))
          (else
            ;; i inside the block: rows j .. i-1 only (U[r, i] for r >= i is on or left of the diagonal)
            (local.set $r (local.get $j))
            (block $dr (loop $lr
              (br_if $dr (i32.ge_u (local.get $r) (local.get $i)))
              (f64.store (local.get $at) (f64.div
                (f64.neg (call $dotF64 (local.get $ri)
                  (i32.add (i32.add (local.get $s) (i32.mul (i32.sub (local.get $r) (local.get $j)) (local.get $ns))) (local.get $jb))
                  (i32.sub (local.get $i) (local.get $j))))
                (local.get $diag)))
              (local.set $at (i32.add (local.get $at) (local.get $ns)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $lr)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li)))
      ;; the block's rows to their place: U[r, r:] at A[r, r+1:]
      (local.set $r (local.get $j))
      (block $dc (loop $lc
        (br_if $dc (i32.ge_u (local.get $r) (local.get $rEnd)))
        (local.set $c (i32.add (i32.add (local.get $s) (i32.mul (i32.sub (local.get $r) (local.get $j)) (local.get $ns))) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $end (i32.add (local.get $s) (i32.mul (i32.add (i32.sub (local.get $r) (local.get $j)) (i32.const 1)) (local.get $ns))))
        (local.set $at (i32.add (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $nb))) (i32.shl (i32.add (local.get $r) (i32.const 1)) (i32.const 3))))
        (block $dk (loop $lk
          (br_if $dk (i32.ge_u (local.get $c) (local.get $end)))
          (f64.store (local.get $at) (f64.load (local.get $c)))
          (local.set $c (i32.add (local.get $c) (i32.const 8)))
          (local.set $at (i32.add (local.get $at) (i32.const 8)))
          (br $lk)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lc)))
      (local.set $j (local.get $rEnd))
      (br $blocks))))

  ;; Rows a0 .. a1-1 of P = U^T U (and their mirror): P[a, b] = P[b, a] = U[a, b:].U[b, b:] for b >= a, each sum over
  ;; b:n (U's rows are zero left of their diagonal). Two rows a, a+1 against four rows b at a time; P[a+1, a] is
  ;; written last, from row a's sum, so P is exactly symmetric. Rows of nb bytes. With U at p + 8 (invRows' layout,
  ;; its zeros below the diagonal written over L first) P takes the place of what it has read: P[a, b] lands on
  ;; U[a, b-1] (rows a and a+1 read only from the group's b on), P[b, a] on entries below the diagonal left of
  ;; every later read.
  (func (export "prodRows") (param $u i32) (param $p i32) (param $n i32) (param $nb i32) (param $a0 i32) (param $a1 i32)
    (local $a i32) (local $b i32) (local $ua i32) (local $ua1 i32) (local $bb i32) (local $ub i32) (local $pair i32) (local $sa f64)
    (local.set $a (local.get $a0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $a) (local.get $a1)))
      (local.set $ua (i32.add (local.get $u) (i32.mul (local.get $a) (local.get $nb))))
      (local.set $ua1 (i32.add (local.get $ua) (local.get $nb)))
      (local.set $pair (i32.lt_u (i32.add (local.get $a) (i32.const 1)) (local.get $a1)))
      (local.set $b (local.get $a))
      (block $d4 (loop $l4
        (br_if $d4 (i32.ge_u (i32.add (local.get $b) (i32.const 3)) (local.get $n)))
        (local.set $bb (i32.shl (local.get $b) (i32.const 3)))
        (local.set $ub (i32.add (i32.add (local.get $u) (i32.mul (local.get $b) (local.get $nb))) (local.get $bb)))
        (if (local.get $pair)
          (then
            (call $dot2x4F64 (i32.add (local.get $ua) (local.get $bb)) (i32.add (local.get $ua1) (local.get $bb))
              (local.get $ub) (local.get $nb) (i32.sub (local.get $n) (local.get $b)))
            (local.set $ub (i32.add (local.get $a) (i32.const 1)))
            (call $putSym (local.get $p) (local.get $nb) (local.get $ub) (local.get $b) (global.get $t0))
            (call $putSym (local.get $p) (local.get $nb) (local.get $ub) (i32.add (local.get $b) (i32.const 1)) (global.get $t1))
            (call $putSym (local.get $p) (local.get $nb) (local.get $ub) (i32.add (local.get $b) (i32.const 2)) (global.get $t2))
            (call $putSym (local.get $p) (local.get $nb) (local.get $ub) (i32.add (local.get $b) (i32.const 3)) (global.get $t3)))
          (else
            (call $dot4F64 (i32.add (local.get $ua) (local.get $bb)) (local.get $ub) (local.get $nb) (i32.sub (local.get $n) (local.get $b)))))
        (call $putSym (local.get $p) (local.get $nb) (local.get $a) (local.get $b) (global.get $s0))
        (call $putSym (local.get $p) (local.get $nb) (local.get $a) (i32.add (local.get $b) (i32.const 1)) (global.get $s1))
        (call $putSym (local.get $p) (local.get $nb) (local.get $a) (i32.add (local.get $b) (i32.const 2)) (global.get $s2))
        (call $putSym (local.get $p) (local.get $nb) (local.get $a) (i32.add (local.get $b) (i32.const 3)) (global.get $s3))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $l4)))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $bb (i32.shl (local.get $b) (i32.const 3)))
        (local.set $ub (i32.add (i32.add (local.get $u) (i32.mul (local.get $b) (local.get $nb))) (local.get $bb)))
        ;; row a's sum before row a+1's P[a+1, b] is written: for b = a its mirror lands on U[a, a] (invRows' layout)
        (local.set $sa (call $dotF64 (i32.add (local.get $ua) (local.get $bb)) (local.get $ub) (i32.sub (local.get $n) (local.get $b))))
        (if (local.get $pair)
          (then
            (call $putSym (local.get $p) (local.get $nb) (i32.add (local.get $a) (i32.const 1)) (local.get $b)
              (call $dotF64 (i32.add (local.get $ua1) (local.get $bb)) (local.get $ub) (i32.sub (local.get $n) (local.get $b))))))
        (call $putSym (local.get $p) (local.get $nb) (local.get $a) (local.get $b) (local.get $sa))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $l1)))
      (local.set $a (i32.add (local.get $a) (i32.add (local.get $pair) (i32.const 1))))
      (br $rows))))

  ;; Evaluation: how many of s[0 .. n) (float64 at byte address s) are above st and how many equal it (NaN neither), as
  ;; int32 at out and out + 4: the count behind a target's rank among every item (evalProtocol's tiesOf), two items
  ;; at a time (a true lane's mask is -1, so subtracting it counts).
  (func (export "countAboveTies") (param $s i32) (param $n i32) (param $st f64) (param $out i32)
    (local $at i32) (local $end i32) (local $x v128) (local $v v128) (local $above v128) (local $ties v128)
    (local $a i32) (local $t i32)
    (local.set $x (f64x2.splat (local.get $st)))
    (local.set $at (local.get $s))
    (local.set $end (i32.add (local.get $s) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $at) (local.get $end)))
      (local.set $v (v128.load (local.get $at)))
      (local.set $above (i64x2.sub (local.get $above) (f64x2.gt (local.get $v) (local.get $x))))
      (local.set $ties (i64x2.sub (local.get $ties) (f64x2.eq (local.get $v) (local.get $x))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br $l)))
    (local.set $a (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $above)) (i64x2.extract_lane 1 (local.get $above)))))
    (local.set $t (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $ties)) (i64x2.extract_lane 1 (local.get $ties)))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $a (i32.add (local.get $a) (f64.gt (f64.load (local.get $end)) (local.get $st))))
        (local.set $t (i32.add (local.get $t) (f64.eq (f64.load (local.get $end)) (local.get $st))))))
    (i32.store (local.get $out) (local.get $a))
    (i32.store offset=4 (local.get $out) (local.get $t)))

  ;; Ranking (scoring.ts partScales): over the items i < n with cand[i] = 1 and mask[i] = want (bytes), the smallest
  ;; and largest of a[i] and of b[i] (float64), as a scalar pass finds them: a value counts when it is below the
  ;; smallest so far (above the largest), so NaN never does. At out: a's lo, hi, b's lo, hi (+-Infinity when no item
  ;; counts). Two items at a time, a lane each, lane 0 first when they are combined: equal values have the same bits
  ;; except +0 and -0, and the scores' sums, started from +0, never make -0.
  (func (export "partScales") (param $a i32) (param $b i32) (param $cand i32) (param $mask i32) (param $want i32) (param $n i32) (param $out i32)
    (local $i i32) (local $end i32) (local $keep v128) (local $one v128) (local $w v128) (local $v v128)
    (local $inf v128) (local $ninf v128) (local $aLo v128) (local $aHi v128) (local $bLo v128) (local $bHi v128)
    (local $lo f64) (local $hi f64) (local $blo f64) (local $bhi f64) (local $x f64)
    (local.set $inf (f64x2.splat (f64.const inf)))
    (local.set $ninf (f64x2.splat (f64.const -inf)))
    (local.set $aLo (local.get $inf))
    (local.set $bLo (local.get $inf))
    (local.set $aHi (local.get $ninf))
    (local.set $bHi (local.get $ninf))
    (local.set $one (i64x2.splat (i64.const 1)))
    (local.set $w (i64x2.splat (i64.extend_i32_u (local.get $want))))
    (local.set $end (i32.and (local.get $n) (i32.const -2)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
      ;; bytes i, i+1 of each mask as the two lanes
      (local.set $keep (v128.and
        (i64x2.eq (local.get $one) (i64x2.extend_low_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
          (v128.load16_splat (i32.add (local.get $cand) (local.get $i)))))))
        (i64x2.eq (local.get $w) (i64x2.extend_low_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
          (v128.load16_splat (i32.add (local.get $mask) (local.get $i)))))))))
      (local.set $v (v128.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $aLo (f64x2.pmin (local.get $aLo) (v128.bitselect (local.get $v) (local.get $inf) (local.get $keep))))
      (local.set $aHi (f64x2.pmax (local.get $aHi) (v128.bitselect (local.get $v) (local.get $ninf) (local.get $keep))))
      (local.set $v (v128.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $bLo (f64x2.pmin (local.get $bLo) (v128.bitselect (local.get $v) (local.get $inf) (local.get $keep))))
      (local.set $bHi (f64x2.pmax (local.get $bHi) (v128.bitselect (local.get $v) (local.get $ninf) (local.get $keep))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $l)))
    (local.set $lo (f64x2.extract_lane 0 (local.get $aLo)))
    (local.set $hi (f64x2.extract_lane 0 (local.get $aHi)))
    (local.set $blo (f64x2.extract_lane 0 (local.get $bLo)))
    (local.set $bhi (f64x2.extract_lane 0 (local.get $bHi)))
    (local.set $x (f64x2.extract_lane 1 (local.get $aLo)))
    (if (f64.lt (local.get $x) (local.get $lo)) (then (local.set $lo (local.get $x))))
    (local.set $x (f64x2.extract_lane 1 (local.get $aHi)))
    (if (f64.gt (local.get $x) (local.get $hi)) (then (local.set $hi (local.get $x))))
    (local.set $x (f64x2.extract_lane 1 (local.get $bLo)))
    (if (f64.lt (local.get $x) (local.get $blo)) (then (local.set $blo (local.get $x))))
    (local.set $x (f64x2.extract_lane 1 (local.get $bHi)))
    (if (f64.gt (local.get $x) (local.get $bhi)) (then (local.set $bhi (local.get $x))))
    ;; the last item of an odd n
    (if (i32.and
          (i32.lt_u (local.get $end) (local.get $n))
          (i32.and
            (i32.eq (i32.load8_u (i32.add (local.get $cand) (local.get $end))) (i32.const 1))
            (i32.eq (i32.load8_u (i32.add (local.get $mask) (local.get $end))) (local.get $want))))
      (then
        (local.set $x (f64.load (i32.add (local.get $a) (i32.shl (local.get $end) (i32.const 3)))))
        (if (f64.lt (local.get $x) (local.get $lo)) (then (local.set $lo (local.get $x))))
        (if (f64.gt (local.get $x) (local.get $hi)) (then (local.set $hi (local.get $x))))
        (local.set $x (f64.load (i32.add (local.get $b) (i32.shl (local.get $end) (i32.const 3)))))
        (if (f64.lt (local.get $x) (local.get $blo)) (then (local.set $blo (local.get $x))))
        (if (f64.gt (local.get $x) (local.get $bhi)) (then (local.set $bhi (local.get $x))))))
    (f64.store (local.get $out) (local.get $lo))
    (f64.store offset=8 (local.get $out) (local.get $hi))
    (f64.store offset=16 (local.get $out) (local.get $blo))
    (f64.store offset=24 (local.get $out) (local.get $bhi)))

  ;; Ranking (scoring.ts): score[i] = wm nm + wc nc + wp prior[i] for i < n, added left to right as there, where nm =
  ;; (mf[i] - mLo) / mSpan when mOn, else 0, and nc = (cooc[i] - cLo) / cSpan when cOn, else 0 (a part whose span is
  ;; 0 counts 0): the same float64 operations, a lane each (an off part's quotient is masked to +0, the JS literal).
  (func (export "blendScores") (param $mf i32) (param $cooc i32) (param $prior i32) (param $score i32) (param $n i32)
      (param $mLo f64) (param $mSpan f64) (param $cLo f64) (param $cSpan f64) (param $wm f64) (param $wc f64) (param $wp f64)
      (param $mOn i32) (param $cOn i32)
    (local $o i32) (local $end i32) (local $vmLo v128) (local $vmSpan v128) (local $vcLo v128) (local $vcSpan v128)
    (local $vwm v128) (local $vwc v128) (local $vwp v128) (local $mM v128) (local $cM v128) (local $nm f64) (local $nc f64)
    (local.set $mM (i64x2.splat (i64.extend_i32_s (i32.sub (i32.const 0) (i32.ne (local.get $mOn) (i32.const 0))))))
    (local.set $cM (i64x2.splat (i64.extend_i32_s (i32.sub (i32.const 0) (i32.ne (local.get $cOn) (i32.const 0))))))
    (local.set $vmLo (f64x2.splat (local.get $mLo)))
    (local.set $vmSpan (f64x2.splat (local.get $mSpan)))
    (local.set $vcLo (f64x2.splat (local.get $cLo)))
    (local.set $vcSpan (f64x2.splat (local.get $cSpan)))
    (local.set $vwm (f64x2.splat (local.get $wm)))
    (local.set $vwc (f64x2.splat (local.get $wc)))
    (local.set $vwp (f64x2.splat (local.get $wp)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (v128.store (i32.add (local.get $score) (local.get $o))
        (f64x2.add
          (f64x2.add
            (f64x2.mul (local.get $vwm) (v128.and (local.get $mM)
              (f64x2.div (f64x2.sub (v128.load (i32.add (local.get $mf) (local.get $o))) (local.get $vmLo)) (local.get $vmSpan))))
            (f64x2.mul (local.get $vwc) (v128.and (local.get $cM)
              (f64x2.div (f64x2.sub (v128.load (i32.add (local.get $cooc) (local.get $o))) (local.get $vcLo)) (local.get $vcSpan)))))
          (f64x2.mul (local.get $vwp) (v128.load (i32.add (local.get $prior) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (if (local.get $mOn)
          (then (local.set $nm (f64.div (f64.sub (f64.load (i32.add (local.get $mf) (local.get $end))) (local.get $mLo)) (local.get $mSpan)))))
        (if (local.get $cOn)
          (then (local.set $nc (f64.div (f64.sub (f64.load (i32.add (local.get $cooc) (local.get $end))) (local.get $cLo)) (local.get $cSpan)))))
        (f64.store (i32.add (local.get $score) (local.get $end))
          (f64.add
            (f64.add (f64.mul (local.get $wm) (local.get $nm)) (f64.mul (local.get $wc) (local.get $nc)))
            (f64.mul (local.get $wp) (f64.load (i32.add (local.get $prior) (local.get $end)))))))))

  ;; Ranking: out[i] = init[i] + sum_f x[f] * Q[i, f] for every item i, with Q stored in blocks of 16 items (qt: f32,
  ;; factor f of item i at qt + 4 (16 (k (i / 16) + f) + i % 16): each block's k x 16 values one run of memory, read
  ;; in order), x and init and out f64, n a multiple of 16 (the caller pads). Each item a lane of its own, so every
  ;; item's sum is added in the order of f in float64, as linalg.rowDots adds it: the results are bit-identical. Eight
  ;; sums in flight hide the float64 add's latency.
  (func (export "rowDotsT") (param $qt i32) (param $n i32) (param $k i32) (param $x i32) (param $init i32) (param $out i32)
    (local $i i32) (local $f i32) (local $q i32) (local $o i32) (local $xf v128) (local $v v128) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128) (local $v2 v128) (local $w2 v128)
    (local.set $q (local.get $qt))
    (local.set $i (i32.const 0))
    (block $d16 (loop $l16
      (br_if $d16 (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.add (local.get $init) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $a0 (v128.load (local.get $o)))
      (local.set $a1 (v128.load offset=16 (local.get $o)))
      (local.set $a2 (v128.load offset=32 (local.get $o)))
      (local.set $a3 (v128.load offset=48 (local.get $o)))
      (local.set $a4 (v128.load offset=64 (local.get $o)))
      (local.set $a5 (v128.load offset=80 (local.get $o)))
      (local.set $a6 (v128.load offset=96 (local.get $o)))
      (local.set $a7 (v128.load offset=112 (local.get $o)))
      (local.set $f (i32.const 0))
      (block $dg (loop $lg
        (br_if $dg (i32.ge_u (local.get $f) (local.get $k)))
        (local.set $xf (f64x2.splat (f64.load (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3))))))
        (local.set $v (v128.load (local.get $q)))
        (local.set $w (v128.load offset=16 (local.get $q)))
        (local.set $v2 (v128.load offset=32 (local.get $q)))
        (local.set $w2 (v128.load offset=48 (local.get $q)))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xf) (f64x2.promote_low_f32x4 (local.get $v)))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xf)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))))
        (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $xf) (f64x2.promote_low_f32x4 (local.get $w)))))
        (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $xf)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w))))))
        (local.set $a4 (f64x2.add (local.get $a4) (f64x2.mul (local.get $xf) (f64x2.promote_low_f32x4 (local.get $v2)))))
        (local.set $a5 (f64x2.add (local.get $a5) (f64x2.mul (local.get $xf)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v2) (local.get $v2))))))
        (local.set $a6 (f64x2.add (local.get $a6) (f64x2.mul (local.get $xf) (f64x2.promote_low_f32x4 (local.get $w2)))))
        (local.set $a7 (f64x2.add (local.get $a7) (f64x2.mul (local.get $xf)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w2) (local.get $w2))))))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br $lg)))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
      (v128.store (local.get $o) (local.get $a0))
      (v128.store offset=16 (local.get $o) (local.get $a1))
      (v128.store offset=32 (local.get $o) (local.get $a2))
      (v128.store offset=48 (local.get $o) (local.get $a3))
      (v128.store offset=64 (local.get $o) (local.get $a4))
      (v128.store offset=80 (local.get $o) (local.get $a5))
      (v128.store offset=96 (local.get $o) (local.get $a6))
      (v128.store offset=112 (local.get $o) (local.get $a7))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l16)))
  )
)
