//===- Backend.cpp - from the dec dialect to a shared library -------------===//

#include "tools/decc/Backend.h"

#include "passes/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>

using namespace dec;

mlir::LogicalResult dec::lowerToLLVMDialect(mlir::ModuleOp module) {
  mlir::PassManager pm(module->getContext());
  mlir::dec::buildLowerToLLVMPipeline(pm);
  return pm.run(module);
}

namespace {

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const BackendOptions &options,
                                                         std::string &error) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu, features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") + std::string(feature.second ? "+" : "-") +
                  feature.first().str();
  }
  llvm::CodeGenOptLevel level = options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
                                : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                                        : llvm::CodeGenOptLevel::None;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine)
    error = "cannot create a target machine for " + triple.str() + " (cpu '" + cpu + "')";
  return machine;
}

} // namespace

std::unique_ptr<llvm::Module> dec::translateAndOptimize(mlir::ModuleOp module,
                                                       llvm::LLVMContext &context,
                                                       const BackendOptions &options,
                                                       std::string &error) {
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);

  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, "dec-program");
  if (!llvmModule) {
    error = "cannot translate the program to LLVM IR";
    return nullptr;
  }
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  if (!machine)
    return nullptr;
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  if (options.optLevel == 0)
    return llvmModule;

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(machine.get());
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = options.optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : options.optLevel == 2 ? llvm::OptimizationLevel::O2
                                                          : llvm::OptimizationLevel::O1;
  builder.buildPerModuleDefaultPipeline(level).run(*llvmModule, mam);
  return llvmModule;
}

bool dec::emitMachineCode(llvm::Module &module, const BackendOptions &options, bool assembly,
                          llvm::raw_pwrite_stream &os, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  if (!machine)
    return false;
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, os, nullptr,
                                   assembly ? llvm::CodeGenFileType::AssemblyFile
                                            : llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return false;
  }
  pm.run(module);
  return true;
}

bool dec::compileKernelsToPTX(mlir::ModuleOp module, llvm::StringRef chip,
                              llvm::StringRef features, llvm::StringRef cudaPath,
                              std::string &ptx, std::string &error) {
  // The kernels' math (exp, log, fmax) becomes libdevice calls; without the
  // library the PTX would reference undefined __nv_* functions.
  llvm::SmallString<256> libdevice(cudaPath);
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  if (!llvm::sys::fs::exists(libdevice)) {
    error = ("no libdevice at '" + libdevice + "': point --cuda-path (or CUDA_ROOT) at a CUDA "
             "toolkit").str();
    return false;
  }
  // The NVVM serializer looks the toolkit up in CUDA_ROOT first
  // (mlir::NVVM::getCUDAToolkitPath); this process's choice goes there.
  ::setenv("CUDA_ROOT", std::string(cudaPath).c_str(), /*overwrite=*/1);
  mlir::MLIRContext *ctx = module->getContext();
  mlir::DialectRegistry registry;
  mlir::NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  // convert-gpu-to-nvvm finds the patterns of the dialects inside kernels
  // (cf, arith, math, memref, ...) through these interfaces.
  mlir::registerAllExtensions(registry);
  mlir::registerAllDialects(registry);
  ctx->appendDialectRegistry(registry);
  ctx->loadAllAvailableDialects();

  mlir::PassManager pm(ctx);
  pm.addPass(mlir::dec::createDecExpandSchedules());
  pm.addPass(mlir::dec::createLogitsDecompose());
  pm.addPass(mlir::dec::createLogitsFuse());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::dec::createConvertLogitsToGPU());
  if (mlir::failed(pm.run(module))) {
    error = "cannot turn the samplers into GPU kernels";
    return false;
  }
  // The kernels alone go through the NVVM pipeline (the host side stays in
  // the dec dialect: the runtime does not launch GPU kernels yet).
  mlir::OpBuilder builder(ctx);
  mlir::OwningOpRef<mlir::ModuleOp> kernels = mlir::ModuleOp::create(module.getLoc());
  (*kernels)->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(), builder.getUnitAttr());
  builder.setInsertionPointToEnd(kernels->getBody());
  for (auto gpuModule : module.getOps<mlir::gpu::GPUModuleOp>())
    builder.clone(*gpuModule);
  mlir::PassManager nvvm(ctx);
  mlir::gpu::GPUToNVVMPipelineOptions options;
  options.cubinChip = chip.str();
  options.cubinFeatures = features.str();
  options.cubinFormat = "isa";
  mlir::gpu::buildLowerToNVVMPassPipeline(nvvm, options);
  if (mlir::failed(nvvm.run(*kernels))) {
    error = "cannot compile the GPU kernels to PTX";
    return false;
  }
  for (auto binary : kernels->getOps<mlir::gpu::BinaryOp>())
    for (mlir::Attribute object : binary.getObjects())
      ptx += llvm::cast<mlir::gpu::ObjectAttr>(object).getObject().getValue().str();
  if (ptx.empty()) {
    error = "the program has no sampler to compile for the GPU";
    return false;
  }
  if (llvm::StringRef(ptx).contains(".extern .func")) {
    error = "internal error: the PTX calls functions that were not linked in";
    return false;
  }
  return true;
}

std::string dec::cudaToolkitPath(llvm::StringRef explicitPath) {
  std::string toolkit = explicitPath.str();
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(var); toolkit.empty() && value && *value)
      toolkit = value;
  return toolkit.empty() ? std::string(DEC_DEFAULT_CUDA_ROOT) : toolkit;
}

bool dec::linkSharedLibrary(llvm::StringRef object, llvm::StringRef output, std::string &error) {
  std::string driver;
  if (const char *env = std::getenv("DEC_LINKER"))
    driver = env;
  for (const char *candidate : {"cc", "clang-22", "gcc", "clang"}) {
    if (!driver.empty())
      break;
    if (auto found = llvm::sys::findProgramByName(candidate))
      driver = *found;
  }
  if (driver.empty()) {
    error = "no C compiler driver found to link the shared library (set DEC_LINKER)";
    return false;
  }
  // The runtime's decrt_* functions stay undefined: they are resolved against
  // libdecrt when the program is loaded.
  llvm::SmallVector<llvm::StringRef> args = {driver, "-shared", "-o", output, object, "-lm"};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "linking with '" + driver + "' failed" + (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}
