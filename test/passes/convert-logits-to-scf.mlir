// The loop structure of each logits op's lowering, so that a lowering that
// silently changes shape (an extra pass over the row, a lost guard, a
// different reduction) breaks this test. Semantics are tested by executing
// the lowering: convert-logits-to-scf-exec*.mlir and unit/LogitsKernelsTest.
// RUN: dec-opt %s -split-input-file -convert-logits-to-scf | FileCheck %s
// RUN: dec-opt %s -split-input-file -convert-logits-to-scf | FileCheck %s --check-prefix=LOOPS

// One pass: l / t.
// CHECK-LABEL: func.func @temperature(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[T:[^:]+]]: f32)
// CHECK-NOT:     logits.
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           scf.for %[[V:.*]] = %{{.*}} to %[[VOCAB]] step
// CHECK:             %[[X:.*]] = memref.load %[[L]][%[[ROW]], %[[V]]]
// CHECK:             %[[Y:.*]] = arith.divf %[[X]], %[[T]] : f32
// CHECK:             memref.store %[[Y]], %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 2 loops: rows, vocabulary.
// LOOPS-LABEL: func.func @temperature(
// LOOPS-COUNT-2: scf.for
// LOOPS-NOT:     scf.for
func.func @temperature(%l: memref<?x?xf32>, %t: f32) {
  logits.temperature %l, %t : memref<?x?xf32>
  return
}

// -----

// k is clamped to >= 1; skipped when k >= vocab. Per row, 4 radix rounds over the order-preserving
// keys (bytes 24, 16, 8, 0), each: clear the 256-bin histogram, count the
// byte of the keys matching the prefix in one pass over the row, scan the
// bins from the top for the k-th key. Then one filter pass.
// CHECK-LABEL: func.func @top_k(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[K:[^:]+]]: i64)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         %[[V64:.*]] = arith.index_cast %[[VOCAB]] : index to i64
// CHECK:         %[[RANK:.*]] = arith.maxsi %[[K]], %{{.*}} : i64
// CHECK:         %[[ACTIVE:.*]] = arith.cmpi slt, %[[RANK]], %[[V64]] : i64
// CHECK:         scf.if %[[ACTIVE]] {
// CHECK:           %[[COUNTS:.*]] = memref.alloca() : memref<256xi32>
// CHECK:           scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// Four radix rounds, one loop: the round's shift is 24 - 8 * round.
// CHECK:             scf.for %{{.*}} = %{{.*}} to %c4 step %{{.*}} iter_args({{.*}}) -> (i32, i32, i64)
// CHECK:               %[[DONE:.*]] = arith.muli %{{.*}}, %c8_i32 : i32
// CHECK:               %[[SHIFT:.*]] = arith.subi %c24_i32, %[[DONE]] : i32
// CHECK:               scf.for %{{.*}} = %{{.*}} to %c256{{.*}} step
// CHECK:                 memref.store %{{.*}}, %[[COUNTS]]
// CHECK:               scf.for %{{.*}} = %{{.*}} to %[[VOCAB]] step
// CHECK:                 %[[X0:.*]] = memref.load %[[L]][%[[ROW]],
// The key: -0.0 becomes +0.0, negative floats have their bits flipped,
// positive ones the sign bit set, NaN is 0.
// CHECK:                 %[[ZERO:.*]] = arith.cmpf oeq, %[[X0]]
// CHECK:                 %[[CANON:.*]] = arith.select %[[ZERO]], %{{.*}}, %[[X0]] : f32
// CHECK:                 arith.bitcast %[[CANON]] : f32 to i32
// CHECK:                 arith.cmpf ord, %[[X0]], %[[X0]]
// CHECK:                 scf.if
// CHECK:                   arith.shrui %{{.*}}, %[[SHIFT]]
// CHECK:                   memref.store %{{.*}}, %[[COUNTS]]
// CHECK:               scf.for {{.*}} to %c256{{.*}} iter_args({{.*}}) -> (i64, i32, i1)
//
// The filter: -inf where key < the k-th key (unsigned).
// CHECK:             scf.for %[[V:.*]] = %{{.*}} to %[[VOCAB]] step
// CHECK:               %[[X:.*]] = memref.load %[[L]][%[[ROW]], %[[V]]]
// CHECK:               %[[BELOW:.*]] = arith.cmpi ult
// CHECK:               %[[Y:.*]] = arith.select %[[BELOW]], %{{.*}}, %[[X]] : f32
// CHECK:               memref.store %[[Y]], %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 6 loops: rows, rounds, (clear, histogram, scan), filter.
// LOOPS-LABEL: func.func @top_k(
// LOOPS-COUNT-6: scf.for
// LOOPS-NOT:     scf.for
func.func @top_k(%l: memref<?x?xf32>, %k: i64) {
  logits.top_k %l, %k : memref<?x?xf32>
  return
}

