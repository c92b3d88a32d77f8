#!/usr/bin/python3
"""Train the tiny fortune model that dec ships (examples/models/tiny/).

Steps: read the Debian `fortunes` corpus, train a 4096-token byte-level BPE tokenizer
(bpe.py), tokenize, train a small RoPE transformer (model.py) on CPU with AdamW and a
cosine schedule, save a state dict to /tmp, then export TorchScript with export.py
(which also verifies the cache path) and write tiny/README.md.

Reproduce (from the repository root, ~30 minutes on one CPU core):

    apt-get install -y fortunes python3-regex libopenblas0-pthread
    OPENBLAS_NUM_THREADS=1 nohup /usr/bin/python3 examples/models/train.py \
        --out examples/models/tiny --minutes 30 > /tmp/dec_tiny_train.log 2>&1 &

libopenblas0-pthread matters: Debian's torch uses the system BLAS, and the reference
BLAS it falls back to is about 15x slower. Training stops at --steps or when --minutes
of wall time have elapsed, whichever comes first; the learning-rate schedule follows
whichever of the two is further along, so a time-limited run still anneals fully.
"""
import argparse
import hashlib
import json
import math
import os
import re
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe import EOT, BPETokenizer, train_bpe  # noqa: E402
from model import CausalLM, Config, num_params  # noqa: E402

FORTUNE_DIR = "/usr/share/games/fortunes"


# ---- corpus -------------------------------------------------------------------------------
def corpus_files(d=FORTUNE_DIR):
    if not os.path.isfile(os.path.join(d, "fortunes")):
        sys.exit(f"train.py: the fortunes corpus is missing ({d}/fortunes).\n"
                 "Install it with:  apt-get install -y fortunes")
    out = []
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        # the .u8 entries are symlinks to the plain files, .dat are strfile indexes
        if name.endswith((".dat", ".u8")) or os.path.islink(p) or not os.path.isfile(p):
            continue
        out.append(p)
    return out


_OVERSTRIKE = re.compile(".\x08")


def load_fortunes(files):
    """Returns (fortunes, info). Fortunes are split on '%' lines; overstrike sequences
    (char, backspace), used for underline/bold in a few files, are removed."""
    h = hashlib.sha256()
    total = 0
    fortunes = []
    for p in files:
        data = open(p, "rb").read()
        h.update(data)
        total += len(data)
        text = data.decode("utf-8", errors="replace")
        while "\x08" in text:
            new = _OVERSTRIKE.sub("", text)
            if new == text:
                text = text.replace("\x08", "")
                break
            text = new
        for f in re.split(r"^%[ \t]*\n", text, flags=re.M):
            f = f.strip("\n")
            if f.strip():
                fortunes.append(f)
    info = {"files": [os.path.basename(p) for p in files], "bytes": total,
            "sha256": h.hexdigest(), "fortunes": len(fortunes),
            "note": "sha256 of the files' bytes concatenated in the listed order"}
    return fortunes, info


def is_val(fortune):
    """Deterministic ~2% hold-out by content hash (identical fortunes land together)."""
    return int(hashlib.sha256(fortune.encode("utf-8")).hexdigest()[:8], 16) % 50 == 0


def to_stream(tok, docs):
    ids = []
    for d in docs:
        ids.extend(tok.encode_ordinary(d))
        ids.append(tok.special_id)
    return torch.tensor(ids, dtype=torch.long)


# ---- training -----------------------------------------------------------------------------
@torch.no_grad()
def eval_loss(model, windows, batch):
    model.eval()
    tot, n = 0.0, 0
    for i in range(0, len(windows), batch):
        w = torch.stack(windows[i:i + batch])
        x, y = w[:, :-1], w[:, 1:]
        logits, _ = model(x, model.empty_cache(x.size(0)))
        tot += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                               reduction="sum").item()
        n += y.numel()
    model.train()
    return tot / n


