#!/usr/bin/env python3
"""Tests dec_bench_sampler_gpu.py's own logic on the CPU (it launches kernels only on a GPU
machine): the PTX/manifest validation, the greedy and support checks, and the chi-square
check, which must pass samples drawn from the PyTorch chain's distribution and reject
samples drawn at a temperature 15% off (same support).

    test_harness.py DIR     (DIR from dec-bench-sampler --emit-gpu; optional)
"""
import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dec_bench_sampler_gpu as harness  # noqa: E402

harness.DEVICE = "cpu"


class FromTorch:
    """Stands in for a kernel: draws each row's token from the PyTorch chain's distribution
    (raised to `power`), seeded by the step."""

    def __init__(self, pipeline, power=1.0):
        self.pipeline, self.power, self.probs = pipeline, power, None

    def bind(self, values):
        return values

    def launch(self, rows, values):
        if self.probs is None:
            self.probs = harness.processed(self.pipeline, values["logits"],
                                           values["history"].long()).softmax(-1) ** self.power
        generator = torch.Generator().manual_seed(int(values["step"]))
        values["tokens"].copy_(torch.multinomial(self.probs, 1, generator=generator)[:, 0])


def expect_failure(what, fn):
    try:
        fn()
    except (AssertionError, ValueError) as e:
        print(f"caught {what}: {e}")
        return
    sys.exit(f"FAIL: {what} was not caught")


def main():
    if len(sys.argv) > 1:
        directory = sys.argv[1]
        with open(os.path.join(directory, "kernels.json")) as f:
            manifest = json.load(f)
        harness.validate(directory, manifest)
        print("validated", directory)
        # The parameters bind() packs for pipeline (b): logits [2, 1000] as (allocated,
        # aligned, offset, sizes, strides), then tokens, history, seeds, step.
        kernel = object.__new__(harness.Kernel)
        kernel.args = manifest["b"]["args"]
        logits = torch.zeros(2, 1000)
        values = {"logits": logits, "tokens": torch.zeros(2, dtype=torch.int32),
                  "history": torch.zeros(2, 64, dtype=torch.int32),
                  "seeds": torch.zeros(2, dtype=torch.int64), "step": 7}
        fields, _ = kernel.bind(values)
        packed = [f.value for f in fields]
        assert packed[:7] == [logits.data_ptr(), logits.data_ptr(), 0, 2, 1000, 1000, 1], packed[:7]
        assert packed[-1] == 7 and len(packed) == 25, packed
        print("packed", len(packed), "parameters for (b)")
        values["history"] = values["history"].long()
        expect_failure("int64 ids where the kernel reads i32", lambda: kernel.bind(values))
        wrong = copy.deepcopy(manifest)
        wrong["b"]["args"].pop()  # a parameter fewer than the PTX takes
        expect_failure("a manifest that does not match the PTX",
                       lambda: harness.validate(directory, wrong))

    for pipeline in "ab":
        cells, p = harness.chi_square_check(FromTorch(pipeline), pipeline, 4000,
                                            torch.Generator().manual_seed(1), steps=40)
        print(f"({pipeline}) same distribution: {cells} cells, p = {p:.3g}")
        if p <= 1e-3:
            sys.exit("FAIL: the chi-square check rejected the right distribution")
        cells, p = harness.chi_square_check(FromTorch(pipeline, power=1.15), pipeline, 4000,
                                            torch.Generator().manual_seed(1), steps=40)
        print(f"({pipeline}) temperature 15% off: {cells} cells, p = {p:.3g}")
        if p > 1e-3:
            sys.exit("FAIL: the chi-square check accepted a wrong distribution")

    logits, history = harness.make_inputs(1000, 4, torch.Generator().manual_seed(2))
    harness.verify("c", logits.argmax(-1).int(), logits, history)
    expect_failure("a wrong greedy token",
                   lambda: harness.verify("c", (logits.argmax(-1) + 1).int() % 1000, logits,
                                          history))
    filtered = (harness.processed("a", logits, history) == -float("inf")).int().argmax(-1)
    expect_failure("a token outside the support",
                   lambda: harness.verify("a", filtered.int(), logits, history))
    print("OK harness")


if __name__ == "__main__":
    main()
