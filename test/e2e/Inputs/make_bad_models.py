#!/usr/bin/python3
"""Writes TorchScript models that break dec's calling convention (docs/models.md)
in different ways, into the directory given as argv[1]."""
import os
import sys
from typing import Tuple

import torch
from torch import Tensor

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class NoEmptyCache(torch.nn.Module):
    def forward(self, tokens: Tensor, cache: Tensor) -> Tuple[Tensor, Tensor]:
        return torch.zeros(1, 1, 8), cache

    @torch.jit.export
    def vocab_size(self) -> int:
        return 8

    @torch.jit.export
    def max_context(self) -> int:
        return 16


class WrongLogits(torch.nn.Module):
    """Returns logits [B, V] instead of [B, T, V]."""
    def forward(self, tokens: Tensor, cache: Tensor) -> Tuple[Tensor, Tensor]:
        return torch.zeros(tokens.size(0), 8), torch.zeros(1, 2, 1, 1, cache.size(4) + 1, 4)

    @torch.jit.export
    def empty_cache(self, batch: int) -> Tensor:
        return torch.zeros(1, 2, batch, 1, 0, 4)

    @torch.jit.export
    def vocab_size(self) -> int:
        return 8

    @torch.jit.export
    def max_context(self) -> int:
        return 16


class Throws(torch.nn.Module):
    """Follows the convention for one token, fails on longer inputs (the prompt)."""
    def forward(self, tokens: Tensor, cache: Tensor) -> Tuple[Tensor, Tensor]:
        if tokens.size(1) > 1:
            raise RuntimeError("this model refuses prompts")
        t = tokens.size(1)
        return torch.zeros(1, t, 4096), torch.zeros(1, 2, 1, 1, cache.size(4) + t, 4)

    @torch.jit.export
    def empty_cache(self, batch: int) -> Tensor:
        return torch.zeros(1, 2, batch, 1, 0, 4)

    @torch.jit.export
    def vocab_size(self) -> int:
        return 4096

    @torch.jit.export
    def max_context(self) -> int:
        return 16


for name, module in [("no_empty_cache", NoEmptyCache()), ("wrong_logits", WrongLogits()),
                     ("throws", Throws())]:
    torch.jit.script(module).save(os.path.join(out, name + ".pt"))
with open(os.path.join(out, "garbage.pt"), "wb") as f:
    f.write(b"this is not a TorchScript archive\n" * 10)
