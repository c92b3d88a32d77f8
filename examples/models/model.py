"""A small decoder-only transformer that follows dec's TorchScript calling convention.

Pre-LayerNorm blocks, causal self-attention with rotary position embeddings (RoPE,
rotate-half form), GELU MLP, tied input/output embeddings, no biases in attention.

Calling convention (see docs/models.md; the dec runtime relies on exactly this):

    forward(tokens: int64 [B, T], cache: float32 [L, 2, B, H, S, Dh])
        -> (logits float32 [B, T, V], new_cache float32 [L, 2, B, H, S+T, Dh])
    empty_cache(batch) -> float32 [L, 2, batch, H, 0, Dh]
    vocab_size() -> int
    max_context() -> int      (S + T must stay <= this)

The new tokens sit at positions S..S+T-1; query S+i attends to keys 0..S+i. Rolling
back n tokens is `cache[:, :, :, :, :S-n]`. The same module is used for training (with
an empty cache) and, after torch.jit.script, for inference.
"""
import math
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Config:
    def __init__(self, vocab_size=4096, d_model=256, n_layer=4, n_head=4, d_ff=768,
                 max_context=512, rope_base=10000.0):
        self.vocab_size = vocab_size
        self.d_model = d_model
        self.n_layer = n_layer
        self.n_head = n_head
        self.d_ff = d_ff
        self.max_context = max_context
        self.rope_base = rope_base

    def to_dict(self):
        return dict(self.__dict__)


def rotate_half(x: Tensor) -> Tensor:
    h = x.size(-1) // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.n_head = cfg.n_head
        self.d_head = cfg.d_model // cfg.n_head
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: Tensor, past_k: Tensor, past_v: Tensor, cos: Tensor, sin: Tensor
                ) -> Tuple[Tensor, Tensor, Tensor]:
        B, T, C = x.shape
        S = past_k.size(2)
        qkv = self.qkv(x).view(B, T, 3, self.n_head, self.d_head).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                      # [B, H, T, Dh]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k_all = torch.cat([past_k, k], dim=2)                  # [B, H, S+T, Dh]
        v_all = torch.cat([past_v, v], dim=2)
        att = torch.matmul(q, k_all.transpose(-2, -1)) * (1.0 / math.sqrt(self.d_head))
        # query i (position S+i) may see keys 0..S+i
        mask = torch.ones(T, S + T, dtype=torch.bool, device=x.device).tril(S)
        att = att.masked_fill(~mask, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v_all)                           # [B, H, T, Dh]
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.proj(y), k_all, v_all


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.fc = nn.Linear(cfg.d_model, cfg.d_ff)
        self.fc_out = nn.Linear(cfg.d_ff, cfg.d_model)

    def forward(self, x: Tensor, past_k: Tensor, past_v: Tensor, cos: Tensor, sin: Tensor
                ) -> Tuple[Tensor, Tensor, Tensor]:
        a, k, v = self.attn(self.ln1(x), past_k, past_v, cos, sin)
        x = x + a
        x = x + self.fc_out(F.gelu(self.fc(self.ln2(x))))
        return x, k, v


class CausalLM(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.n_layer = cfg.n_layer
        self.n_head = cfg.n_head
        self.d_head = cfg.d_model // cfg.n_head
        self.n_vocab = cfg.vocab_size
        self.n_ctx = cfg.max_context
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.d_model)
        inv_freq = 1.0 / (cfg.rope_base ** (torch.arange(0, self.d_head, 2).float() / self.d_head))
        pos = torch.arange(cfg.max_context).float()
        freqs = torch.outer(pos, inv_freq)                      # [ctx, Dh/2]
        emb = torch.cat([freqs, freqs], dim=-1)                 # [ctx, Dh]
        # not persistent: recomputed from the config, so state dicts stay small
        self.register_buffer("rope_cos", emb.cos(), persistent=False)
        self.register_buffer("rope_sin", emb.sin(), persistent=False)
        self.apply(self._init)
        for blk in self.blocks:  # GPT-2 style scaled init of residual projections
            nn.init.normal_(blk.attn.proj.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
            nn.init.normal_(blk.fc_out.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, tokens: Tensor, cache: Tensor) -> Tuple[Tensor, Tensor]:
        T = tokens.size(1)
        S = cache.size(4)
        if S + T > self.n_ctx:
            raise RuntimeError("CausalLM: sequence longer than max_context")
        x = self.embed(tokens)
        cos = self.rope_cos[S:S + T]
        sin = self.rope_sin[S:S + T]
        new_cache = []
        i = 0
        for blk in self.blocks:
            x, k, v = blk(x, cache[i, 0], cache[i, 1], cos, sin)
            new_cache.append(torch.stack([k, v]))
            i += 1
        x = self.ln_f(x)
        logits = torch.matmul(x, self.embed.weight.t())
        return logits, torch.stack(new_cache)

    @torch.jit.export
    def empty_cache(self, batch: int) -> Tensor:
        return torch.zeros(self.n_layer, 2, batch, self.n_head, 0, self.d_head,
                           dtype=torch.float32, device=self.embed.weight.device)

    @torch.jit.export
    def vocab_size(self) -> int:
        return self.n_vocab

    @torch.jit.export
    def max_context(self) -> int:
        return self.n_ctx


def num_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
