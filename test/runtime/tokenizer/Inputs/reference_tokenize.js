// Reference tokenization with @lenml/tokenizers, a JavaScript port of
// transformers.js' tokenizers: an implementation independent of dec's.
//
// usage: node reference_tokenize.js --npm-root DIR --tokenizer tokenizer.json
//            --mode encode|encode-no-special|decode INPUT.jsonl
//
//   encode             one JSON string per input line -> one JSON array of ids
//                      per line (add_special_tokens: false, so no template;
//                      special-token text is recognised, as in HF)
//   encode-no-special  the same with special-token text tokenized as text (HF's
//                      split_special_tokens). transformers.js has no such
//                      option, so the special added tokens are removed from
//                      the tokenizer; the non-special ones are kept, as in HF.
//   decode             one JSON array of ids per line -> one JSON string per
//                      line (skip_special_tokens and
//                      clean_up_tokenization_spaces off: the exact text)
"use strict";
const fs = require("fs");
const path = require("path");

function parseArguments(argv) {
  const options = { input: null };
  for (let i = 0; i < argv.length; ++i) {
    const argument = argv[i];
    if (argument === "--npm-root") options.npmRoot = argv[++i];
    else if (argument === "--tokenizer") options.tokenizer = argv[++i];
    else if (argument === "--mode") options.mode = argv[++i];
    else if (options.input === null) options.input = argument;
    else throw new Error(`unexpected argument ${argument}`);
  }
  if (!options.npmRoot || !options.tokenizer || !options.mode || !options.input)
    throw new Error("usage: reference_tokenize.js --npm-root DIR --tokenizer PATH --mode MODE INPUT");
  if (!["encode", "encode-no-special", "decode"].includes(options.mode))
    throw new Error(`unknown mode ${options.mode}`);
  return options;
}

function main() {
  const options = parseArguments(process.argv.slice(2));
  const { TokenizerLoader } = require(path.resolve(options.npmRoot, "@lenml", "tokenizers"));
  const tokenizerJSON = JSON.parse(fs.readFileSync(options.tokenizer, "utf8"));
  if (options.mode === "encode-no-special")
    tokenizerJSON.added_tokens = tokenizerJSON.added_tokens.filter((token) => !token.special);
  // An empty config: the tokenizer class and its quirks (legacy Llama-2
  // prefixes, lowercasing, ...) come only from tokenizer.json, as in dec.
  const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig: {} });

  const lines = fs.readFileSync(options.input, "utf8").split("\n").filter((line) => line.length > 0);
  const output = [];
  for (const line of lines) {
    const value = JSON.parse(line);
    if (options.mode === "decode") {
      // decode() rejects an empty list.
      const text = value.length === 0 ? ""
          : tokenizer.decode(value, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
      output.push(JSON.stringify(text));
    } else {
      output.push(JSON.stringify(tokenizer.encode(value, { add_special_tokens: false })));
    }
  }
  process.stdout.write(output.join("\n") + (output.length ? "\n" : ""));
}

main();
