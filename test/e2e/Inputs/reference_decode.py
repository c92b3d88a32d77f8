#!/usr/bin/python3
"""Plain reference decoder that dec's compiled decoding programs are checked against.

Deliberately straightforward and independent of the dec runtime: it never uses the KV
cache. Every step recomputes the whole sequence,

    logits, _ = model(all_tokens, model.empty_cache(1));  next-token logits = logits[0, -1]

so it also cross-checks the runtime's incremental (cached) path. Plain float32 torch ops.

Usage:
    reference_decode.py --model M.pt --prompt-ids "1 2 3" --mode greedy|distribution|sample
        [--max-tokens N] [--eos ID ...]
        [--repetition-penalty R] [--temperature T] [--top-k K] [--top-p P] [--min-p P]
        [--processors "name=value,name=value,..."] [--seed S]

Logits processors are applied in the order they are given on the command line (so
`--temperature 0.7 --top-k 40` and `--top-k 40 --temperature 0.7` differ where it
matters); each may be given more than once. `--processors` is an alternative spelling
of the same ordered list, e.g. `--processors "repetition_penalty=1.3,top_k=40,temperature=0.8"`
(names: repetition_penalty, temperature, top_k, top_p, min_p, typical, epsilon, eta, top_h);
options given both ways are applied in command-line order. The processors are written to match Hugging Face
transformers' LogitsProcessors (see each function), with min_tokens_to_keep = 1 and
filtered tokens set to -inf:

    repetition_penalty R  RepetitionPenaltyLogitsProcessor: for every token id that occurs
                          in the sequence so far (prompt included), logit / R if positive,
                          logit * R otherwise.
    temperature T         TemperatureLogitsWarper: logits / T (T > 0).
    top_k K               TopKLogitsWarper: remove logits < the K-th largest (ties kept).
    top_p P               TopPLogitsWarper: sort ascending, cumulative softmax, remove
                          cumulative <= 1 - P, always keep the largest. Ties in the sort are
                          ordered by token id (stable sort), so among equal logits the
                          lower ids are removed first.
    min_p P               MinPLogitsWarper: remove tokens whose probability is
                          < P * (the largest probability); the top token is kept.
    typical M             TypicalLogitsWarper: sort |-log p - entropy| ascending, keep the
                          prefix until the cumulative probability reaches M (and all ties
                          of its last value).
    epsilon E             EpsilonLogitsWarper: remove tokens with probability < E, except
                          the top token.
    eta E                 EtaLogitsWarper: remove tokens with probability <
                          min(E, sqrt(E) * exp(-entropy)), except the top token.
    top_h A               TopHLogitsWarper: of the 100 largest logits (ties by token id),
                          keep the prefix whose cumulative sum of -p log p (p: their
                          softmax) stays <= A * their entropy, and always the first.

Modes:
    greedy        repeat N times: process the logits, pick argmax (ties -> lowest token
                  id), append. Stops after an EOS id (which is included as the last token)
                  or after --max-tokens tokens, or when the model's max_context is reached.
                  Prints {"tokens": [generated ids]}.
    distribution  prints {"probs": [...]}: softmax of the processed logits for the
                  token following the prompt (vocab_size floats; filtered tokens are 0).
                  Used for chi-square tests of the compiled sampler.
    sample        like greedy but draws from the processed distribution with
                  torch.multinomial (seeded by --seed); for demos, not for token-exact
                  comparison with the runtime, whose RNG is different.
"""
import argparse
import json
import sys

import torch


# ---- logits processors (scores: float32 [V]; ids: list of ints so far) -----------------------
def repetition_penalty(scores, ids, penalty):
    # transformers.RepetitionPenaltyLogitsProcessor
    assert penalty > 0
    out = scores.clone()
    for t in set(ids):
        s = scores[t]
        out[t] = s * penalty if s < 0 else s / penalty
    return out


# The number of prompt tokens at the start of `ids`: the vLLM penalties count only
# the generated tokens after them (set by the caller before decoding).
prompt_length = 0