// -----

// Skipped when p >= 1 (not when p is NaN), and per row when no logit is above
// -inf. Per row: the max, the f64 mass, the budget (at least the smallest
// positive double, so p <= 0 keeps the most likely tokens), then 4 radix rounds whose histograms hold a count and an
// f64 mass per byte value (the scan descends the bins until the mass above
// reaches p * mass), then one filter pass.
// CHECK-LABEL: func.func @top_p(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[P:[^:]+]]: f32)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         %[[ACTIVE:.*]] = arith.cmpf ult, %[[P]], %{{.*}} : f32
// CHECK:         scf.if %[[ACTIVE]] {
// CHECK:           %[[COUNTS:.*]] = memref.alloca() : memref<256xi32>
// CHECK:           %[[MASSES:.*]] = memref.alloca() : memref<256xf64>
// CHECK:           scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:             %[[MAX:.*]] = scf.for {{.*}} to %[[VOCAB]] {{.*}} -> (f32)
// CHECK:               arith.maxnumf
// CHECK:             %[[HAS:.*]] = arith.cmpf ogt, %[[MAX]]
// CHECK:             scf.if %[[HAS]] {
// CHECK:               %[[MASS:.*]] = scf.for {{.*}} to %[[VOCAB]] {{.*}} -> (f64)
// CHECK:                 math.exp
// CHECK:               %[[PD:.*]] = arith.extf %[[P]] : f32 to f64
// CHECK:               %[[SHARE:.*]] = arith.mulf %[[PD]], %[[MASS]] : f64
// CHECK:               %[[BUDGET:.*]] = arith.maxnumf %[[SHARE]], %{{.*}} : f64
// Four radix rounds, one loop, carrying the budget left below the prefix.
// CHECK:               scf.for %{{.*}} = %{{.*}} to %c4 step %{{.*}} iter_args({{.*}}, %[[LEFT:.*]] = %[[BUDGET]]) -> (i32, i32, f64)
// CHECK:                 %[[SHIFT:.*]] = arith.subi %c24_i32, %{{.*}} : i32
// CHECK:                 scf.for %{{.*}} = %{{.*}} to %c256{{.*}} step
// CHECK:                   memref.store %{{.*}}, %[[COUNTS]]
// CHECK:                   memref.store %{{.*}}, %[[MASSES]]
// CHECK:                 scf.for %{{.*}} = %{{.*}} to %[[VOCAB]] step
// CHECK:                   scf.if
// CHECK:                     arith.shrui %{{.*}}, %[[SHIFT]]
// CHECK:                     memref.store %{{.*}}, %[[COUNTS]]
// CHECK:                     math.exp
// CHECK:                     memref.store %{{.*}}, %[[MASSES]]
// CHECK:                 scf.for {{.*}} to %c256{{.*}} iter_args({{.*}}) -> (f64, i32, f64, i1)
// CHECK:                   arith.cmpf olt, %{{.*}}, %[[LEFT]] : f64
//
// CHECK:               scf.for %[[V:.*]] = %{{.*}} to %[[VOCAB]] step
// CHECK:                 %[[X:.*]] = memref.load %[[L]][%[[ROW]], %[[V]]]
// CHECK:                 %[[BELOW:.*]] = arith.cmpi ult
// CHECK:                 %[[Y:.*]] = arith.select %[[BELOW]], %{{.*}}, %[[X]] : f32
// CHECK:                 memref.store %[[Y]], %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 8 loops: rows, max, mass, rounds, (clear, histogram, scan), filter.
// LOOPS-LABEL: func.func @top_p(
// LOOPS-COUNT-8: scf.for
// LOOPS-NOT:     scf.for
func.func @top_p(%l: memref<?x?xf32>, %p: f32) {
  logits.top_p %l, %p : memref<?x?xf32>
  return
}

// -----

