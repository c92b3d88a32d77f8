//===- FusedSamplers.cpp - sampler pipelines compiled by dec --------------===//

#include "bench/FusedSamplers.h"

#include "dialects/Dec/DecDialect.h"
#include "dialects/Logits/LogitsDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>

using namespace dec::bench;

struct FusedSamplers::Impl {
  mlir::MLIRContext context;
  std::map<char, std::unique_ptr<mlir::ExecutionEngine>> engines;
  std::map<char, SamplerFn> functions;
};

std::string FusedSamplers::source(char pipeline) {
  std::string head =
      "func.func @k(%l: memref<?x?xf32>, %h: memref<?x?xi32>, %seeds: memref<?xi64>, "
      "%step: i64, %tok: memref<?xi32>) attributes {llvm.emit_c_interface} {\n";
  std::string sample =
      "  logits.sample %l, %seeds, %step, %tok : memref<?x?xf32>, memref<?xi64>, memref<?xi32>\n"
      "  return\n}\n";
  switch (pipeline) {
  case 'a': // temperature(0.8) | top_k(50) | top_p(0.9) | sample
    return head +
           "  %t = arith.constant 0.8 : f32\n"
           "  logits.temperature %l, %t : memref<?x?xf32>\n"
           "  %k = arith.constant 50 : i64\n"
           "  logits.top_k %l, %k : memref<?x?xf32>\n"
           "  %p = arith.constant 0.9 : f32\n"
           "  logits.top_p %l, %p : memref<?x?xf32>\n" +
           sample;
  case 'b': // repetition_penalty(1.2) | min_p(0.05) | sample
    return head +
           "  %r = arith.constant 1.2 : f32\n"
           "  logits.repetition_penalty %l, %h, %r : memref<?x?xf32>, memref<?x?xi32>\n"
           "  %p = arith.constant 0.05 : f32\n"
           "  logits.min_p %l, %p : memref<?x?xf32>\n" +
           sample;
  default: // greedy
    return head + "  logits.argmax %l, %tok : memref<?x?xf32>, memref<?xi32>\n  return\n}\n";
  }
}

std::unique_ptr<FusedSamplers> FusedSamplers::compile(bool fuse,
                                                      const std::map<char, KernelReplacement> &replacements,
                                                      std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::unique_ptr<FusedSamplers> result(new FusedSamplers());
  result->impl = std::make_unique<Impl>();
  mlir::MLIRContext &ctx = result->impl->context;
  mlir::DialectRegistry registry;
  registry.insert<mlir::logits::LogitsDialect, mlir::dec::DecDialect, mlir::arith::ArithDialect,
                  mlir::cf::ControlFlowDialect, mlir::func::FuncDialect, mlir::index::IndexDialect,
                  mlir::LLVM::LLVMDialect, mlir::math::MathDialect, mlir::memref::MemRefDialect,
                  mlir::scf::SCFDialect, mlir::vector::VectorDialect>();
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  ctx.appendDialectRegistry(registry);
  ctx.loadAllAvailableDialects();

  auto machineBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machineBuilder) {
    error = llvm::toString(machineBuilder.takeError());
    return nullptr;
  }
  auto machine = machineBuilder->createTargetMachine();
  if (!machine) {
    error = llvm::toString(machine.takeError());
    return nullptr;
  }
  for (char pipeline : {'a', 'b', 'c'}) {
    auto replacement = replacements.find(pipeline);
    auto module = replacement != replacements.end()
                      ? mlir::parseSourceString<mlir::ModuleOp>(replacement->second.text, &ctx,
                                                                replacement->second.file)
                      : mlir::parseSourceString<mlir::ModuleOp>(source(pipeline), &ctx);
    if (!module) {
      error = "cannot parse pipeline " + std::string(1, pipeline) + " (diagnostics above)";
      return nullptr;
    }
    if (replacement != replacements.end()) {
      // The benchmark calls @k through the signature of SamplerFn.
      auto expected = mlir::parseSourceString<mlir::ModuleOp>(source(pipeline), &ctx);
      auto want = expected->lookupSymbol<mlir::func::FuncOp>("k");
      auto got = module->lookupSymbol<mlir::func::FuncOp>("k");
      if (!got || got.getFunctionType() != want.getFunctionType() ||
          !got->hasAttr("llvm.emit_c_interface")) {
        std::string type;
        llvm::raw_string_ostream os(type);
        os << want.getFunctionType();
        error = "the kernel for pipeline " + std::string(1, pipeline) +
                " must be a func.func @k of type " + type + " with attributes {llvm.emit_c_interface}";
        return nullptr;
      }
    }
    mlir::PassManager pm(&ctx);
    mlir::dec::LowerToLLVMOptions options;
    options.fuse = fuse;
    mlir::dec::buildLowerToLLVMPipeline(pm, options);
    if (mlir::failed(pm.run(*module))) {
      error = "cannot lower pipeline " + std::string(1, pipeline);
      return nullptr;
    }
    auto optimize = mlir::makeOptimizingTransformer(3, 0, machine->get());
    mlir::ExecutionEngineOptions engineOptions;
    engineOptions.transformer = optimize;
    engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
    // perf can name the kernels (perf record -k 1 + perf inject --jit) when asked.
    engineOptions.enablePerfNotificationListener = std::getenv("DEC_BENCH_PERF") != nullptr;
    auto engine = mlir::ExecutionEngine::create(*module, engineOptions);
    if (!engine) {
      error = llvm::toString(engine.takeError());
      return nullptr;
    }
    auto symbol = (*engine)->lookup("_mlir_ciface_k");
    if (!symbol) {
      error = llvm::toString(symbol.takeError());
      return nullptr;
    }
    result->impl->functions[pipeline] = reinterpret_cast<SamplerFn>(*symbol);
    result->impl->engines[pipeline] = std::move(*engine);
  }
  return result;
}

FusedSamplers::~FusedSamplers() = default;

SamplerFn FusedSamplers::get(char pipeline) const { return impl->functions.at(pipeline); }
