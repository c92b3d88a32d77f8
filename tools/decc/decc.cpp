//===- decc.cpp - The dec compiler driver ----------------------------------------------===//
//
//   decc prog.dec -o libprog.so        compile to a shared library
//   decc --emit=ast prog.dec           print the syntax tree of every loaded module
//   decc --emit=plan prog.dec          print the resolved program plan (front end output)
//   decc --emit=deps prog.dec          print the source files the program reads
//   decc --emit=mlir prog.dec          print the program in the dec/logits dialects
//   decc --emit=llvm-dialect prog.dec  ... after the CPU lowering (dec-lower-to-llvm)
//   decc --emit=llvm|asm|obj prog.dec  LLVM IR, assembly, an object file
//
// The driver is two halves joined at a ProgramPlan: the front end (lang/, dec::lang::
// Frontend) and the back end (MLIRGen, the pass pipeline, LLVM code generation and the
// link step; see emitWithBackend()).
//
//===--------------------------------------------------------------------------------------===//

#include "lang/Frontend.h"
#include "lang/MLIRGen.h"
#include "lang/PlanDump.h"
#include "tools/decc/Backend.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;

namespace {

enum class EmitKind { Library, AST, Plan, Deps, MLIR, LLVMDialect, LLVMIR, Assembly, Object, PTX };
enum class Target { CPU, CUDA };

cl::OptionCategory decCategory("decc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .dec file, or - for stdin>"),
                               cl::Required, cl::cat(decCategory));

cl::opt<std::string> outputFile("o",
                                cl::desc("Write the output to <file> ('-' for stdout; default: "
                                         "stdout for text, lib<name>.so / <name>.o for binaries)"),
                                cl::value_desc("file"), cl::cat(decCategory));

cl::opt<EmitKind>
    emitKind("emit", cl::desc("What to produce (default: a shared library)"),
             cl::values(clEnumValN(EmitKind::AST, "ast", "the syntax tree of every loaded module"),
                        clEnumValN(EmitKind::Plan, "plan", "the resolved program plan"),
                        clEnumValN(EmitKind::Deps, "deps", "the source files the program reads"),
                        clEnumValN(EmitKind::MLIR, "mlir", "MLIR in the dec and logits dialects"),
                        clEnumValN(EmitKind::LLVMDialect, "llvm-dialect",
                                   "MLIR after the CPU lowering (LLVM dialect)"),
                        clEnumValN(EmitKind::LLVMIR, "llvm", "optimised LLVM IR"),
                        clEnumValN(EmitKind::Assembly, "asm", "assembly"),
                        clEnumValN(EmitKind::Object, "obj", "an object file"),
                        clEnumValN(EmitKind::Library, "lib", "a shared library (the default)"),
                        clEnumValN(EmitKind::PTX, "ptx", "PTX for the GPU kernels")),
             cl::init(EmitKind::Library), cl::cat(decCategory));

cl::opt<Target> target("target", cl::desc("Where the kernels run (default: cpu)"),
                       cl::values(clEnumValN(Target::CPU, "cpu", "the host CPU, through LLVM"),
                                  clEnumValN(Target::CUDA, "cuda",
                                             "NVIDIA GPUs, through NVVM/PTX")),
                       cl::init(Target::CPU), cl::cat(decCategory));

cl::opt<std::string> cudaChip("cuda-chip", cl::desc("GPU architecture for --target=cuda (default sm_90)"),
                             cl::value_desc("sm_XX"), cl::init("sm_90"), cl::cat(decCategory));
cl::opt<std::string> cudaFeatures("cuda-features",
                                 cl::desc("PTX features for --target=cuda (default +ptx80)"),
                                 cl::value_desc("features"), cl::init("+ptx80"), cl::cat(decCategory));
cl::opt<std::string> cudaPath("cuda-path",
                              cl::desc("CUDA toolkit for --target=cuda, where libdevice is (default: "
                                       "$CUDA_ROOT, $CUDA_HOME, $CUDA_PATH, else " DEC_DEFAULT_CUDA_ROOT ")"),
                              cl::value_desc("dir"), cl::cat(decCategory));

