//===- GpuKernels.cpp - the benchmark's samplers as PTX, for a GPU run -----===//

#include "bench/GpuKernels.h"
#include "bench/FusedSamplers.h"
#include "dialects/Dec/DecDialect.h"
#include "dialects/Logits/LogitsDialect.h"
#include "tools/decc/Backend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

using namespace dec::bench;

namespace {

/// The names of @k's arguments, in the order FusedSamplers::source declares them.
const char *const kArgumentNames[] = {"logits", "history", "seeds", "step", "tokens"};

bool writeFile(const std::string &path, const std::string &text, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  os << text;
  return true;
}

} // namespace

bool dec::bench::emitGpuKernels(const std::string &dir, const std::string &chip,
                                std::string &error) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    error = "cannot create '" + dir + "': " + ec.message();
    return false;
  }
  nlohmann::json manifest = nlohmann::json::object();
  for (char pipeline : {'a', 'b', 'c'}) {
    mlir::MLIRContext context;
    context.loadDialect<mlir::logits::LogitsDialect, mlir::dec::DecDialect, mlir::func::FuncDialect,
                        mlir::arith::ArithDialect>();
    auto module = mlir::parseSourceString<mlir::ModuleOp>(FusedSamplers::source(pipeline), &context);
    if (!module) {
      error = "cannot parse pipeline " + std::string(1, pipeline);
      return false;
    }
    std::string ptx;
    if (!dec::compileKernelsToPTX(*module, chip, "+ptx80", dec::cudaToolkitPath(""), ptx, error))
      return false;
    // The launch's operands are @k's arguments; the kernel's parameters are
    // those operands with every memref expanded to its descriptor.
    nlohmann::json entry;
    module->walk([&](mlir::gpu::LaunchFuncOp launch) {
      entry["kernel"] = launch.getKernelName().str();
      entry["block"] = 256;
      nlohmann::json args = nlohmann::json::array();
      for (mlir::Value operand : launch.getKernelOperands()) {
        auto argument = llvm::dyn_cast<mlir::BlockArgument>(operand);
        nlohmann::json arg;
        arg["name"] = argument ? kArgumentNames[argument.getArgNumber()] : "?";
        mlir::Type element = operand.getType();
        arg["rank"] = 0;
        if (auto memref = llvm::dyn_cast<mlir::MemRefType>(element)) {
          arg["rank"] = memref.getRank();
          element = memref.getElementType();
        }
        std::string name;
        llvm::raw_string_ostream os(name);
        element.print(os);
        arg["element"] = name; // f32, i32, i64
        args.push_back(arg);
      }
      entry["args"] = args;
    });
    if (entry.is_null()) {
      error = "pipeline " + std::string(1, pipeline) + " has no kernel launch";
      return false;
    }
    for (const auto &arg : entry["args"])
      if (arg["name"] == "?") {
        error = "pipeline " + std::string(1, pipeline) + ": a kernel operand is not an argument";
        return false;
      }
    manifest[std::string(1, pipeline)] = entry;
    if (!writeFile(dir + "/" + std::string(1, pipeline) + ".ptx", ptx, error))
      return false;
  }
  manifest["chip"] = chip;
  return writeFile(dir + "/kernels.json", manifest.dump(1) + "\n", error);
}
