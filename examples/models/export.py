#!/usr/bin/python3
"""Export a checkpoint written by train.py to TorchScript and verify the result.

    /usr/bin/python3 examples/models/export.py --checkpoint /tmp/dec_tiny_ckpt.pt \
        --out examples/models/tiny/model.pt

The checkpoint is a dict {"config": Config.to_dict(), "state_dict": ...}. The model is
compiled with torch.jit.script (not trace, so the code that depends on the cache length
S stays general), saved, reloaded, and checked:
  (a) incremental decoding (the prompt in one call, then one token per call with the
      cache) gives the same logits as one full recompute of the whole sequence;
  (b) a batch of two different sequences gives the same logits as each run alone;
plus the shapes of the calling convention (docs/models.md). Exits non-zero on failure.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import CausalLM, Config  # noqa: E402

TOL = 1e-4


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    model = CausalLM(Config(**ck["config"]))
    model.load_state_dict(ck["state_dict"])
    model.eval()
    return model


@torch.no_grad()
def verify(m, seed=0):
    """Checks a (reloaded) scripted model; returns a dict of max abs diffs."""
    g = torch.Generator().manual_seed(seed)
    V, ctx = m.vocab_size(), m.max_context()
    c0 = m.empty_cache(1)
    L, two, B1, H, S0, Dh = c0.shape
    assert two == 2 and B1 == 1 and S0 == 0 and c0.dtype == torch.float32, c0.shape

    # (a) incremental vs full recompute, including a run up to max_context
    n_prompt, n_total = 7, 40
    seq = torch.randint(0, V, (1, n_total), generator=g)
    full, full_cache = m(seq, m.empty_cache(1))
    assert full.shape == (1, n_total, V) and full.dtype == torch.float32
    assert full_cache.shape == (L, 2, 1, H, n_total, Dh)
    logits, cache = m(seq[:, :n_prompt], m.empty_cache(1))
    parts = [logits]
    for t in range(n_prompt, n_total):
        logits, cache = m(seq[:, t:t + 1], cache)
        assert cache.size(4) == t + 1
        parts.append(logits)
    inc = torch.cat(parts, dim=1)
    d_inc = (inc - full).abs().max().item()
    d_cache = (cache - full_cache).abs().max().item()
    # the last positions of a full-length context, computed incrementally in chunks
    long_seq = torch.randint(0, V, (1, ctx), generator=g)
    long_full, _ = m(long_seq, m.empty_cache(1))
    _, c = m(long_seq[:, :ctx - 5], m.empty_cache(1))
    long_inc, _ = m(long_seq[:, ctx - 5:], c)
    d_long = (long_inc - long_full[:, ctx - 5:]).abs().max().item()
    # rollback: drop the last 3 positions of the cache and recompute them
    _, c = m(seq[:, :20], m.empty_cache(1))
    c = c[:, :, :, :, :17]
    re, _ = m(seq[:, 17:20], c)
    d_roll = (re - full[:, 17:20]).abs().max().item()

    # (b) batch of 2 different sequences vs separately (prefill then 5 single steps)
    a = torch.randint(0, V, (1, 12), generator=g)
    b = torch.randint(0, V, (1, 12), generator=g)
    ab = torch.cat([a, b], dim=0)
    lb, cb = m(ab[:, :7], m.empty_cache(2))
    outs_b = [lb]
    for t in range(7, 12):
        lb, cb = m(ab[:, t:t + 1], cb)
        outs_b.append(lb)
    batched = torch.cat(outs_b, dim=1)
    sep = torch.cat([m(a, m.empty_cache(1))[0], m(b, m.empty_cache(1))[0]], dim=0)
    d_batch = (batched - sep).abs().max().item()

    # too long must fail
    try:
        m(torch.zeros(1, ctx + 1, dtype=torch.long), m.empty_cache(1))
        too_long_raises = False
    except Exception:
        too_long_raises = True

    res = {"incremental_max_abs_diff": d_inc, "cache_max_abs_diff": d_cache,
           "long_context_max_abs_diff": d_long, "rollback_max_abs_diff": d_roll,
           "batch_max_abs_diff": d_batch, "too_long_raises": too_long_raises,
           "logit_scale": full.abs().max().item()}
    return res


def export(checkpoint, out):
    model = load_checkpoint(checkpoint)
    scripted = torch.jit.script(model)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    scripted.save(out)
    m = torch.jit.load(out)
    res = verify(m)
    print(f"exported {out} ({os.path.getsize(out) / 1e6:.2f} MB): vocab {m.vocab_size()}, "
          f"max_context {m.max_context()}, cache {list(m.empty_cache(1).shape)}", flush=True)
    for k, v in res.items():
        print(f"  {k}: {v:.3g}" if isinstance(v, float) else f"  {k}: {v}", flush=True)
    ok = all(res[k] <= TOL for k in res if k.endswith("_diff")) and res["too_long_raises"]
    if not ok:
        raise SystemExit(f"export.py: verification FAILED (tolerance {TOL})")
    print("verification passed", flush=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default="/tmp/dec_tiny_ckpt.pt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--verify-only", action="store_true",
                    help="only load --out and run the checks")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.verify_only:
        print(verify(torch.jit.load(args.out)))
    else:
        export(args.checkpoint, args.out)


if __name__ == "__main__":
    main()
