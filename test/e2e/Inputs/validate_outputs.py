#!/usr/bin/python3
"""Validates every sample of a dec-run --json result independently of dec.

  validate_outputs.py json-schema RESULT.json SCHEMA.json
      each text parses as JSON and validates against the schema
      (python3-jsonschema, Draft 2020-12).
  validate_outputs.py arith RESULT.json
      each text is an expression of examples/arith.gbnf: Python's own parser
      accepts it, and it fullmatches the grammar written as a Python regex.

Prints one line per sample and "OK <n> samples"; exits 1 at the first failure.
"""
import ast
import json
import re
import sys


def samples(path):
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    return result.get("samples", [result])


def fail(message):
    print("INVALID: " + message)
    sys.exit(1)


def check_json_schema(result_path, schema_path):
    import jsonschema
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    items = samples(result_path)
    for i, s in enumerate(items):
        try:
            value = json.loads(s["text"])
        except json.JSONDecodeError as e:
            fail(f"sample {i}: not JSON ({e}): {s['text']!r}")
        errors = list(validator.iter_errors(value))
        if errors:
            fail(f"sample {i}: {errors[0].message}: {s['text']!r}")
        print(f"sample {i}: valid, {len(s['tokens'])} tokens, {s['finish_reason']}")
    return items


NUMBER = r"(?:[1-9][0-9]{0,2}|0)"
OP = r" ?[-+*/] ?"
TERM = rf"(?:{NUMBER}|\({NUMBER}(?:{OP}{NUMBER}){{0,3}}\))"
ARITH = re.compile(rf"{TERM}(?:{OP}{TERM}){{0,3}}")


def check_arith(result_path):
    items = samples(result_path)
    for i, s in enumerate(items):
        text = s["text"]
        if not ARITH.fullmatch(text):
            fail(f"sample {i}: not in the grammar: {text!r}")
        try:
            ast.parse(text, mode="eval")
        except SyntaxError as e:
            fail(f"sample {i}: Python does not parse it ({e}): {text!r}")
        print(f"sample {i}: valid: {text}")
    return items


def main():
    mode, path = sys.argv[1], sys.argv[2]
    items = check_json_schema(path, sys.argv[3]) if mode == "json-schema" else check_arith(path)
    unsatisfied = [i for i, s in enumerate(items) if not s["constraint"]["satisfied"]]
    if unsatisfied:
        fail(f"the runtime reports samples {unsatisfied} as not satisfying the constraint")
    print(f"OK {len(items)} samples")


if __name__ == "__main__":
    main()