def frequency_penalty(scores, ids, penalty):
    # vllm: logits -= frequency_penalty * output_token_counts
    out = scores.clone()
    for t in ids[prompt_length:]:
        out[t] -= penalty
    return out


def presence_penalty(scores, ids, penalty):
    # vllm: logits -= presence_penalty * (output_token_counts > 0)
    out = scores.clone()
    for t in set(ids[prompt_length:]):
        out[t] -= penalty
    return out


def temperature(scores, ids, temp):
    # transformers.TemperatureLogitsWarper
    assert temp > 0, "temperature must be > 0"
    return scores / temp


def top_k(scores, ids, k):
    # transformers.TopKLogitsWarper (min_tokens_to_keep=1, filter_value=-inf)
    k = min(max(int(k), 1), scores.numel())
    kth = torch.topk(scores, k).values[-1]
    return scores.masked_fill(scores < kth, float("-inf"))


def top_p(scores, ids, p):
    # transformers.TopPLogitsWarper (min_tokens_to_keep=1, filter_value=-inf)
    assert 0.0 <= p <= 1.0
    sorted_logits, sorted_idx = torch.sort(scores, descending=False, stable=True)
    cum = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    remove_sorted = cum <= (1.0 - p)
    remove_sorted[-1:] = False
    remove = torch.zeros_like(remove_sorted)
    remove[sorted_idx] = remove_sorted
    return scores.masked_fill(remove, float("-inf"))


def min_p(scores, ids, p):
    # transformers.MinPLogitsWarper (min_tokens_to_keep=1, filter_value=-inf)
    assert 0.0 <= p <= 1.0
    probs = torch.softmax(scores, dim=-1)
    remove = probs < p * probs.max()
    remove[torch.argmax(scores)] = False  # keep at least the top token
    return scores.masked_fill(remove, float("-inf"))


def typical(scores, ids, mass):
    # transformers.TypicalLogitsWarper (min_tokens_to_keep=1, filter_value=-inf)
    assert 0.0 < mass < 1.0
    normalized = torch.log_softmax(scores, dim=-1)
    p = torch.exp(normalized)
    ent = -(normalized * p).nansum(-1, keepdim=True)
    shifted = torch.abs((-normalized) - ent)
    sorted_scores, sorted_idx = torch.sort(shifted, descending=False, stable=True)
    cum = scores.gather(-1, sorted_idx).softmax(dim=-1).cumsum(dim=-1)
    last = min(int((cum < mass).sum()), scores.numel() - 1)
    remove_sorted = sorted_scores > sorted_scores[last]
    remove_sorted[:1] = False
    remove = torch.zeros_like(remove_sorted)
    remove[sorted_idx] = remove_sorted
    return scores.masked_fill(remove, float("-inf"))


def epsilon(scores, ids, eps):
    # transformers.EpsilonLogitsWarper (min_tokens_to_keep=1, filter_value=-inf)
    assert 0.0 < eps < 1.0
    probs = torch.softmax(scores, dim=-1)
    remove = (probs < eps) & (scores < torch.topk(scores, 1).values[-1])
    return scores.masked_fill(remove, float("-inf"))


def eta(scores, ids, eps):
    # transformers.EtaLogitsWarper (min_tokens_to_keep=1, filter_value=-inf)
    assert 0.0 < eps < 1.0
    eps = torch.tensor(eps)
    probs = torch.softmax(scores, dim=-1)
    entropy = torch.distributions.Categorical(logits=scores).entropy()
    cutoff = torch.min(eps, torch.sqrt(eps) * torch.exp(-entropy))
    remove = (probs < cutoff) & (scores < torch.topk(scores, 1).values[-1])
    return scores.masked_fill(remove, float("-inf"))


