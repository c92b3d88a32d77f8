#!/usr/bin/env python3
"""Property test: everything the engine generates is in the language.

For each constraint in the given files (or MaskBench schemas), run
`dec-constrain --sample N` (random walks over allowed tokens) and check each
sample against an independent reference:
  *.json  (JSON Schema): json.loads succeeds, json.dumps gives back the exact
          text (the engine claims Python's spelling), and python-jsonschema
          validates it with format checking (plus strict checkers for the
          formats it cannot check without extra packages);
  *.regex (one pattern per file): re.fullmatch, Python semantics;
  *.gbnf: a small Earley recognizer for GBNF written here.
Exit status 1 on any failure, with the offending samples printed.
"""
import argparse
import datetime
import decimal
import json
import os
import re
import subprocess
import sys

# Exact decimals of any size (generated numbers may have huge exponents).
decimal.getcontext().prec = 100000
decimal.getcontext().Emax = decimal.MAX_EMAX
decimal.getcontext().Emin = decimal.MIN_EMIN


def fail(msg):
    print("FAIL: " + msg)
    return False


# ---- JSON Schema ------------------------------------------------------------

def make_validator(schema):
    """python-jsonschema with numbers as exact decimals (JSON Schema compares
    mathematical values; MaskBench labels do too, e.g. 10.99 is a multiple of
    0.01 although 10.99 / 0.01 is not an integer in floating point)."""
    import jsonschema
    checker = jsonschema.FormatChecker()

    @checker.checks("time", raises=ValueError)
    def time(value):
        # RFC 3339 full-time (the checker registered by default here is
        # draft 3's, which allows no time zone).
        if not isinstance(value, str):
            return True
        m = re.fullmatch(r"(\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))", value)
        if not m:
            return False
        datetime.time.fromisoformat(m.group(1))
        return m.group(4) is None or (int(m.group(4)) < 24 and int(m.group(5)) < 60)

    @checker.checks("date-time", raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})", value)
        if not m:
            return False
        datetime.date.fromisoformat(m.group(1))
        datetime.time.fromisoformat(m.group(2)[:8])
        return True

    @checker.checks("hostname")
    def hostname(value):
        if not isinstance(value, str):
            return True
        labels = value.split(".")
        return len(value) <= 253 and all(
            re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", label) for label in labels)

    @checker.checks("duration")
    def duration(value):
        if not isinstance(value, str):
            return True
        return re.fullmatch(r"P(?:(?:\d+D|\d+M(?:\d+D)?|\d+Y(?:\d+M(?:\d+D)?)?)(?:T(?:\d+H(?:\d+M(?:\d+S)?)?|"
                            r"\d+M(?:\d+S)?|\d+S))?|T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S)|\d+W)",
                            value) is not None

    base = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    legacy = base in (jsonschema.Draft3Validator, jsonschema.Draft4Validator)

    def is_number(_, x):
        return isinstance(x, (int, float, decimal.Decimal)) and not isinstance(x, bool)

    def is_integer(_, x):
        if isinstance(x, bool):
            return False
        if isinstance(x, int):
            return True
        if isinstance(x, decimal.Decimal):
            return not legacy and x == x.to_integral_value()
        return isinstance(x, float) and not legacy and x.is_integer()

    def multiple_of(validator, m, instance, schema):
        if not validator.is_type(instance, "number"):
            return
        if decimal.Decimal(str(instance)) % decimal.Decimal(str(m)) != 0:
            yield jsonschema.ValidationError(f"{instance} is not a multiple of {m}")

    types = base.TYPE_CHECKER.redefine_many({"number": is_number, "integer": is_integer})
    # As `extend` would, but keeping drafts 3-7's "$ref ignores its siblings".
    import operator
    from jsonschema import _legacy_validators
    ref_alone = base in (jsonschema.Draft3Validator, jsonschema.Draft4Validator, jsonschema.Draft6Validator,
                         jsonschema.Draft7Validator)
    cls = jsonschema.validators.create(
        meta_schema=base.META_SCHEMA, validators={**base.VALIDATORS, "multipleOf": multiple_of},
        type_checker=types, id_of=base.ID_OF,
        applicable_validators=_legacy_validators.ignore_ref_siblings if ref_alone else operator.methodcaller("items"))
    return cls(schema, format_checker=checker)


def without_numbers(text):
    """The text with every number literal (outside strings) replaced by 0."""
    out, i, in_string = [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif c in "-0123456789":
            while i + 1 < len(text) and text[i + 1] in "0123456789.eE+-":
                i += 1
            out.append("0")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def check_json(schema, samples, name, whitespace):
    validator = make_validator(schema)
    ok = True
    for text in samples:
        try:
            try:
                value = json.loads(text, parse_float=decimal.Decimal)
            except decimal.InvalidOperation:  # an exponent beyond any context
                value = json.loads(text)
        except ValueError as e:
            ok = fail(f"{name}: not JSON ({e}): {text!r}")
            continue
        # Strings and structure are spelled exactly as json.dumps writes them
        # (numbers may be spelled in any JSON way).
        if whitespace == "python":
            canonical = json.dumps(json.loads(text, parse_float=lambda _: 0, parse_int=lambda _: 0),
                                   ensure_ascii=False)
            if without_numbers(canonical) != without_numbers(text):
                ok = fail(f"{name}: not Python's spelling: {text!r}")
        errors = list(validator.iter_errors(value))
        if errors:
            ok = fail(f"{name}: invalid instance {text!r}: {errors[0].message}")
    return ok


# ---- GBNF reference ---------------------------------------------------------

def parse_gbnf(src):
    """GBNF -> {name: alternatives}, alternatives = [[item]], item =
    ('chars', set-predicate) | ('ref', name) | ('group', alts, min, max)."""
    pos = 0
    rules = {}

    def skip():
        nonlocal pos
        while pos < len(src):
            if src[pos].isspace():
                pos += 1
            elif src[pos] == '#':
                while pos < len(src) and src[pos] != '\n':
                    pos += 1
            else:
                break

    def name():
        nonlocal pos
        m = re.match(r"[A-Za-z0-9_-]+", src[pos:])
        pos += len(m.group(0))
        return m.group(0)

    def at_rule():
        return re.match(r"[A-Za-z0-9_-]+\s*::=", src[pos:]) is not None

    def char():
        nonlocal pos
        c = src[pos]
        pos += 1
        if c != '\\':
            return c
        e = src[pos]
        pos += 1
        if e in 'xuU':
            n = {'x': 2, 'u': 4, 'U': 8}[e]
            v = int(src[pos:pos + n], 16)
            pos += n
            return chr(v)
        return {'n': '\n', 'r': '\r', 't': '\t'}.get(e, e)

    def alternation(depth):
        alts = [sequence(depth)]
        skip()
        while pos < len(src) and src[pos] == '|':
            advance(1)
            alts.append(sequence(depth))
            skip()
        return alts

    def advance(n):
        nonlocal pos
        pos += n

    def sequence(depth):
        items = []
        while True:
            skip()
            if pos >= len(src) or src[pos] in '|)' or (depth == 0 and at_rule()):
                return items
            item = atom(depth)
            while pos < len(src) and src[pos] in '*+?{':
                c = src[pos]
                advance(1)
                if c == '{':
                    m = re.match(r"\s*(\d+)\s*(,\s*(\d*))?\s*}", src[pos:])
                    advance(len(m.group(0)))
                    lo = int(m.group(1))
                    hi = lo if not m.group(2) else (int(m.group(3)) if m.group(3) else None)
                else:
                    lo, hi = {'*': (0, None), '+': (1, None), '?': (0, 1)}[c]
                item = ('group', [[item]], lo, hi)
            items.append(item)

    def atom(depth):
        c = src[pos]
        if c == '"':
            advance(1)
            items = []
            while src[pos] != '"':
                ch = char()
                items.append(('chars', lambda x, ch=ch: x == ch))
            advance(1)
            return ('group', [items], 1, 1)
        if c == '[':
            advance(1)
            neg = src[pos] == '^'
            if neg:
                advance(1)
            ranges = []
            while src[pos] != ']':
                lo = char()
                hi = lo
                if src[pos] == '-' and src[pos + 1] != ']':
                    advance(1)
                    hi = char()
                ranges.append((lo, hi))
            advance(1)
            return ('chars', lambda x, r=ranges, n=neg: any(a <= x <= b for a, b in r) != n)
        if c == '.':
            advance(1)
            return ('chars', lambda x: True)
        if c == '(':
            advance(1)
            alts = alternation(depth + 1)
            skip()
            advance(1)  # ')'
            return ('group', alts, 1, 1)
        return ('ref', name())

    skip()
    while pos < len(src):
        n = name()
        skip()
        advance(3)  # '::='
        rules[n] = alternation(0)
        skip()
    return rules


def gbnf_matches(rules, text):
    """Earley recognition over characters; groups are expanded into fresh
    rules (repetitions bounded by `hi` copies, unbounded by recursion)."""
    grammar = {}
    counter = [0]

    def fresh(alts):
        counter[0] += 1
        key = f"_g{counter[0]}"
        grammar[key] = alts
        return key

    def lower_items(items):
        out = []
        for it in items:
            if it[0] == 'chars':
                out.append(it)
            elif it[0] == 'ref':
                out.append(('nt', it[1]))
            else:
                _, alts, lo, hi = it
                body = fresh([lower_items(a) for a in alts])
                seq = [('nt', body)] * lo
                if hi is None:
                    star = fresh([])
                    grammar[star] = [[], [('nt', body), ('nt', star)]]
                    seq.append(('nt', star))
                else:
                    for _ in range(hi - lo):
                        opt = fresh([[], [('nt', body)]])
                        seq.append(('nt', opt))
                out.extend(seq)
        return out

    for n, alts in rules.items():
        grammar[n] = [lower_items(a) for a in alts]
    nullable = set()
    changed = True
    while changed:
        changed = False
        for n, alts in grammar.items():
            if n not in nullable and any(all(s[0] == 'nt' and s[1] in nullable for s in a) for a in alts):
                nullable.add(n)
                changed = True
    sets = [set() for _ in range(len(text) + 1)]
    for i, a in enumerate(grammar['root']):
        sets[0].add(('root', i, 0, 0))
    for k in range(len(text) + 1):
        work = list(sets[k])
        while work:
            item = work.pop()
            n, alt, dot, origin = item
            body = grammar[n][alt]
            if dot == len(body):
                for (pn, palt, pdot, porigin) in list(sets[origin]):
                    pbody = grammar[pn][palt]
                    if pdot < len(pbody) and pbody[pdot] == ('nt', n):
                        new = (pn, palt, pdot + 1, porigin)
                        if new not in sets[k]:
                            sets[k].add(new)
                            work.append(new)
                continue
            sym = body[dot]
            if sym[0] == 'nt':
                for i in range(len(grammar[sym[1]])):
                    new = (sym[1], i, 0, k)
                    if new not in sets[k]:
                        sets[k].add(new)
                        work.append(new)
                if sym[1] in nullable:
                    new = (n, alt, dot + 1, origin)
                    if new not in sets[k]:
                        sets[k].add(new)
                        work.append(new)
            elif k < len(text) and sym[1](text[k]):
                sets[k + 1].add((n, alt, dot + 1, origin))
    return any(n == 'root' and dot == len(grammar[n][alt]) and origin == 0
               for (n, alt, dot, origin) in sets[len(text)])


# ---- Driver -----------------------------------------------------------------

def run_tool(args, kind, spec_path, seed, extra=()):
    cmd = [args.tool, "--tokenizer", args.tokenizer, "--kind", kind, spec_path, "--sample", str(args.samples),
           "--seed", str(seed), "--max-tokens", str(args.max_tokens), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape")
    lines = [l for l in r.stdout.split("\n") if l]
    if r.returncode == 2 or (r.returncode != 0 and not lines):
        return None, f"dec-constrain failed: {r.stdout.strip()} {r.stderr.strip()}"
    dead = [l for l in lines if l.startswith("DEAD END")]
    if dead:
        return None, dead[0]
    return [json.loads(l) for l in lines], None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tool", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--samples", type=int, default=30)
    p.add_argument("--max-tokens", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--whitespace", default="python")
    p.add_argument("--maskbench", help="a MaskBench directory: sample its schemas")
    p.add_argument("--stride", type=int, default=50)
    p.add_argument("inputs", nargs="*")
    args = p.parse_args()
    ok = True
    checked = 0
    jobs = []
    for d in args.inputs:
        for f in sorted(os.listdir(d)):
            jobs.append(os.path.join(d, f))
    if args.maskbench:
        import tempfile
        tmp = tempfile.mkdtemp()
        for i, f in enumerate(sorted(os.listdir(args.maskbench))):
            if i % args.stride:
                continue
            with open(os.path.join(args.maskbench, f), encoding="utf-8") as fh:
                schema = json.load(fh)["schema"]
            path = os.path.join(tmp, f)
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(schema, fh)
            jobs.append(path)
    for path in jobs:
        name = os.path.basename(path)
        kind = {".json": "json_schema", ".regex": "regex", ".gbnf": "gbnf"}.get(os.path.splitext(path)[1])
        if kind is None:
            continue
        extra = ["--whitespace", args.whitespace] if kind == "json_schema" else []
        samples, err = run_tool(args, kind, path, args.seed, extra)
        if err is not None:
            if args.maskbench and err.startswith("dec-constrain failed: error:"):
                continue  # a MaskBench schema the engine refuses
            ok = fail(f"{name}: {err}")
            continue
        with open(path, encoding="utf-8") as fh:
            spec = fh.read()
        if kind == "json_schema":
            ok = check_json(json.loads(spec), samples, name, args.whitespace) and ok
        elif kind == "regex":
            pattern = spec.rstrip("\n")
            for s in samples:
                if not re.fullmatch(pattern, s):
                    ok = fail(f"{name}: {s!r} does not match {pattern!r}")
        else:
            rules = parse_gbnf(spec)
            for s in samples:
                if not gbnf_matches(rules, s):
                    ok = fail(f"{name}: {s!r} is not in the grammar")
        checked += len(samples)
    print(f"checked {checked} samples from {len(jobs)} constraints: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
