#!/usr/bin/python3
"""Byte-level BPE tokenizer: trainer, encoder/decoder and Hugging Face tokenizer.json writer.

Written from scratch because the `tokenizers` library is not available here. The
format it writes is the standard Hugging Face one, so any HF-compatible loader (the
dec runtime, `tokenizers`, transformers.js, @lenml/tokenizers) reads it.

  * bytes are mapped to printable unicode characters as in GPT-2 (`bytes_to_unicode`);
    token id b (0..255) is the single byte b;
  * text is pre-tokenized with the Llama-3 split regex (needs the `regex` module:
    Debian package python3-regex), then each piece is UTF-8 encoded and BPE-merged;
  * merges are applied by rank, lowest rank first (the classic GPT-2 algorithm, which
    gives the same result as HF's `ignore_merges: false` BPE model);
  * one special token, `<|endoftext|>`, takes the last id.

Library use:
    tok = BPETokenizer.load("tokenizer.json"); ids = tok.encode(text); tok.decode(ids)
    tok = train_bpe(texts, vocab_size=4096); tok.save("tokenizer.json")
"""
import heapq
import json
import os
import sys
from collections import Counter, defaultdict

try:
    import regex
except ImportError:  # pragma: no cover - environment check
    sys.exit("bpe.py needs the 'regex' module: apt-get install -y python3-regex")

SPLIT_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
EOT = "<|endoftext|>"
_SPLIT_RE = regex.compile(SPLIT_PATTERN)


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}


def pretokenize(text):
    """Split text with the Llama-3 regex; returns the list of string pieces."""
    return _SPLIT_RE.findall(text)


class BPETokenizer:
    def __init__(self, merges, special=EOT):
        # merges: list of (id_a, id_b), in rank order; merge r creates id 256 + r.
        self.merges = [tuple(m) for m in merges]
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self.token_bytes = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            self.token_bytes.append(self.token_bytes[a] + self.token_bytes[b])
        self.special = special
        self.special_id = len(self.token_bytes)
        self.vocab_size = self.special_id + 1
        self._cache = {}

    # ---- encoding -------------------------------------------------------------------
    def _encode_piece(self, piece):
        ids = self._cache.get(piece)
        if ids is not None:
            return ids
        ids = list(piece.encode("utf-8"))
        ranks = self.ranks
        while len(ids) >= 2:
            best, best_rank = None, None
            for pair in zip(ids, ids[1:]):
                r = ranks.get(pair)
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = pair, r
            if best is None:
                break
            new_id = 256 + best_rank
            out, i, n = [], 0, len(ids)
            while i < n:
                if i + 1 < n and ids[i] == best[0] and ids[i + 1] == best[1]:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(ids[i])
                    i += 1
            ids = out
        if len(self._cache) < 500000:
            self._cache[piece] = ids
        return ids

    def encode_ordinary(self, text):
        """Encode text, treating any special-token string as plain text."""
        out = []
        for piece in pretokenize(text):
            out.extend(self._encode_piece(piece))
        return out

    def encode(self, text):
        """Encode text; literal occurrences of the special token map to its id."""
        out = []
        parts = text.split(self.special)
        for i, part in enumerate(parts):
            if i:
                out.append(self.special_id)
            if part:
                out.extend(self.encode_ordinary(part))
        return out

    def decode_bytes(self, ids):
        return b"".join(self.special.encode() if i == self.special_id else self.token_bytes[i]
                        for i in ids)

    def decode(self, ids):
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    # ---- serialisation ----------------------------------------------------------------
    def token_str(self, i):
        if i == self.special_id:
            return self.special
        return "".join(BYTE_ENCODER[b] for b in self.token_bytes[i])

    def to_hf_json(self):
        vocab = {self.token_str(i): i for i in range(self.vocab_size)}
        assert len(vocab) == self.vocab_size, "duplicate token strings"
        merges = [self.token_str(a) + " " + self.token_str(b) for a, b in self.merges]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{
                "id": self.special_id, "content": self.special, "single_word": False,
                "lstrip": False, "rstrip": False, "normalized": False, "special": True,
            }],
            "normalizer": None,
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Split", "pattern": {"Regex": SPLIT_PATTERN},
                     "behavior": "Isolated", "invert": False},
                    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                     "use_regex": False},
                ],
            },
            # Prompts start like every training document: after <|endoftext|>
            # (HF's add_special_tokens=True applies this template).
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": self.special, "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": self.special, "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {self.special: {"id": self.special,
                                                  "ids": [self.special_id],
                                                  "tokens": [self.special]}},
            },
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                        "use_regex": True},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None,
                "continuing_subword_prefix": None, "end_of_word_suffix": None,
                "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                "vocab": vocab, "merges": merges,
            },
        }

    def save(self, path, config_path=None):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False, indent=1)
            f.write("\n")
        if config_path:
            with open(config_path, "w", encoding="utf-8") as f:
                json.dump({"tokenizer_class": "PreTrainedTokenizerFast",
                           "eos_token": self.special, "bos_token": None,
                           "unk_token": None, "pad_token": None,
                           "add_bos_token": False, "add_eos_token": False,
                           "clean_up_tokenization_spaces": False,
                           "model_max_length": 512}, f, indent=2)
                f.write("\n")

    @classmethod
    def load(cls, path):
        """Load a tokenizer.json written by `save` (byte tokens must have ids 0..255)."""
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        vocab = j["model"]["vocab"]
        special = j["added_tokens"][0]["content"]
        for b in range(256):
            assert vocab[BYTE_ENCODER[b]] == b, "byte tokens must have ids 0..255"
        merges = []
        for r, m in enumerate(j["model"]["merges"]):
            a, b = m.split(" ") if isinstance(m, str) else m
            assert vocab[a + b] == 256 + r, "merge r must create id 256 + r"
            merges.append((vocab[a], vocab[b]))
        tok = cls(merges, special)
        assert vocab[special] == tok.special_id
        return tok


