// Pipeline (a) without its top-k and top-p: samples far outside the top 50.
func.func @k(%l: memref<?x?xf32>, %h: memref<?x?xi32>, %seeds: memref<?xi64>, %step: i64, %tok: memref<?xi32>) attributes {llvm.emit_c_interface} {
  %t = arith.constant 0.8 : f32
  logits.temperature %l, %t : memref<?x?xf32>
  logits.sample %l, %seeds, %step, %tok : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  return
}
