#!/usr/bin/python3
"""Checks dec-run's JSON output against the plain reference decoder.

  e2e_check.py greedy RESULT.json --model M.pt --tokenizer T.json [--processors ...]
               [--ban STR ...] [--ban-token ID ...] [--ban-eos] [--stop STR ...]
      Recomputes greedy decoding with reference_decode.py's processors (full
      recompute, no KV cache) and compares token ids, text and finish reason.
      Constraints are applied before the processors, as dec does: banned strings
      by brute force (a token is excluded when appending its bytes to the text
      so far would create an occurrence), banned ids and EOS set to -inf; stop
      strings end the sequence and are cut from the text.

  e2e_check.py distribution RESULT.json --model M.pt [--processors ...] [--ban-eos]
      RESULT holds many samples (dec-run -n N) of 2 tokens. Tests, by chi-square,
      the first tokens against the reference next-token distribution, and the
      second tokens of the samples whose first token is the most frequent one
      against the distribution after it. Also checks that the same counts are
      rejected against a wrong distribution (the test can fail).

  e2e_check.py constrained RESULT.json --model M.pt --tokenizer T.json --viable REGEX
               [--processors ...] [--enforce mask|rejection]
      RESULT holds many one-token samples of a program with a structured
      constraint. The exact reference: the model's next-token distribution
      after the processors, restricted to the tokens whose bytes are a viable
      prefix of the constraint (REGEX, a Python bytes regex that fullmatches
      exactly the viable prefixes, written independently of dec's engine) and
      renormalised. Tests the first tokens against it by chi-square, checks
      the control, and that the runtime enforced the constraint the way asked
      (mask fills or single-token checks).

Exit status 0 when everything matches; otherwise prints the first mismatch.
"""
import argparse
import json
import os
import re
import sys

import torch
from scipy.stats import chisquare

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_decode as ref  # noqa: E402


