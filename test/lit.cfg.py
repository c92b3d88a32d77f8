# lit configuration for dec. Suites: lang/ dialects/ passes/ runtime/ e2e/ unit/ fuzz/ gpu/ bench/ constraint/.
import os
import lit.formats

config.name = "dec"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".dec", ".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "lit.local.cfg", "corpus"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dec_binary_dir, "test")

# Tools: ours first, then FileCheck/not/count from LLVM.
config.environment["PATH"] = os.pathsep.join(
    [config.dec_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
for var in ["HOME", "TMPDIR", "LANG", "LC_ALL", "TERM"]:
    if var in os.environ:
        config.environment[var] = os.environ[var]
# Compiled-program cache of dec-run: keep tests hermetic.
config.environment["DEC_CACHE_DIR"] = os.path.join(config.test_exec_root, "dec-cache")

src = config.dec_source_dir
llvm_lib = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
config.substitutions.append(("%mlir_runner_utils", os.path.join(llvm_lib, "libmlir_runner_utils.so")))
config.substitutions.append(("%mlir_c_runner_utils", os.path.join(llvm_lib, "libmlir_c_runner_utils.so")))
config.substitutions.append(("%dec_src", src))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%node", config.node_executable or "node"))
config.substitutions.append(("%stdlib", os.path.join(src, "stdlib")))
config.substitutions.append(("%tiny_model", os.path.join(src, "examples/models/tiny/model.pt")))
config.substitutions.append(("%tiny_tokenizer", os.path.join(src, "examples/models/tiny/tokenizer.json")))

if os.path.exists(os.path.join(src, "examples", "models", "tiny", "model.pt")):
    config.available_features.add("tiny-model")

npm_root = os.path.join(src, ".deps", "npm", "node_modules")
llama3 = os.path.join(npm_root, "@lenml", "tokenizer-llama3", "models", "tokenizer.json")
config.substitutions.append(("%npm_root", npm_root))
config.substitutions.append(("%llama3_tokenizer", llama3))
if config.node_executable and os.path.exists(llama3):
    config.available_features.add("node-tokenizers")

shared = os.path.normpath(os.path.join(src, "..", "shared", "data"))
config.substitutions.append(("%shared_data", shared))
if os.path.isdir(shared):
    config.available_features.add("shared-data")

if config.dec_have_cuda:
    config.available_features.add("cuda")
# ptxas checks the PTX decc emits (register use, spills); no GPU needed.
ptxas = os.path.join(config.cuda_bin_dir, "ptxas") if config.cuda_bin_dir else ""
if ptxas and os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
if config.dec_enable_compiler:
    config.available_features.add("compiler")
if config.dec_enable_fuzzers:
    config.available_features.add("fuzzer")

def _python_has(mod):
    import subprocess
    return subprocess.call([config.python_executable, "-c", "import " + mod],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0
for mod, feature in [("torch", "torch-python"), ("scipy", "scipy"), ("jsonschema", "jsonschema")]:
    if _python_has(mod):
        config.available_features.add(feature)