def train_bpe(texts, vocab_size=4096, special=EOT, log=print):
    """Train byte-level BPE on an iterable of documents.

    Word (pre-token) frequencies are counted once; pair counts are then maintained
    incrementally: merging pair (a, b) only touches the words that contain it (an
    index pair -> set of word ids), and a lazy max-heap keyed by (-count, pair) picks
    the next merge (ties broken by the smallest pair of ids, so training is
    deterministic).
    """
    n_merges = vocab_size - 256 - 1
    word_freq = Counter()
    for t in texts:
        word_freq.update(pretokenize(t))
    words = [list(w.encode("utf-8")) for w in word_freq]
    freqs = list(word_freq.values())
    log(f"bpe: {len(words)} distinct pre-tokens, {sum(freqs)} total")

    pair_count = defaultdict(int)
    pair_words = defaultdict(set)
    for wi, w in enumerate(words):
        f = freqs[wi]
        for p in zip(w, w[1:]):
            pair_count[p] += f
            pair_words[p].add(wi)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)

    merges = []
    while len(merges) < n_merges and heap:
        negc, pair = heapq.heappop(heap)
        c = pair_count.get(pair, 0)
        if c <= 0:
            continue
        if -negc != c:  # stale entry; the current count was pushed separately
            continue
        new_id = 256 + len(merges)
        merges.append(pair)
        a, b = pair
        changed = set()
        for wi in list(pair_words[pair]):
            w = words[wi]
            f = freqs[wi]
            # remove this word's old pairs
            for p in zip(w, w[1:]):
                pair_count[p] -= f
                changed.add(p)
            out, i, n = [], 0, len(w)
            while i < n:
                if i + 1 < n and w[i] == a and w[i + 1] == b:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[wi] = out
            for p in zip(w, w[1:]):
                pair_words[p].discard(wi)
            for p in zip(out, out[1:]):
                pair_count[p] += f
                pair_words[p].add(wi)
                changed.add(p)
        for p in changed:
            cnt = pair_count[p]
            if cnt > 0:
                heapq.heappush(heap, (-cnt, p))
            else:
                pair_count.pop(p, None)
                pair_words.pop(p, None)
        if len(merges) % 500 == 0:
            log(f"bpe: {len(merges)}/{n_merges} merges, last count {c}")
    return BPETokenizer(merges, special)