// Per row: the max, then one pass keeping weight(l) >= p, where the weight is
// exp(l - max) except 1 for the maximum itself and 0 for NaN and -inf.
// CHECK-LABEL: func.func @min_p(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[P:[^:]+]]: f32)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           %[[MAX:.*]] = scf.for {{.*}} to %[[VOCAB]] {{.*}} -> (f32)
// CHECK:             arith.maxnumf
// CHECK:           scf.for %[[V:.*]] = %{{.*}} to %[[VOCAB]] step
// CHECK:             %[[X:.*]] = memref.load %[[L]][%[[ROW]], %[[V]]]
// CHECK:             %[[ISNUM:.*]] = arith.cmpf ord, %[[X]], %[[X]] : f32
// CHECK:             %[[FINITE:.*]] = arith.cmpf ogt, %[[X]], %{{.*}} : f32
// CHECK:             %[[COUNTS:.*]] = arith.andi %[[ISNUM]], %[[FINITE]] : i1
// CHECK:             %[[ISMAX:.*]] = arith.cmpf oeq, %[[X]], %[[MAX]] : f32
// CHECK:             %[[D:.*]] = arith.subf %[[X]], %[[MAX]] : f32
// CHECK:             %[[E:.*]] = math.exp %[[D]] : f32
// CHECK:             %[[E1:.*]] = arith.select %[[ISMAX]], %{{.*}}, %[[E]] : f32
// CHECK:             %[[W:.*]] = arith.select %[[COUNTS]], %[[E1]], %{{.*}} : f32
// CHECK:             %[[KEEP:.*]] = arith.cmpf oge, %[[W]], %[[P]] : f32
// CHECK:             %[[Y:.*]] = arith.select %[[KEEP]], %[[X]], %{{.*}} : f32
// CHECK:             memref.store %[[Y]], %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 3 loops: rows, max, filter.
// LOOPS-LABEL: func.func @min_p(
// LOOPS-COUNT-3: scf.for
// LOOPS-NOT:     scf.for
func.func @min_p(%l: memref<?x?xf32>, %p: f32) {
  logits.min_p %l, %p : memref<?x?xf32>
  return
}

// -----

// A ceil(vocab / 32)-word "seen" bitset on the stack, cleared per row; one
// pass over the history; a token is scaled only the first time it is seen.
// CHECK-LABEL: func.func @repetition_penalty(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[H:[^:]+]]: memref<?x?xi32>, %[[R:[^:]+]]: f32)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[N:.*]] = memref.dim %[[H]], %c1
// CHECK:         %[[WORDS:.*]] = arith.divui
// CHECK:         %[[SEEN:.*]] = memref.alloca(%[[WORDS]]) : memref<?xi32>
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[WORDS]] step
// CHECK:             memref.store %{{.*}}, %[[SEEN]]
// CHECK:           scf.for %[[J:.*]] = %{{.*}} to %[[N]] step
// CHECK:             %[[T:.*]] = memref.load %[[H]][%[[ROW]], %[[J]]]
// CHECK:             arith.cmpi sge, %[[T]]
// CHECK:             arith.cmpi slt, %[[T]]
// CHECK:             scf.if
// CHECK:               memref.load %[[SEEN]]
// CHECK:               scf.if
// CHECK:                 arith.ori
// CHECK:                 memref.store %{{.*}}, %[[SEEN]]
// CHECK:                 %[[V:.*]] = arith.index_castui %[[T]] : i32 to index
// CHECK:                 %[[X:.*]] = memref.load %[[L]][%[[ROW]], %[[V]]]
// CHECK:                 %[[NEG:.*]] = arith.cmpf olt, %[[X]]
// CHECK:                 %[[MUL:.*]] = arith.mulf %[[X]], %[[R]] : f32
// CHECK:                 %[[DIV:.*]] = arith.divf %[[X]], %[[R]] : f32
// CHECK:                 %[[Y:.*]] = arith.select %[[NEG]], %[[MUL]], %[[DIV]] : f32
// CHECK:                 memref.store %[[Y]], %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 3 loops: rows, clear the bitset, history.
// LOOPS-LABEL: func.func @repetition_penalty(
// LOOPS-COUNT-3: scf.for
// LOOPS-NOT:     scf.for
func.func @repetition_penalty(%l: memref<?x?xf32>, %h: memref<?x?xi32>, %r: f32) {
  logits.repetition_penalty %l, %h, %r : memref<?x?xf32>, memref<?x?xi32>
  return
}

// -----

