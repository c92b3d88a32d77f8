#!/usr/bin/env python3
"""dec-bench-sampler's GPU half: dec's CUDA sampler kernels against the same pipelines as
chains of PyTorch ops on the same GPU, and the memory floor, measured in one run.

    build/bin/dec-bench-sampler --emit-gpu DIR       # where dec is built (needs MLIR)
    python3 bench/gpu/dec_bench_sampler_gpu.py DIR [--json] [--quick] [--check]

The GPU machine needs PyTorch with CUDA and the driver (libcuda.so.1); no MLIR, no build.
Pipelines, vocabularies, batches and the logits are those of dec-bench-sampler:
  (a) temperature(0.8) | top_k(50) | top_p(0.9) | sample
  (b) repetition_penalty(1.2) over 64 history tokens | min_p(0.05) | sample
  (c) greedy
Times are medians, in microseconds per call for the whole batch, of GPU time measured with
CUDA events around 20 back-to-back calls queued behind a spin kernel (so the GPU never
waits for Python to launch dec's kernel); the PyTorch chain's many small launches can still
leave the GPU waiting for the host, which is part of what that chain costs. The floor is
torch.sum over the logits (one read of every logit).

Every timed call is checked: greedy tokens equal torch.argmax (lowest id on ties), sampled
tokens lie in the support of the PyTorch chain's processed logits. --check also compares
sampling frequencies with the PyTorch chain's probabilities (chi-square, fixed seeds).
"""
import argparse
import ctypes
import json
import math
import os
import re
import statistics
import sys

import torch

VOCABS = [32000, 128256, 262144]
BATCHES = [1, 8, 64]
HISTORY = 64
DEVICE = "cuda"  # the harness's own test runs its logic on the CPU
ELEMENT_TYPES = {torch.float32: "f32", torch.int32: "i32", torch.int64: "i64"}


# ---- the CUDA driver, through ctypes -----------------------------------------------------------

class Driver:
    def __init__(self):
        self.lib = ctypes.CDLL("libcuda.so.1")
        self.check(self.lib.cuInit(0), "cuInit")
        device = ctypes.c_int()
        self.check(self.lib.cuDeviceGet(ctypes.byref(device), torch.cuda.current_device()),
                   "cuDeviceGet")
        # PyTorch works in the device's primary context; so do the kernels.
        self.context = ctypes.c_void_p()
        self.check(self.lib.cuDevicePrimaryCtxRetain(ctypes.byref(self.context), device),
                   "cuDevicePrimaryCtxRetain")
        self.check(self.lib.cuCtxSetCurrent(self.context), "cuCtxSetCurrent")

    def check(self, result, what):
        if result != 0:
            name = ctypes.c_char_p()
            self.lib.cuGetErrorName(result, ctypes.byref(name))
            raise RuntimeError(f"{what} failed: {name.value.decode() if name.value else result}")

    def load(self, ptx_path, kernel):
        with open(ptx_path, "rb") as f:
            ptx = f.read() + b"\0"
        module = ctypes.c_void_p()
        self.check(self.lib.cuModuleLoadData(ctypes.byref(module), ctypes.c_char_p(ptx)),
                   f"cuModuleLoadData({ptx_path})")
        function = ctypes.c_void_p()
        self.check(self.lib.cuModuleGetFunction(ctypes.byref(function), module,
                                                kernel.encode()), f"cuModuleGetFunction({kernel})")
        return function


def ptx_parameters(ptx, kernel):
    """The number of parameters of `.entry kernel(...)` in PTX text."""
    match = re.search(r"\.entry\s+" + re.escape(kernel) + r"\s*\((.*?)\)", ptx, re.S)
    if not match:
        raise ValueError(f"no .entry {kernel} in the PTX")
    return len(re.findall(r"\.param\b", match.group(1)))


def descriptor_size(arg):
    """A memref of rank r is 3 + 2r 64-bit parameters; a scalar is one."""
    return 1 if arg["rank"] == 0 else 3 + 2 * arg["rank"]


def validate(directory, manifest):
    """Checks that every kernel's PTX takes the parameters the manifest implies."""
    for p in "abc":
        entry = manifest[p]
        with open(os.path.join(directory, p + ".ptx")) as f:
            have = ptx_parameters(f.read(), entry["kernel"])
        want = sum(descriptor_size(a) for a in entry["args"])
        if have != want:
            raise ValueError(f"({p}) {entry['kernel']} takes {have} parameters, the manifest "
                             f"implies {want}")