@torch.no_grad()
def generate(model, tok, prompt, n, temperature=0.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = tok.encode(prompt)
    logits, cache = model(torch.tensor([ids]), model.empty_cache(1))
    out = []
    for _ in range(n):
        last = logits[0, -1]
        if temperature == 0.0:
            nxt = int(torch.argmax(last))
        else:
            nxt = int(torch.multinomial(torch.softmax(last / temperature, -1), 1, generator=g))
        if nxt == tok.special_id or len(ids) + len(out) + 1 > model.max_context():
            break
        out.append(nxt)
        logits, cache = model(torch.tensor([[nxt]]), cache)
    return prompt + tok.decode(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "tiny"))
    ap.add_argument("--ckpt", default="/tmp/dec_tiny_ckpt.pt")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--d-ff", type=int, default=768)
    ap.add_argument("--context", type=int, default=512, help="train context = max_context")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--eval-every", type=float, default=300.0, help="seconds")
    ap.add_argument("--log-every", type=float, default=10.0, help="seconds")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()

    files = corpus_files()
    fortunes, corpus = load_fortunes(files)
    train_docs = [f for f in fortunes if not is_val(f)]
    val_docs = [f for f in fortunes if is_val(f)]
    print(f"corpus: {len(files)} files, {corpus['bytes']} bytes, sha256 {corpus['sha256']}, "
          f"{len(fortunes)} fortunes ({len(train_docs)} train / {len(val_docs)} val)", flush=True)

    t0 = time.time()
    tok = train_bpe(train_docs, vocab_size=args.vocab)
    tok.save(os.path.join(args.out, "tokenizer.json"),
             os.path.join(args.out, "tokenizer_config.json"))
    tok = BPETokenizer.load(os.path.join(args.out, "tokenizer.json"))
    bpe_s = time.time() - t0
    train_ids = to_stream(tok, train_docs)
    val_ids = to_stream(tok, val_docs)
    train_bytes = sum(len(d.encode()) for d in train_docs)
    tok_stats = {"vocab_size": tok.vocab_size, "merges": len(tok.merges),
                 "eos_id": tok.special_id, "train_seconds": round(bpe_s, 1),
                 "train_tokens": int(train_ids.numel()), "val_tokens": int(val_ids.numel()),
                 "bytes_per_token": round(train_bytes / (train_ids.numel() - len(train_docs)), 3)}
    print(f"tokenizer: {json.dumps(tok_stats)}", flush=True)

    cfg = Config(vocab_size=tok.vocab_size, d_model=args.d_model, n_layer=args.layers,
                 n_head=args.heads, d_ff=args.d_ff, max_context=args.context)
    model = CausalLM(cfg)
    n_params = num_params(model)
    print(f"model: {json.dumps(cfg.to_dict())}, {n_params} parameters", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))

    T = args.context
    span = T + 1
    val_windows = [val_ids[i:i + span] for i in range(0, val_ids.numel() - span + 1, T)]
    g_eval = torch.Generator().manual_seed(99)
    tr_starts = torch.randint(0, train_ids.numel() - span, (len(val_windows),), generator=g_eval)
    train_windows = [train_ids[s:s + span] for s in tr_starts.tolist()]
    g = torch.Generator().manual_seed(args.seed)
    budget = args.minutes * 60.0

    history = []
    t_train = time.time()
    last_log = last_eval = t_train
    tokens_seen = 0
    ema = None
    step = 0
    while True:
        elapsed = time.time() - t_train
        progress = max(step / args.steps, elapsed / budget)
        if progress >= 1.0:
            break
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            lr = args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * progress))
        for grp in opt.param_groups:
            grp["lr"] = lr
        starts = torch.randint(0, train_ids.numel() - span, (args.batch,), generator=g)
        w = torch.stack([train_ids[s:s + span] for s in starts.tolist()])
        x, y = w[:, :-1], w[:, 1:]
        logits, _ = model(x, model.empty_cache(args.batch))
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens_seen += x.numel()
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        now = time.time()
        if now - last_log >= args.log_every:
            print(f"step {step} loss {loss.item():.4f} (ema {ema:.4f}) lr {lr:.2e} "
                  f"tok/s {tokens_seen / (now - t_train):.0f} elapsed {now - t_train:.0f}s "
                  f"epochs {tokens_seen / train_ids.numel():.2f}", flush=True)
            last_log = now
        if now - last_eval >= args.eval_every:
            vl = eval_loss(model, val_windows, 8)
            tl = eval_loss(model, train_windows, 8)
            history.append({"step": step, "elapsed_s": round(now - t_train), "train": tl, "val": vl})
            print(f"eval step {step}: train {tl:.4f} val {vl:.4f}", flush=True)
            last_eval = time.time()
    train_s = time.time() - t_train
    vl = eval_loss(model, val_windows, 8)
    tl = eval_loss(model, train_windows, 8)
    history.append({"step": step, "elapsed_s": round(train_s), "train": tl, "val": vl})
    print(f"final step {step}: train {tl:.4f} val {vl:.4f} ({train_s:.0f}s)", flush=True)

    stats = {"corpus": corpus, "tokenizer": tok_stats, "config": cfg.to_dict(),
             "parameters": n_params, "steps": step, "batch": args.batch, "context": T,
             "tokens_seen": tokens_seen, "epochs": round(tokens_seen / train_ids.numel(), 2),
             "train_seconds": round(train_s), "final_train_loss": round(tl, 4),
             "final_val_loss": round(vl, 4), "history": history,
             "args": vars(args), "torch": torch.__version__,
             "command": "OPENBLAS_NUM_THREADS=1 /usr/bin/python3 " + " ".join(
                 [os.path.relpath(os.path.abspath(sys.argv[0]))] + sys.argv[1:])}
    torch.save({"config": cfg.to_dict(), "state_dict": model.state_dict(), "stats": stats},
               args.ckpt)
    with open(args.ckpt + ".stats.json", "w") as f:
        json.dump(stats, f, indent=1)
    print(f"saved checkpoint {args.ckpt}", flush=True)

    import export
    model_pt = os.path.join(args.out, "model.pt")
    checks = export.export(args.ckpt, model_pt)
    scripted = torch.jit.load(model_pt)
    samples = []
    for prompt in ["Once upon a time", "The meaning of life is"]:
        samples.append((prompt, "greedy", generate(scripted, tok, prompt, 60)))
        samples.append((prompt, "temperature 0.8, seed 0",
                        generate(scripted, tok, prompt, 60, temperature=0.8, seed=0)))
    for p, how, s in samples:
        print(f"--- {how}: {s!r}", flush=True)
    write_readme(os.path.join(args.out, "README.md"), stats, checks, samples,
                 os.path.getsize(model_pt), time.time() - t_start)
    print(f"done in {time.time() - t_start:.0f}s", flush=True)