def top_h(scores, ids, alpha):
    # transformers.TopHLogitsWarper (top_n = 100, filter_value=-inf).  Its torch.topk leaves
    # the order of equal logits unspecified; a stable sort orders them by token id.
    assert 0.0 < alpha <= 1.0
    top_n = min(100, scores.numel())
    top_logits, top_idx = torch.sort(scores, descending=True, stable=True)
    top_logits, top_idx = top_logits[:top_n], top_idx[:top_n]
    dist = torch.distributions.Categorical(logits=top_logits)
    probs = dist.probs
    tau = dist.entropy() * alpha
    cumulative_entropy = torch.cumsum(-probs * torch.log(probs), dim=-1)
    selection = cumulative_entropy <= tau
    selection[0] = True
    keep = torch.zeros_like(scores, dtype=torch.bool)
    keep[top_idx] = selection
    return scores.masked_fill(~keep, float("-inf"))


PROCESSORS = {
    "repetition_penalty": (repetition_penalty, float),
    "frequency_penalty": (frequency_penalty, float),
    "presence_penalty": (presence_penalty, float),
    "temperature": (temperature, float),
    "top_k": (top_k, int),
    "top_p": (top_p, float),
    "min_p": (min_p, float),
    "typical": (typical, float),
    "epsilon": (epsilon, float),
    "eta": (eta, float),
    "top_h": (top_h, float),
}


def process(scores, ids, processors):
    for name, value in processors:
        scores = PROCESSORS[name][0](scores, ids, value)
    return scores


def argmax_lowest_id(scores):
    """argmax with ties broken towards the lowest token id."""
    best = scores.max()
    return int((scores == best).nonzero()[0, 0])


# ---- the model ---------------------------------------------------------------------------------
@torch.no_grad()
def next_logits(model, ids):
    """Full recompute, no cache: logits (float32 [V]) for the token after `ids`."""
    tokens = torch.tensor([ids], dtype=torch.long)
    logits, _ = model(tokens, model.empty_cache(1))
    return logits[0, -1].float()


# ---- command line ------------------------------------------------------------------------------
class AddProcessor(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        name = self.dest
        namespace.processors.append((name, PROCESSORS[name][1](value)))


class AddProcessorList(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, v = item.partition("=")
            name = name.strip().replace("-", "_")
            if name not in PROCESSORS or not v:
                parser.error(f"--processors: bad item {item!r}; names: {', '.join(PROCESSORS)}")
            namespace.processors.append((name, PROCESSORS[name][1](v)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="TorchScript model (dec calling convention)")
    ap.add_argument("--prompt-ids", required=True, help='space-separated token ids, e.g. "1 2 3"')
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--eos", type=int, nargs="*", default=[], help="EOS token ids")
    ap.add_argument("--mode", choices=["greedy", "distribution", "sample"], default="greedy")
    ap.add_argument("--seed", type=int, default=0, help="for --mode sample")
    ap.set_defaults(processors=[])
    for name in PROCESSORS:
        ap.add_argument("--" + name.replace("_", "-"), dest=name, action=AddProcessor,
                        default=argparse.SUPPRESS, metavar="X")
    ap.add_argument("--processors", action=AddProcessorList, default=argparse.SUPPRESS,
                    help='ordered list "name=value,..." (alternative to the options above)')
    args = ap.parse_args(argv)

    torch.set_num_threads(1)
    model = torch.jit.load(args.model, map_location="cpu")
    model.eval()
    ids = [int(t) for t in args.prompt_ids.replace(",", " ").split()]
    if not ids:
        ap.error("--prompt-ids must hold at least one token id")
    V = model.vocab_size()
    if any(t < 0 or t >= V for t in ids):
        ap.error(f"token ids must be in [0, {V})")

    if args.mode == "distribution":
        scores = process(next_logits(model, ids), ids, args.processors)
        probs = torch.softmax(scores, dim=-1)
        print(json.dumps({"probs": [float(p) for p in probs]}))
        return 0

    gen = torch.Generator().manual_seed(args.seed)
    eos = set(args.eos)
    out = []
    while len(out) < args.max_tokens and len(ids) < model.max_context():
        scores = process(next_logits(model, ids), ids, args.processors)
        if args.mode == "greedy":
            t = argmax_lowest_id(scores)
        else:
            t = int(torch.multinomial(torch.softmax(scores, dim=-1), 1, generator=gen))
        ids.append(t)
        out.append(t)
        if t in eos:
            break
    print(json.dumps({"tokens": out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