JS_CHECK = r"""
const fs = require("fs");
const { TokenizerLoader } = require(process.argv[2]);
const t = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(process.argv[3], "utf8")), tokenizerConfig: {}});
const texts = JSON.parse(fs.readFileSync(process.argv[4], "utf8"));
const out = texts.map(s => t.encode(s, {add_special_tokens: false}));
fs.writeFileSync(process.argv[5], JSON.stringify(out));
"""


def compare_with_js(tokenizer_path, texts, lenml_dir):
    """Encode `texts` with this module and with the npm package @lenml/tokenizers (a
    fork of transformers.js, run by node); returns (n_equal, mismatches)."""
    import subprocess
    import tempfile
    tok = BPETokenizer.load(tokenizer_path)
    with tempfile.TemporaryDirectory() as d:
        js, inp, outp = (os.path.join(d, n) for n in ("check.js", "in.json", "out.json"))
        with open(js, "w") as f:
            f.write(JS_CHECK)
        with open(inp, "w", encoding="utf-8") as f:
            json.dump(texts, f, ensure_ascii=False)
        subprocess.run(["node", js, os.path.abspath(lenml_dir), os.path.abspath(tokenizer_path),
                        inp, outp], check=True)
        with open(outp) as f:
            js_ids = json.load(f)
    bad = []
    for text, j in zip(texts, js_ids):
        p = tok.encode(text)
        if p != j:
            bad.append({"text": text, "python": p, "js": j})
    return len(texts) - len(bad), bad


EDGE_CASES = [
    "Once upon a time", "The meaning of life is", "", " ", "   leading and trailing   ",
    "DON'T YOU'LL We'Re it's I'm they'd", "numbers 1 12 123 1234 12345 3.14159 1,000,000",
    "tabs\tand\r\nCRLF\n\n\nnewlines  \n  ", "unicode: café naïve Ünïcödé — “quotes” 日本語 😀",
    "a<|endoftext|>b", "<|endoftext|>", "x  <|endoftext|>  y", "!!!??? ... ---- $$$ @@@ ###",
    "\t\t-- Mark Twain", "e-mail: user@example.com http://www.debian.org/",
]


if __name__ == "__main__":
    import argparse
    import os
    import random
    ap = argparse.ArgumentParser(description="Encode text with a tokenizer.json written by "
                                 "bpe.py, or (--compare-js) check it against @lenml/tokenizers")
    ap.add_argument("tokenizer")
    ap.add_argument("text", nargs="?")
    ap.add_argument("--compare-js", metavar="LENML_DIR",
                    help="path of node_modules/@lenml/tokenizers; compares fortunes + edge cases")
    ap.add_argument("--samples", type=int, default=2000)
    args = ap.parse_args()
    if args.compare_js:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import train
        fortunes, _ = train.load_fortunes(train.corpus_files())
        rnd = random.Random(0)
        texts = rnd.sample(fortunes, min(args.samples, len(fortunes)))
        # also longer multi-fortune chunks joined by the special token
        texts += [EOT.join(rnd.sample(fortunes, 5)) for _ in range(50)]
        texts += EDGE_CASES
        n_ok, bad = compare_with_js(args.tokenizer, texts, args.compare_js)
        n_tok = sum(len(BPETokenizer.load(args.tokenizer).encode(t)) for t in texts)
        print(f"JS vs Python: {n_ok}/{len(texts)} strings identical ({n_tok} tokens)")
        for b in bad[:5]:
            print(json.dumps(b, ensure_ascii=False)[:1000])
        sys.exit(1 if bad else 0)
    tok = BPETokenizer.load(args.tokenizer)
    ids = tok.encode(args.text)
    print(json.dumps(ids))
    print(json.dumps([tok.token_str(i) for i in ids], ensure_ascii=False))