class Kernel:
    """One sampler kernel: a block of `block` threads per row; its parameters are the
    launch operands with every memref expanded to (allocated, aligned, offset, sizes...,
    strides...), as MLIR's GPU lowering passes them."""

    def __init__(self, driver, directory, pipeline, entry):
        self.driver = driver
        self.function = driver.load(os.path.join(directory, pipeline + ".ptx"), entry["kernel"])
        self.block = entry["block"]
        self.args = entry["args"]

    def bind(self, values):
        """values: name -> tensor (memref operands) or int (scalars). Returns the packed
        parameters (kept alive by the caller)."""
        fields = []
        for arg in self.args:
            value = values[arg["name"]]
            if arg["rank"] == 0:
                fields.append(ctypes.c_int64(int(value)))
                continue
            if (value.dim() != arg["rank"] or value.device.type != DEVICE
                    or ELEMENT_TYPES[value.dtype] != arg["element"]):
                raise ValueError(f"{arg['name']}: expected a {DEVICE} tensor of rank "
                                 f"{arg['rank']} and element type {arg['element']}, got "
                                 f"{tuple(value.shape)} {value.dtype} on {value.device}")
            fields += [ctypes.c_uint64(value.data_ptr()), ctypes.c_uint64(value.data_ptr()),
                       ctypes.c_int64(0)]
            fields += [ctypes.c_int64(s) for s in value.shape]
            fields += [ctypes.c_int64(s) for s in value.stride()]
        pointers = (ctypes.c_void_p * len(fields))(
            *[ctypes.cast(ctypes.pointer(f), ctypes.c_void_p) for f in fields])
        return fields, pointers

    def launch(self, rows, params):
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        self.driver.check(self.driver.lib.cuLaunchKernel(
            self.function, rows, 1, 1, self.block, 1, 1, 0, stream, params[1], None),
            "cuLaunchKernel")


# ---- the pipelines in PyTorch, the Hugging Face way (as dec-bench-sampler's libtorch chain) ----

def processed(pipeline, logits, history):
    scores = logits
    if pipeline == "a":
        scores = scores / 0.8
        kth = torch.topk(scores, 50).values[:, -1:]
        scores = scores.masked_fill(scores < kth, -math.inf)
        sorted_scores, sorted_idx = torch.sort(scores, dim=-1, descending=False)
        cumulative = sorted_scores.softmax(-1).cumsum(-1)
        remove_sorted = cumulative <= (1 - 0.9)
        remove_sorted[:, -1] = False
        remove = remove_sorted.scatter(1, sorted_idx, remove_sorted)
        return scores.masked_fill(remove, -math.inf)
    if pipeline == "b":
        score = torch.gather(scores, 1, history)
        score = torch.where(score < 0, score * 1.2, score / 1.2)
        scores = scores.scatter(1, history, score)
        probs = scores.softmax(-1)
        top = probs.max(-1, keepdim=True).values
        return scores.masked_fill(probs < 0.05 * top, -math.inf)
    return scores


def torch_chain(pipeline, logits, history):
    if pipeline == "c":
        return logits.argmax(-1)
    return torch.multinomial(processed(pipeline, logits, history).softmax(-1), 1)[:, 0]


# ---- data and timing ------------------------------------------------------------------------

def make_inputs(vocab, batch, generator):
    """LLM-like logits: a normal bulk and a few strong candidates per row (as on the CPU)."""
    logits = torch.randn(batch, vocab, generator=generator) * 2.5
    for r in range(batch):
        picks = torch.randint(0, vocab, (8,), generator=generator)
        logits[r, picks] += 12.0 - torch.arange(8, dtype=torch.float32)
    history = torch.randint(0, vocab, (batch, HISTORY), generator=generator)
    return logits.to(DEVICE), history.to(DEVICE)


def gpu_micros(fn, calls=20, repeats=15):
    """Median GPU time per call of `fn`, over `repeats` groups of `calls` back-to-back calls
    queued behind a spin kernel."""
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        torch.cuda._sleep(2_000_000)
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) * 1000.0 / calls)
    return statistics.median(times)


def verify(pipeline, tokens, logits, history):
    tokens = tokens.long()
    if pipeline == "c":
        want = logits.argmax(-1)
        if not torch.equal(tokens, want):
            bad = (tokens != want).nonzero()[0].item()
            raise AssertionError(f"greedy: row {bad} chose {tokens[bad].item()}, "
                                 f"torch.argmax {want[bad].item()}")
        return
    support = processed(pipeline, logits, history)
    if (tokens < 0).any() or (tokens >= logits.shape[1]).any():
        raise AssertionError(f"({pipeline}): token out of range: {tokens.tolist()[:8]}")
    chosen = support.gather(1, tokens[:, None])[:, 0]
    if torch.isinf(chosen).any():
        bad = torch.isinf(chosen).nonzero()[0].item()
        raise AssertionError(f"({pipeline}): row {bad} sampled token {tokens[bad].item()}, "
                             "which the PyTorch chain filters out")


