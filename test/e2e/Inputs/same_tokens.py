#!/usr/bin/python3
"""Exit 0 when two dec-run --json results have the same tokens and text."""
import json
import sys

a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
if a["tokens"] != b["tokens"] or a["text"] != b["text"]:
    print(f"different:\n  {a['tokens']}\n  {b['tokens']}")
    sys.exit(1)
print(f"same: {len(a['tokens'])} tokens")
