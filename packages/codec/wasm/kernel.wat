;; The WebAssembly SIMD kernel of @tessera/codec: rows of a GF(2^8) matrix times k blocks.
;;
;; Compiled by `npm run gen:wasm` (packages/codec/scripts/build-wasm.mjs, wabt with SIMD)
;; into src/kernel-wasm-bytes.ts; a test checks the two agree.
;;
;; Multiplying a byte x by a constant c in GF(2^8) is linear over XOR, so
;;   c ⊗ x = c ⊗ (x & 0x0f)  ^  c ⊗ (x & 0xf0) = lo_c[x & 15] ^ hi_c[x >> 4]
;; where lo_c and hi_c are 16-entry tables. i8x16.swizzle looks up 16 bytes at once
;; (pshufb on x86, tbl on ARM), as ISA-L and klauspost/reedsolomon do.
;;
;; Memory layout, prepared by src/kernel-wasm.ts:
;;   tbl   the coefficient tables, 32 bytes each (lo then hi), in the order the passes
;;         read them: rows in groups of up to 4; within a group, for input c = 0..k-1,
;;         the tables of each of the group's rows for input c.
;;   in    k input chunks, `stride` bytes apart.
;;   out   `rows` output chunks, `stride` bytes apart.
;; `len` and `stride` are multiples of 32: bytes past the caller's data are padding whose
;; products are computed and ignored, so no scalar tail loop is needed.
;;
;; A pass reads 32 bytes of every input once and keeps the sums of up to 4 outputs in
;; registers (8 accumulators): each input load and nibble split is shared by 4 outputs and
;; each table load by 2 vectors. Wider groups and wider steps measured no faster.
(module
  ;; Fixed size (4 MiB), never grown: growing detaches the old ArrayBuffer, and the first
  ;; detach in a process makes V8 guard every typed-array access in optimized JS code with a
  ;; detach check (measured: a lookup-table loop went 1.7 ms → 2.7 ms, process-wide). The
  ;; caller sizes its chunks to fit: tables ≤ 128·128·32 bytes (rows + k ≤ n ≤ 256), the
  ;; rest split among the k + rows blocks.
  (memory (export "memory") 64 64)

  ;; out[j] = XOR over c of M[j][c] ⊗ in[c] for j in [0, rows), bytes [0, len).
  (func (export "mul") (param $tbl i32) (param $in i32) (param $stride i32) (param $k i32)
        (param $out i32) (param $rows i32) (param $len i32)
    (local $g i32)
    (block $done
      (loop $groups
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $g
          (select (i32.const 4) (local.get $rows) (i32.gt_u (local.get $rows) (i32.const 4))))
        (if (i32.eq (local.get $g) (i32.const 4))
          (then (call $mul4 (local.get $tbl) (local.get $in) (local.get $stride) (local.get $k)
                            (local.get $out) (local.get $len)))
          (else (if (i32.eq (local.get $g) (i32.const 3))
            (then (call $mul3 (local.get $tbl) (local.get $in) (local.get $stride) (local.get $k)
                              (local.get $out) (local.get $len)))
            (else (if (i32.eq (local.get $g) (i32.const 2))
              (then (call $mul2 (local.get $tbl) (local.get $in) (local.get $stride) (local.get $k)
                                (local.get $out) (local.get $len)))
              (else (call $mul1 (local.get $tbl) (local.get $in) (local.get $stride) (local.get $k)
                                (local.get $out) (local.get $len))))))))
        ;; Next group: its tables follow this group's g·k tables.
        (local.set $tbl
          (i32.add (local.get $tbl) (i32.shl (i32.mul (local.get $g) (local.get $k)) (i32.const 5))))
        (local.set $out (i32.add (local.get $out) (i32.mul (local.get $g) (local.get $stride))))
        (local.set $rows (i32.sub (local.get $rows) (local.get $g)))
        (br $groups))))

  ;; 4 outputs per pass: 8 accumulators (2 vectors = 32 bytes per output).
  (func $mul4 (param $tbl i32) (param $in i32) (param $stride i32) (param $k i32)
        (param $out i32) (param $len i32)
    (local $p i32) (local $ip i32) (local $tp i32) (local $c i32) (local $o i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128) (local $a2 v128) (local $b2 v128) (local $a3 v128) (local $b3 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (block $done
      (loop $column
        (br_if $done (i32.ge_u (local.get $p) (local.get $len)))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $b0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $b2 (v128.const i64x2 0 0))
        (local.set $a3 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
        (local.set $ip (i32.add (local.get $in) (local.get $p)))
        (local.set $tp (local.get $tbl))
        (local.set $c (local.get $k))
        (loop $inputs
          ;; Split 32 bytes of input c into low and high nibbles.
          (local.set $x (v128.load (local.get $ip)))
          (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $x (v128.load offset=16 (local.get $ip)))
          (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          ;; Output 0: coefficient tables at tp + 0.
          (local.set $lo (v128.load offset=0 (local.get $tp)))
          (local.set $hi (v128.load offset=16 (local.get $tp)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b0 (v128.xor (local.get $b0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          ;; Output 1: coefficient tables at tp + 32.
          (local.set $lo (v128.load offset=32 (local.get $tp)))
          (local.set $hi (v128.load offset=48 (local.get $tp)))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b1 (v128.xor (local.get $b1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          ;; Output 2: coefficient tables at tp + 64.
          (local.set $lo (v128.load offset=64 (local.get $tp)))
          (local.set $hi (v128.load offset=80 (local.get $tp)))
          (local.set $a2 (v128.xor (local.get $a2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b2 (v128.xor (local.get $b2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          ;; Output 3: coefficient tables at tp + 96.
          (local.set $lo (v128.load offset=96 (local.get $tp)))
          (local.set $hi (v128.load offset=112 (local.get $tp)))
          (local.set $a3 (v128.xor (local.get $a3) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b3 (v128.xor (local.get $b3) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          (local.set $tp (i32.add (local.get $tp) (i32.const 128)))
          (local.set $ip (i32.add (local.get $ip) (local.get $stride)))
          (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (local.get $p)))
        (v128.store (local.get $o) (local.get $a0)) (v128.store offset=16 (local.get $o) (local.get $b0))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a1)) (v128.store offset=16 (local.get $o) (local.get $b1))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a2)) (v128.store offset=16 (local.get $o) (local.get $b2))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a3)) (v128.store offset=16 (local.get $o) (local.get $b3))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $column))))

  ;; 3 outputs per pass: 6 accumulators (2 vectors = 32 bytes per output).
  (func $mul3 (param $tbl i32) (param $in i32) (param $stride i32) (param $k i32)
        (param $out i32) (param $len i32)
    (local $p i32) (local $ip i32) (local $tp i32) (local $c i32) (local $o i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128) (local $a2 v128) (local $b2 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (block $done
      (loop $column
        (br_if $done (i32.ge_u (local.get $p) (local.get $len)))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $b0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $b2 (v128.const i64x2 0 0))
        (local.set $ip (i32.add (local.get $in) (local.get $p)))
        (local.set $tp (local.get $tbl))
        (local.set $c (local.get $k))
        (loop $inputs
          ;; Split 32 bytes of input c into low and high nibbles.
          (local.set $x (v128.load (local.get $ip)))
          (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $x (v128.load offset=16 (local.get $ip)))
          (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          ;; Output 0: coefficient tables at tp + 0.
          (local.set $lo (v128.load offset=0 (local.get $tp)))
          (local.set $hi (v128.load offset=16 (local.get $tp)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b0 (v128.xor (local.get $b0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          ;; Output 1: coefficient tables at tp + 32.
          (local.set $lo (v128.load offset=32 (local.get $tp)))
          (local.set $hi (v128.load offset=48 (local.get $tp)))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b1 (v128.xor (local.get $b1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          ;; Output 2: coefficient tables at tp + 64.
          (local.set $lo (v128.load offset=64 (local.get $tp)))
          (local.set $hi (v128.load offset=80 (local.get $tp)))
          (local.set $a2 (v128.xor (local.get $a2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b2 (v128.xor (local.get $b2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          (local.set $tp (i32.add (local.get $tp) (i32.const 96)))
          (local.set $ip (i32.add (local.get $ip) (local.get $stride)))
          (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (local.get $p)))
        (v128.store (local.get $o) (local.get $a0)) (v128.store offset=16 (local.get $o) (local.get $b0))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a1)) (v128.store offset=16 (local.get $o) (local.get $b1))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a2)) (v128.store offset=16 (local.get $o) (local.get $b2))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $column))))

  ;; 2 outputs per pass: 4 accumulators (2 vectors = 32 bytes per output).
  (func $mul2 (param $tbl i32) (param $in i32) (param $stride i32) (param $k i32)
        (param $out i32) (param $len i32)
    (local $p i32) (local $ip i32) (local $tp i32) (local $c i32) (local $o i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (block $done
      (loop $column
        (br_if $done (i32.ge_u (local.get $p) (local.get $len)))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $b0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $ip (i32.add (local.get $in) (local.get $p)))
        (local.set $tp (local.get $tbl))
        (local.set $c (local.get $k))
        (loop $inputs
          ;; Split 32 bytes of input c into low and high nibbles.
          (local.set $x (v128.load (local.get $ip)))
          (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $x (v128.load offset=16 (local.get $ip)))
          (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          ;; Output 0: coefficient tables at tp + 0.
          (local.set $lo (v128.load offset=0 (local.get $tp)))
          (local.set $hi (v128.load offset=16 (local.get $tp)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b0 (v128.xor (local.get $b0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          ;; Output 1: coefficient tables at tp + 32.
          (local.set $lo (v128.load offset=32 (local.get $tp)))
          (local.set $hi (v128.load offset=48 (local.get $tp)))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b1 (v128.xor (local.get $b1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          (local.set $tp (i32.add (local.get $tp) (i32.const 64)))
          (local.set $ip (i32.add (local.get $ip) (local.get $stride)))
          (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (local.get $p)))
        (v128.store (local.get $o) (local.get $a0)) (v128.store offset=16 (local.get $o) (local.get $b0))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (v128.store (local.get $o) (local.get $a1)) (v128.store offset=16 (local.get $o) (local.get $b1))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $column))))

  ;; 1 output per pass: 2 accumulators (2 vectors = 32 bytes per output).
  (func $mul1 (param $tbl i32) (param $in i32) (param $stride i32) (param $k i32)
        (param $out i32) (param $len i32)
    (local $p i32) (local $ip i32) (local $tp i32) (local $c i32) (local $o i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $a0 v128) (local $b0 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (block $done
      (loop $column
        (br_if $done (i32.ge_u (local.get $p) (local.get $len)))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $b0 (v128.const i64x2 0 0))
        (local.set $ip (i32.add (local.get $in) (local.get $p)))
        (local.set $tp (local.get $tbl))
        (local.set $c (local.get $k))
        (loop $inputs
          ;; Split 32 bytes of input c into low and high nibbles.
          (local.set $x (v128.load (local.get $ip)))
          (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          (local.set $x (v128.load offset=16 (local.get $ip)))
          (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
          (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
          ;; Output 0: coefficient tables at tp + 0.
          (local.set $lo (v128.load offset=0 (local.get $tp)))
          (local.set $hi (v128.load offset=16 (local.get $tp)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
          (local.set $b0 (v128.xor (local.get $b0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
          (local.set $tp (i32.add (local.get $tp) (i32.const 32)))
          (local.set $ip (i32.add (local.get $ip) (local.get $stride)))
          (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
        (local.set $o (i32.add (local.get $out) (local.get $p)))
        (v128.store (local.get $o) (local.get $a0)) (v128.store offset=16 (local.get $o) (local.get $b0))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $column))))
)