def chi_square_check(kernel, pipeline, vocab, generator, steps=200):
    """64 rows of one logits row with different seeds, `steps` steps (12,800 samples by
    default) against the PyTorch chain's probabilities (categories expected < 5 times
    pooled). Returns (cells, p-value)."""
    rows = 64
    # Flatter than the timing rows (no strong candidates), so that tens of tokens survive
    # each pipeline and the test has cells to compare.
    logits = (torch.randn(1, vocab, generator=generator) * 2.0).to(DEVICE)
    history = torch.randint(0, vocab, (1, HISTORY), generator=generator).to(DEVICE)
    logits, history = logits.expand(rows, vocab).contiguous(), history.expand(rows, HISTORY).contiguous()
    history32 = history.int()
    seeds = torch.arange(rows, dtype=torch.int64, device=DEVICE) + 1000
    tokens = torch.empty(rows, dtype=torch.int32, device=DEVICE)
    counts = torch.zeros(vocab, dtype=torch.float64, device=DEVICE)
    for step in range(steps):
        params = kernel.bind({"logits": logits, "history": history32, "seeds": seeds,
                              "step": step, "tokens": tokens})
        kernel.launch(rows, params)
        counts += torch.bincount(tokens.long(), minlength=vocab).double()
    probs = processed(pipeline, logits[:1], history[:1]).softmax(-1)[0].double()
    n = counts.sum()
    expected = probs * n
    big = expected >= 5
    stat = (((counts[big] - expected[big]) ** 2) / expected[big]).sum()
    rest_expected, rest_counts = expected[~big].sum(), counts[~big].sum()
    cells = int(big.sum().item())
    if rest_expected > 0:
        stat += (rest_counts - rest_expected) ** 2 / rest_expected
        cells += 1
    if (counts[probs == 0] > 0).any():
        raise AssertionError(f"({pipeline}) sampled a token of probability 0")
    df = max(cells - 1, 1)
    p = torch.special.gammaincc(torch.tensor(df / 2.0, dtype=torch.float64),
                                (stat / 2.0).cpu()).item()
    return cells, p


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", help="written by dec-bench-sampler --emit-gpu")
    parser.add_argument("--json", action="store_true", help="print a JSON array of rows")
    parser.add_argument("--quick", action="store_true", help="V = 128,256 and batch 1 only")
    parser.add_argument("--check", action="store_true",
                        help="also compare sampling frequencies with PyTorch (chi-square)")
    parser.add_argument("--validate", action="store_true",
                        help="only check DIR (the kernels' parameters against kernels.json); "
                             "needs no GPU")
    args = parser.parse_args(argv)
    with open(os.path.join(args.directory, "kernels.json")) as f:
        manifest = json.load(f)
    validate(args.directory, manifest)
    if args.validate:
        print(f"OK {args.directory}: kernels a, b, c take the parameters kernels.json implies")
        return
    if not torch.cuda.is_available():
        sys.exit("dec_bench_sampler_gpu.py: PyTorch sees no CUDA device")
    torch.cuda.init()
    driver = Driver()
    kernels = {p: Kernel(driver, args.directory, p, manifest[p]) for p in "abc"}
    generator = torch.Generator().manual_seed(42)

    if args.check:
        for p in "ab":
            cells, pvalue = chi_square_check(kernels[p], p, 32000, generator)
            status = "OK" if pvalue > 1e-3 else "MISMATCH"
            print(f"{status} ({p}) chi-square over {cells} cells: p = {pvalue:.4f}")
            if pvalue <= 1e-3:
                sys.exit(1)

    vocabs = [128256] if args.quick else VOCABS
    batches = [1] if args.quick else BATCHES
    rows = []
    for vocab in vocabs:
        for batch in batches:
            logits, history = make_inputs(vocab, batch, generator)
            history32 = history.int()  # the kernels read i32 ids; torch.gather wants int64
            seeds = torch.arange(batch, dtype=torch.int64, device="cuda")
            tokens = torch.empty(batch, dtype=torch.int32, device="cuda")
            floor = gpu_micros(lambda: logits.sum())
            for p in "abc":
                kernel = kernels[p]
                step = [0]

                def run_dec():
                    # cuLaunchKernel copies the parameters: they need not outlive the call.
                    params = kernel.bind({"logits": logits, "history": history32, "seeds": seeds,
                                          "step": step[0], "tokens": tokens})
                    kernel.launch(batch, params)
                    step[0] += 1

                run_dec()
                torch.cuda.synchronize()
                verify(p, tokens, logits, history)
                fused = gpu_micros(run_dec)
                torch.cuda.synchronize()
                verify(p, tokens, logits, history)
                chain = gpu_micros(lambda: torch_chain(p, logits, history))
                rows.append({"pipeline": p, "vocab": vocab, "batch": batch, "fused_us": fused,
                             "pytorch_us": chain, "floor_us": floor})

    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"dec sampler kernels on {torch.cuda.get_device_name()} ({manifest['chip']} PTX), "
          f"PyTorch {torch.__version__}; median GPU us per call (whole batch)")
    print(f"{'':3} {'vocab':>8} {'batch':>6} {'fused_us':>10} {'pytorch_us':>11} {'floor_us':>9} "
          f"{'speedup':>8} {'x floor':>8}")
    for r in rows:
        print(f"({r['pipeline']}) {r['vocab']:8d} {r['batch']:6d} {r['fused_us']:10.1f} "
              f"{r['pytorch_us']:11.1f} {r['floor_us']:9.1f} {r['pytorch_us'] / r['fused_us']:7.1f}x "
              f"{r['fused_us'] / r['floor_us']:7.2f}x")


if __name__ == "__main__":
    main()