def byte_decoder():
    """GPT-2's byte <-> unicode table, inverted."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def token_bytes(tokenizer_path):
    """bytes of every token id; special tokens map to None (they add no text)."""
    with open(tokenizer_path, encoding="utf-8") as f:
        t = json.load(f)
    dec = byte_decoder()
    table = {}
    for s, i in t["model"]["vocab"].items():
        table[i] = bytes(dec[c] for c in s)
    for a in t["added_tokens"]:
        table[a["id"]] = None if a["special"] else a["content"].encode()
    return table


def fail(message):
    print("MISMATCH: " + message)
    sys.exit(1)


def load_processors(spec):
    out = []
    for item in (spec or "").split(","):
        if item.strip():
            name, _, v = item.strip().partition("=")
            out.append((name, ref.PROCESSORS[name][1](v)))
    return out


def greedy(args, result):
    model = torch.jit.load(args.model)
    table = token_bytes(args.tokenizer)
    processors = load_processors(args.processors)
    eos = set(args.eos)
    ids = list(result["prompt_tokens"])
    ref.prompt_length = len(ids)
    text = b""
    tokens, reason = [], "length"
    max_tokens = args.max_tokens
    while len(tokens) < max_tokens:
        scores = ref.next_logits(model, ids)
        vocab = scores.numel()
        for v in range(vocab):
            b = table.get(v)
            if v in args.ban_token or (args.ban_eos and v in eos):
                scores[v] = float("-inf")
            elif b is not None and args.ban:
                tail = text + b
                start = max(0, len(text) - max(len(s) for s in args.ban) + 1)
                if any(s in tail[start:] for s in args.ban):
                    scores[v] = float("-inf")
        scores = ref.process(scores, ids, processors)
        token = ref.argmax_lowest_id(scores)
        ids.append(token)
        tokens.append(token)
        if token in eos:
            reason = "eos"
            break
        if table.get(token):
            text += table[token]
        hits = [text.find(s) for s in args.stop if text.find(s) >= 0]
        if hits:
            text = text[:min(hits)]
            reason = "stop"
            break
    if result["tokens"] != tokens:
        n = next((i for i, (a, b) in enumerate(zip(result["tokens"], tokens)) if a != b),
                 min(len(tokens), len(result["tokens"])))
        fail(f"tokens differ at step {n}:\n  dec:       {result['tokens']}\n  reference: {tokens}")
    want = text.decode("utf-8", errors="replace")
    if result["text"] != want:
        fail(f"text differs:\n  dec:       {result['text']!r}\n  reference: {want!r}")
    if result["finish_reason"] != reason:
        fail(f"finish reason: dec {result['finish_reason']!r}, reference {reason!r}")
    print(f"OK greedy: {len(tokens)} tokens, finish {reason}, text {want!r}")


def chi_square(counts, probs, what):
    """p-value of observed counts under probs, pooling cells with expected < 5."""
    n = sum(counts.values())
    expected = {t: n * p for t, p in enumerate(probs) if p > 0}
    for t in counts:
        if t not in expected:
            fail(f"{what}: token {t} sampled {counts[t]} times but has probability 0")
    big = sorted(t for t, e in expected.items() if e >= 5)
    obs = [counts.get(t, 0) for t in big]
    exp = [expected[t] for t in big]
    rest_obs = n - sum(obs)
    rest_exp = n - sum(exp)
    if rest_exp >= 5:
        obs.append(rest_obs)
        exp.append(rest_exp)
    else:  # fold the tail into the last cell
        obs[-1] += rest_obs
        exp[-1] += rest_exp
    return chisquare(obs, exp).pvalue, len(obs)


def distribution(args, result):
    model = torch.jit.load(args.model)
    processors = load_processors(args.processors)
    samples = result["samples"]
    prompt = samples[0]["prompt_tokens"]
    eos = set(args.eos)

    def probs_after(ids):
        scores = ref.next_logits(model, ids)
        if args.ban_eos:
            for e in eos:
                scores[e] = float("-inf")
        return torch.softmax(ref.process(scores, ids, processors), dim=-1).tolist()

    first = {}
    for s in samples:
        first[s["tokens"][0]] = first.get(s["tokens"][0], 0) + 1
    p1 = probs_after(prompt)
    pvalue, cells = chi_square(first, p1, "step 1")
    print(f"step 1: {len(samples)} samples, {cells} cells, chi-square p = {pvalue:.4f}")
    if pvalue < args.alpha:
        fail(f"step 1 frequencies do not match the reference distribution (p = {pvalue:.2e})")

    # The same counts against a wrong distribution (temperature 1.5 on top) must fail.
    wrong = torch.softmax(ref.process(ref.next_logits(model, prompt), prompt,
                                      processors + [("temperature", 1.5)]), dim=-1).tolist()
    pwrong, _ = chi_square(first, wrong, "control")
    print(f"control: the same counts against a wrong distribution: p = {pwrong:.2e}")
    if pwrong >= args.alpha:
        fail("the chi-square test cannot tell a wrong distribution apart")

    mode = max(first, key=first.get)
    second = {}
    for s in samples:
        if s["tokens"][0] == mode:
            second[s["tokens"][1]] = second.get(s["tokens"][1], 0) + 1
    p2 = probs_after(prompt + [mode])
    pvalue, cells = chi_square(second, p2, "step 2")
    print(f"step 2 after token {mode}: {sum(second.values())} samples, {cells} cells, "
          f"chi-square p = {pvalue:.4f}")
    if pvalue < args.alpha:
        fail(f"step 2 frequencies do not match the reference distribution (p = {pvalue:.2e})")
    print("OK distribution")


def constrained(args, result):
    model = torch.jit.load(args.model)
    processors = load_processors(args.processors)
    samples = result["samples"]
    prompt = samples[0]["prompt_tokens"]
    table = token_bytes(args.tokenizer)
    viable = re.compile(args.viable.encode("latin-1"))
    scores = ref.process(ref.next_logits(model, prompt), prompt, processors)
    allowed = [t for t in range(scores.shape[0])
               if table.get(t) and viable.fullmatch(table[t])]
    if not allowed:
        fail("no token is allowed at the first step")
    masked = torch.full_like(scores, float("-inf"))
    masked[allowed] = scores[allowed]
    probs = torch.softmax(masked, dim=-1).tolist()
    mass = torch.softmax(scores, dim=-1)[allowed].sum().item()
    print(f"{len(allowed)} tokens allowed at step 1, holding {mass:.3f} of the mass")

    first = {}
    checks = 0
    for s in samples:
        c = s.get("constraint")
        if not c or c["enforce"] != args.enforce:
            fail(f"the sample was not constrained in {args.enforce} mode: {c}")
        if args.enforce == "mask" and (c["mask_fills"] < 1 or c["token_checks"] != 0):
            fail(f"mask mode should fill masks and check no single token: {c}")
        if args.enforce == "rejection" and (c["mask_fills"] != 0 or c["token_checks"] < 1):
            fail(f"rejection mode should check tokens and fill no mask: {c}")
        checks += c["token_checks"] if args.enforce == "rejection" else c["mask_fills"]
        first[s["tokens"][0]] = first.get(s["tokens"][0], 0) + 1
    pvalue, cells = chi_square(first, probs, "step 1")
    print(f"step 1: {len(samples)} samples, {cells} cells, chi-square p = {pvalue:.4f}")
    if pvalue < args.alpha:
        fail(f"step 1 frequencies do not match the masked distribution (p = {pvalue:.2e})")
    # The same counts against the sampler's distribution with the mask applied
    # after the temperature at 1.5 instead must fail.
    wrong_scores = ref.process(ref.next_logits(model, prompt), prompt,
                               processors + [("temperature", 1.5)])
    wrong = torch.full_like(wrong_scores, float("-inf"))
    wrong[allowed] = wrong_scores[allowed]
    pwrong, _ = chi_square(first, torch.softmax(wrong, dim=-1).tolist(), "control")
    print(f"control: the same counts against a wrong distribution: p = {pwrong:.2e}")
    if pwrong >= args.alpha:
        fail("the chi-square test cannot tell a wrong distribution apart")
    what = "single-token checks" if args.enforce == "rejection" else "mask fills"
    print(f"{args.enforce}: {checks / len(samples):.2f} {what} per sample "
          f"(rejection with replacement would need 1 / {mass:.3f} = {1 / mass:.2f} checks)")
    print("OK constrained")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["greedy", "distribution", "constrained"])
    ap.add_argument("result", help="dec-run --json output")
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokenizer")
    ap.add_argument("--processors", default="")
    ap.add_argument("--eos", type=int, nargs="*", default=[4095])
    ap.add_argument("--max-tokens", type=int, default=40)
    ap.add_argument("--ban", nargs="*", default=[], type=lambda s: s.encode())
    ap.add_argument("--ban-token", nargs="*", default=[], type=int)
    ap.add_argument("--ban-eos", action="store_true")
    ap.add_argument("--stop", nargs="*", default=[], type=lambda s: s.encode())
    ap.add_argument("--alpha", type=float, default=1e-3)
    ap.add_argument("--viable", help="constrained: bytes regex of the viable prefixes")
    ap.add_argument("--enforce", choices=["mask", "rejection"], default="mask")
    args = ap.parse_args()
    with open(args.result, encoding="utf-8") as f:
        result = json.load(f)
    {"greedy": greedy, "distribution": distribution,
     "constrained": constrained}[args.mode](args, result)


if __name__ == "__main__":
    main()
