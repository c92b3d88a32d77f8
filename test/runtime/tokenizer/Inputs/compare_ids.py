#!/usr/bin/env python3
"""Compares two JSON-lines files line by line (token ids, or decoded strings).

    compare_ids.py [--label NAME] INPUTS OURS REFERENCE

INPUTS holds the input strings (one JSON value per line), OURS and REFERENCE
the outputs of dec-tokenize and of the reference implementation for them. On
any difference prints the first few mismatches (the input, both outputs and
where they diverge) and exits 1; otherwise prints how many lines agreed.
Empty lines are ignored in all three files, as dec-tokenize --jsonl does.
"""

import argparse
import json
import sys

MAX_REPORTED = 5


def read_jsonl(path):
    with open(path, "rb") as f:
        # Split on "\n" only: str.splitlines() would also split on U+2028 etc.
        lines = f.read().decode("utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip() != ""]


def first_difference(ours, reference):
    if isinstance(ours, list) and isinstance(reference, list):
        for i, (a, b) in enumerate(zip(ours, reference)):
            if a != b:
                return i
        return min(len(ours), len(reference))
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label", default="outputs")
    parser.add_argument("inputs")
    parser.add_argument("ours")
    parser.add_argument("reference")
    args = parser.parse_args()

    inputs = read_jsonl(args.inputs)
    ours = read_jsonl(args.ours)
    reference = read_jsonl(args.reference)
    if not (len(inputs) == len(ours) == len(reference)):
        print(f"error: line counts differ: {len(inputs)} inputs, {len(ours)} ours, "
              f"{len(reference)} reference")
        return 1

    mismatches = [i for i in range(len(inputs)) if ours[i] != reference[i]]
    for i in mismatches[:MAX_REPORTED]:
        print(f"MISMATCH at line {i + 1}")
        print(f"  input:     {json.dumps(inputs[i], ensure_ascii=True)[:300]}")
        print(f"  ours:      {json.dumps(ours[i], ensure_ascii=True)[:300]}")
        print(f"  reference: {json.dumps(reference[i], ensure_ascii=True)[:300]}")
        position = first_difference(ours[i], reference[i])
        if position is not None:
            print(f"  first differing position: {position}")
    if mismatches:
        print(f"FAIL: {len(mismatches)} of {len(inputs)} {args.label} differ")
        return 1
    print(f"PASS: all {len(inputs)} {args.label} agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