cl::opt<unsigned> optLevel("O", cl::Prefix, cl::desc("LLVM optimisation level 0-3 (default 3)"),
                           cl::value_desc("level"), cl::init(3), cl::cat(decCategory));

cl::opt<std::string> cpu("mcpu",
                         cl::desc("CPU to generate code for: native (default), generic, or an "
                                  "LLVM CPU name"),
                         cl::value_desc("cpu"), cl::init("native"), cl::cat(decCategory));

cl::opt<std::string>
    stdlibDir("stdlib",
              cl::desc("Standard library directory (default: $DEC_STDLIB, else the built-in one)"),
              cl::value_desc("dir"), cl::cat(decCategory));

cl::list<std::string> includeDirs("I", cl::Prefix,
                                  cl::desc("Add <dir> to the search path of 'import a.b;'"),
                                  cl::value_desc("dir"), cl::cat(decCategory));

cl::opt<unsigned> errorLimit("error-limit",
                             cl::desc("Stop after <n> errors (0: no limit; default 20)"),
                             cl::value_desc("n"), cl::init(20), cl::cat(decCategory));

cl::opt<cl::boolOrDefault>
    colorDiagnostics("color-diagnostics",
                     cl::desc("Colour diagnostics (default: when stderr is a terminal)"),
                     cl::cat(decCategory));

std::string chooseStdlibDir() {
  if (!stdlibDir.empty())
    return stdlibDir;
  if (const char *env = std::getenv("DEC_STDLIB"); env && *env)
    return env;
  return DEC_DEFAULT_STDLIB_DIR;
}

/// The -o file, or the default for `kind`: stdout for text, a file named after
/// the input for binaries.
std::string outputPath(EmitKind kind) {
  if (!outputFile.empty())
    return outputFile;
  std::string stem = inputFile == "-" ? "a" : sys::path::stem(inputFile).str();
  if (kind == EmitKind::Library)
    return "lib" + stem + ".so";
  if (kind == EmitKind::Object)
    return stem + ".o";
  return "-";
}

/// Writes `print`'s output to the output file.
template <typename Print> int writeOutput(Print print, EmitKind kind, bool binary = false) {
  std::error_code ec;
  std::string path = outputPath(kind);
  raw_fd_ostream os(path, ec, binary ? sys::fs::OF_None : sys::fs::OF_TextWithCRLF);
  if (ec) {
    errs() << "decc: error: cannot open '" << path << "': " << ec.message() << '\n';
    return 1;
  }
  return print(os);
}

int fail(const Twine &message) {
  errs() << "decc: error: " << message << '\n';
  return 1;
}