// One pass over the ids per row; ids outside [0, vocab) skipped.
// CHECK-LABEL: func.func @suppress(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[IDS:[^:]+]]: memref<?xi32>)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[COUNT:.*]] = memref.dim %[[IDS]], %c0
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           scf.for %[[I:.*]] = %{{.*}} to %[[COUNT]] step
// CHECK:             %[[T:.*]] = memref.load %[[IDS]][%[[I]]]
// CHECK:             %[[GE:.*]] = arith.cmpi sge, %[[T]]
// CHECK:             %[[LT:.*]] = arith.cmpi slt, %[[T]]
// CHECK:             %[[IN:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK:             scf.if %[[IN]] {
// CHECK:               %[[V:.*]] = arith.index_castui %[[T]]
// CHECK:               memref.store %{{.*}}, %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 2 loops: rows, ids.
// LOOPS-LABEL: func.func @suppress(
// LOOPS-COUNT-2: scf.for
// LOOPS-NOT:     scf.for
func.func @suppress(%l: memref<?x?xf32>, %ids: memref<?xi32>) {
  logits.suppress %l, %ids : memref<?x?xf32>, memref<?xi32>
  return
}

// -----

// One pass: bit v % 32 of word v / 32 of the row's bitset.
// CHECK-LABEL: func.func @mask(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[BITS:[^:]+]]: memref<?x?xi32>)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           scf.for %[[V:.*]] = %{{.*}} to %[[VOCAB]] step
// CHECK:             %[[X:.*]] = memref.load %[[L]][%[[ROW]], %[[V]]]
// CHECK:             %[[W:.*]] = arith.divui %[[V]], %c32
// CHECK:             %[[WORD:.*]] = memref.load %[[BITS]][%[[ROW]], %[[W]]]
// CHECK:             arith.remui %[[V]], %c32
// CHECK:             arith.index_castui
// CHECK:             arith.shrui %[[WORD]]
// CHECK:             %[[Y:.*]] = arith.select %{{.*}}, %[[X]], %{{.*}} : f32
// CHECK:             memref.store %[[Y]], %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 2 loops: rows, vocabulary.
// LOOPS-LABEL: func.func @mask(
// LOOPS-COUNT-2: scf.for
// LOOPS-NOT:     scf.for
func.func @mask(%l: memref<?x?xf32>, %bits: memref<?x?xi32>) {
  logits.mask %l, %bits : memref<?x?xf32>, memref<?x?xi32>
  return
}

// -----

// Per row, three passes: max, f64 mass, then exp(l - max) * (1 / mass), or 0
// when the row has no logit above -inf.
// CHECK-LABEL: func.func @softmax(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           %[[MAX:.*]] = scf.for {{.*}} to %[[VOCAB]] {{.*}} -> (f32)
// CHECK:             arith.maxnumf
// CHECK:           %[[HAS:.*]] = arith.cmpf ogt, %[[MAX]]
// CHECK:           %[[MASS:.*]] = scf.for {{.*}} to %[[VOCAB]] {{.*}} -> (f64)
// CHECK:             math.exp
// CHECK:           %[[MASS32:.*]] = arith.truncf %[[MASS]] : f64 to f32
// CHECK:           %[[INV:.*]] = arith.divf %{{.*}}, %[[MASS32]] : f32
// CHECK:           scf.for %[[V:.*]] = %{{.*}} to %[[VOCAB]] step
// CHECK:             math.exp
// CHECK:             %[[Q:.*]] = arith.mulf %{{.*}}, %[[INV]] : f32
// CHECK:             %[[Y:.*]] = arith.select %[[HAS]], %[[Q]], %{{.*}} : f32
// CHECK:             memref.store %[[Y]], %[[L]][%[[ROW]], %[[V]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 4 loops: rows, max, mass, normalise.
// LOOPS-LABEL: func.func @softmax(
// LOOPS-COUNT-4: scf.for
// LOOPS-NOT:     scf.for
func.func @softmax(%l: memref<?x?xf32>) {
  logits.softmax %l : memref<?x?xf32>
  return
}

// -----

