// Samples instead of taking the argmax.
func.func @k(%l: memref<?x?xf32>, %h: memref<?x?xi32>, %seeds: memref<?xi64>, %step: i64, %tok: memref<?xi32>) attributes {llvm.emit_c_interface} {
  logits.sample %l, %seeds, %step, %tok : memref<?x?xf32>, memref<?xi64>, memref<?xi32>
  return
}