def write_readme(path, st, checks, samples, model_bytes, total_s):
    c = st["config"]
    hist = "\n".join(f"| {h['step']} | {h['elapsed_s']} | {h['train']:.3f} | {h['val']:.3f} |"
                     for h in st["history"])
    samp = "\n\n".join(f"*{how}*, prompt `{p}`:\n\n```\n{s}\n```" for p, how, s in samples)
    corpus = st["corpus"]
    tk = st["tokenizer"]
    text = f"""# tiny: the small fortune-cookie model that dec ships

A {st['parameters']:,}-parameter decoder-only transformer trained from scratch, on one CPU
core in {st['train_seconds'] / 60:.0f} minutes, on the English fortunes of Debian's `fortunes`
package. It exists so that dec's runtime, tests and examples have a real causal LM and a
real tokenizer to run; it writes fortune-like English, nothing more.

| file | what |
| --- | --- |
| `model.pt` | TorchScript ({model_bytes / 1e6:.1f} MB), dec calling convention (docs/models.md) |
| `tokenizer.json` | Hugging Face byte-level BPE, Llama-3 split regex, {tk['vocab_size']} tokens |
| `tokenizer_config.json` | `eos_token: <|endoftext|>` |

## Model

| | |
| --- | --- |
| architecture | pre-LayerNorm transformer, RoPE (base {c['rope_base']:g}), GELU MLP, tied embeddings |
| vocab / d_model / layers / heads / d_ff | {c['vocab_size']} / {c['d_model']} / {c['n_layer']} / {c['n_head']} / {c['d_ff']} |
| max_context | {c['max_context']} (also the training context) |
| parameters | {st['parameters']:,} (float32) |
| cache | float32 `[{c['n_layer']}, 2, B, {c['n_head']}, S, {c['d_model'] // c['n_head']}]` |
| EOS | `<|endoftext|>` = id {tk['eos_id']}, also the separator between fortunes |

## Corpus

`/usr/share/games/fortunes/*` from the Debian package `fortunes` ({len(corpus['files'])}
files, the plain text ones: `.dat` indexes and `.u8` symlinks skipped), {corpus['bytes']:,}
bytes, SHA-256 of the files concatenated in this order `{corpus['sha256']}`:
{', '.join(corpus['files'])}.

Split into {corpus['fortunes']:,} fortunes on the `%` lines; overstrike sequences (char,
backspace) removed. About 2% of the fortunes (those whose SHA-256 mod 50 is 0) are held
out for validation. Documents are joined with `<|endoftext|>`.

## Tokenizer

Byte-level BPE trained by `examples/models/bpe.py` on the training fortunes in
{tk['train_seconds']:.0f} s: 256 byte tokens, {tk['merges']} merges, `<|endoftext|>` last
(id {tk['eos_id']}). Training stream {tk['train_tokens']:,} tokens, validation
{tk['val_tokens']:,}; {tk['bytes_per_token']} bytes per token.

Checked against an independent implementation, the npm package `@lenml/tokenizers` (a
fork of transformers.js): `/usr/bin/python3 examples/models/bpe.py
examples/models/tiny/tokenizer.json --compare-js .deps/npm/node_modules/@lenml/tokenizers`
encodes 2,000 random fortunes, 50 five-fortune chunks joined by `<|endoftext|>` and 15
edge cases (contractions in capitals, digits, CRLF, tabs, non-ASCII, emoji) and gives the
same ids in Python and JavaScript for all of them.

## Training

AdamW (betas 0.9/0.95, weight decay {st['args']['weight_decay']}), peak lr
{st['args']['lr']}, {st['args']['warmup']} warm-up steps then cosine to
{st['args']['min_lr']}, batch {st['batch']} random windows of {st['context']} tokens, grad
clip 1.0, {st['steps']} steps = {st['tokens_seen']:,} tokens ({st['epochs']} epochs),
{st['train_seconds']} s on one thread (torch {st['torch']}, OpenBLAS).

Final loss (nats/token): **train {st['final_train_loss']:.3f}, validation
{st['final_val_loss']:.3f}**.

| step | seconds | train | val |
| --- | --- | --- | --- |
{hist}

## Export checks

After reloading `model.pt`: incremental decoding (prompt, then one token per call with the
cache) vs. full recompute, max |diff| of logits = {checks['incremental_max_abs_diff']:.2e};
a batch of 2 different sequences vs. each alone, max |diff| = {checks['batch_max_abs_diff']:.2e}.

## Samples

{samp}

## Reproduce

From the repository root (total wall time here {total_s / 60:.0f} minutes):

```
apt-get install -y fortunes python3-regex libopenblas0-pthread
{st['command']}
```

The trainer saves a state dict to `/tmp/dec_tiny_ckpt.pt`; re-export it with
`/usr/bin/python3 examples/models/export.py --checkpoint /tmp/dec_tiny_ckpt.pt --out examples/models/tiny/model.pt`.

Training stops after `--minutes` of wall time, so the step count depends on the machine's
speed and load (here one core shared with C++ builds, 1,550-2,050 tokens/s). For a run of
the same length as this one, pass `--steps {st['steps']} --minutes 600`: the schedule then
follows the step count. Data order and initialisation are seeded.
"""
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
