;; The explicit SGD kernel in WebAssembly with 128-bit SIMD (f32x4), hand-written; sgdKernel.ts loads it.
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
    (local.get $sse)))