// One pass per row carrying (best value, best id) from (-inf, -1); strictly
// greater (ogt) keeps the first maximum and never picks NaN.
// CHECK-LABEL: func.func @argmax(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[TOK:[^:]+]]: memref<?xi32>)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           %[[BEST:.*]]:2 = scf.for %[[V:.*]] = %{{.*}} to %[[VOCAB]] step %{{.*}} iter_args(%[[BV:.*]] = %{{.*}}, %[[BI:.*]] = %c-1_i32) -> (f32, i32)
// CHECK:             %[[X:.*]] = memref.load %[[L]][%[[ROW]], %[[V]]]
// CHECK:             %[[GT:.*]] = arith.cmpf ogt, %[[X]], %[[BV]] : f32
// CHECK:             %[[ID:.*]] = arith.index_castui %[[V]]
// CHECK:             %[[NV:.*]] = arith.select %[[GT]], %[[X]], %[[BV]] : f32
// CHECK:             %[[NI:.*]] = arith.select %[[GT]], %[[ID]], %[[BI]] : i32
// CHECK:             scf.yield %[[NV]], %[[NI]] : f32, i32
// CHECK:           memref.store %[[BEST]]#1, %[[TOK]][%[[ROW]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 2 loops: rows, vocabulary.
// LOOPS-LABEL: func.func @argmax(
// LOOPS-COUNT-2: scf.for
// LOOPS-NOT:     scf.for
func.func @argmax(%l: memref<?x?xf32>, %tok: memref<?xi32>) {
  logits.argmax %l, %tok : memref<?x?xf32>, memref<?xi32>
  return
}

// -----

// Per row: the max; when a logit is above -inf, the f64 mass, the seed, 10
// Philox rounds (2 32x32->64 multiplies each), u from the top 24 bits of the
// first word, then a scf.while walking the running sum to u * mass; else -1.
// CHECK-LABEL: func.func @sample(
// CHECK-SAME:      %[[L:[^:]+]]: memref<?x?xf32>, %[[SEEDS:[^:]+]]: memref<?xi64>, %[[STEP:[^:]+]]: i64, %[[TOK:[^:]+]]: memref<?xi32>)
// CHECK:         %[[BATCH:.*]] = memref.dim %[[L]], %c0
// CHECK:         %[[VOCAB:.*]] = memref.dim %[[L]], %c1
// CHECK:         scf.for %[[ROW:.*]] = %{{.*}} to %[[BATCH]] step
// CHECK:           %[[MAX:.*]] = scf.for {{.*}} to %[[VOCAB]] {{.*}} -> (f32)
// CHECK:           %[[HAS:.*]] = arith.cmpf ogt, %[[MAX]]
// CHECK:           %[[TOKEN:.*]] = scf.if %[[HAS]] -> (i32) {
// CHECK:             %[[MASS:.*]] = scf.for {{.*}} to %[[VOCAB]] {{.*}} -> (f64)
// CHECK:             %[[SEED:.*]] = memref.load %[[SEEDS]][%[[ROW]]]
// CHECK:             arith.trunci %[[STEP]] : i64 to i32
// CHECK:             arith.trunci %[[SEED]] : i64 to i32
// CHECK-COUNT-20:    arith.mului_extended
// CHECK-NOT:         arith.mului_extended
// CHECK:             %[[TOP24:.*]] = arith.shrui %{{.*}}, %c8_i32 : i32
// CHECK:             %[[UF:.*]] = arith.uitofp %[[TOP24]] : i32 to f32
// CHECK:             %[[U:.*]] = arith.mulf %[[UF]], %{{.*}} : f32
// CHECK:             %[[UD:.*]] = arith.extf %[[U]] : f32 to f64
// CHECK:             %[[TARGET:.*]] = arith.mulf %[[UD]], %[[MASS]] : f64
// CHECK:             %[[WALK:.*]]:4 = scf.while ({{.*}}) : (index, f64, index) -> (index, f64, index, i1) {
// CHECK:               memref.load %[[L]][%[[ROW]],
// CHECK:               math.exp
// CHECK:               arith.cmpf ogt, %{{.*}}, %[[TARGET]] : f64
// CHECK:               scf.condition
// CHECK:             } do {
// CHECK:             %[[CHOSEN:.*]] = arith.select %[[WALK]]#3, %[[WALK]]#0, %[[WALK]]#2 : index
// CHECK:             %[[C32:.*]] = arith.index_castui %[[CHOSEN]] : index to i32
// CHECK:             scf.yield %[[C32]] : i32
// CHECK:           } else {
// CHECK:             scf.yield %c-1_i32 : i32
// CHECK:           memref.store %[[TOKEN]], %[[TOK]][%[[ROW]]]
// CHECK-NOT:     scf.
// CHECK:         return
// Exactly 3 loops: rows, max, mass; the walk is the scf.while.
// LOOPS-LABEL: func.func @sample(
// LOOPS-COUNT-3: scf.for
// LOOPS-NOT:     scf.for
// LOOPS:         scf.while
// LOOPS-NOT:     scf.{{for|while}}
func.func @sample(%l: memref<?x?xf32>, %seeds: memref<?xi64>, %step: i64, %tok: memref<?xi32>) {
  logits.sample %l, %seeds, %step, %tok : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  return
}