/// The back end's half of the driver: MLIRGen, the pass pipeline, LLVM code
/// generation and the link step.
int emitWithBackend(EmitKind kind, const dec::lang::ProgramPlan &plan) {
  if (kind == EmitKind::PTX && target != Target::CUDA)
    return fail("--emit=ptx needs --target=cuda");
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = dec::lang::generateMLIR(context, plan);
  if (failed(mlir::verify(*module)))
    return fail("internal error: the generated MLIR does not verify");
  if (kind == EmitKind::MLIR)
    return writeOutput([&](raw_fd_ostream &os) { module->print(os); return 0; }, kind);

  if (target == Target::CUDA) {
    if (kind != EmitKind::PTX)
      return fail("for --target=cuda only --emit=ptx (and --emit=mlir) are available: the runtime "
                  "does not launch GPU kernels yet");
    std::string ptx, error;
    std::string toolkit = dec::cudaToolkitPath(cudaPath);
    if (!dec::compileKernelsToPTX(*module, cudaChip, cudaFeatures, toolkit, ptx, error))
      return fail(error);
    return writeOutput([&](raw_fd_ostream &os) { os << ptx; return 0; }, kind);
  }

  if (failed(dec::lowerToLLVMDialect(*module)))
    return fail("lowering the program to the LLVM dialect failed");
  if (kind == EmitKind::LLVMDialect)
    return writeOutput([&](raw_fd_ostream &os) { module->print(os); return 0; }, kind);

  dec::BackendOptions backend;
  backend.optLevel = optLevel > 3 ? 3 : optLevel;
  backend.cpu = cpu;
  llvm::LLVMContext llvmContext;
  std::string error;
  std::unique_ptr<llvm::Module> llvmModule =
      dec::translateAndOptimize(*module, llvmContext, backend, error);
  if (!llvmModule)
    return fail(error);
  if (kind == EmitKind::LLVMIR)
    return writeOutput([&](raw_fd_ostream &os) { llvmModule->print(os, nullptr); return 0; }, kind);

  auto emit = [&](raw_pwrite_stream &os, bool assembly) {
    return dec::emitMachineCode(*llvmModule, backend, assembly, os, error) ? 0 : fail(error);
  };
  if (kind == EmitKind::Assembly || kind == EmitKind::Object) {
    bool assembly = kind == EmitKind::Assembly;
    return writeOutput(
        [&](raw_fd_ostream &os) { return emit(os, assembly); },
        kind, !assembly);
  }

  // The library: an object in a temporary file, linked by the system driver.
  std::string library = outputPath(kind);
  if (library == "-")
    return fail("a shared library cannot be written to stdout; give -o <file>");
  SmallString<128> object;
  if (std::error_code ec = sys::fs::createTemporaryFile("decc", "o", object))
    return fail("cannot create a temporary file: " + ec.message());
  FileRemover removeObject(object);
  {
    std::error_code ec;
    raw_fd_ostream os(object, ec, sys::fs::OF_None);
    if (ec)
      return fail("cannot write '" + object + "': " + ec.message());
    if (int status = emit(os, /*assembly=*/false))
      return status;
  }
  if (!dec::linkSharedLibrary(object, library, error))
    return fail(error);
  return 0;
}

/// The files a program reads, absolute, one per line (dec-run's cache key).
int emitDeps(const dec::lang::ProgramPlan &plan) {
  return writeOutput(
      [&](raw_fd_ostream &os) {
        for (const std::string &file : plan.sourceFiles) {
          SmallString<256> path(file);
          sys::fs::make_absolute(path);
          sys::path::remove_dots(path, /*remove_dot_dot=*/true);
          os << path << '\n';
        }
        return 0;
      },
      EmitKind::Deps);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(decCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "decc: the dec compiler\n\n"
                              "Compiles a .dec decoding program.  Diagnostics go to stderr.\n");

  dec::lang::FrontendOptions options;
  options.stdlibDir = chooseStdlibDir();
  options.includeDirs.assign(includeDirs.begin(), includeDirs.end());
  options.errorLimit = errorLimit;
  options.showColors =
      colorDiagnostics == cl::BOU_UNSET ? errs().has_colors() : colorDiagnostics == cl::BOU_TRUE;
  options.toolName = "decc";

  dec::lang::Frontend frontend(options, errs());
  bool parsed = frontend.parseFile(inputFile);

  if (emitKind == EmitKind::AST) {
    // Like clang -ast-dump: print what parsed, even after errors.
    int status = writeOutput([&](raw_fd_ostream &os) { frontend.dumpAST(os); return 0; },
                             EmitKind::AST);
    return parsed ? status : 1;
  }
  if (!parsed)
    return 1;
  std::optional<dec::lang::ProgramPlan> plan = frontend.plan();
  if (!plan)
    return 1;
  if (emitKind == EmitKind::Plan)
    return writeOutput([&](raw_fd_ostream &os) { dec::lang::dumpPlan(*plan, os); return 0; },
                       EmitKind::Plan);
  if (emitKind == EmitKind::Deps)
    return emitDeps(*plan);
  return emitWithBackend(emitKind, *plan);
}
