"""A CLIP tokenizer built locally (no hub): byte-level BPE merges learned from a text corpus with `tokenizers`,
written as the vocab.json + merges.txt pair that transformers' CLIPTokenizer reads (transformers 5 no longer takes
`vocab_file` / `merges_file` arguments, so it is loaded with `from_pretrained(dir)`)."""

from __future__ import annotations

import json
from pathlib import Path

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
MAX_LENGTH = 77  # CLIP's context length


def byte_symbols() -> list[str]:
    """The 256 printable stand-ins of bytes, in GPT-2 / CLIP order (bytes_to_unicode)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    codes, extra = keep[:], 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            codes.append(256 + extra)
            extra += 1
    order = sorted(zip(keep, codes, strict=True))
    return [chr(c) for _, c in order]


def learn_merges(texts: list[str], vocab_size: int) -> list[tuple[str, str]]:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, end_of_word_suffix="</w>", show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([t.lower() for t in texts], trainer=trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    return [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in merges]


def build_clip_tokenizer(target: Path, texts: list[str], vocab_size: int = 1000):
    """Write a CLIPTokenizer into `target` (vocab: bytes, bytes + </w>, merges, then the two specials) and return it
    loaded. Every byte has a token, so no text is ever unknown; merges only shorten sequences."""
    from transformers import CLIPTokenizer

    symbols = byte_symbols()
    vocab = symbols + [s + "</w>" for s in symbols]
    merges = [m for m in learn_merges(texts, vocab_size) if "".join(m) not in vocab]
    seen = set(vocab)
    kept = []
    for left, right in merges:
        if left in seen and right in seen and left + right not in seen:
            vocab.append(left + right)
            seen.add(left + right)
            kept.append((left, right))
    vocab += [BOS, EOS]
    target.mkdir(parents=True, exist_ok=True)
    (target / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}), encoding="utf-8")
    (target / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in kept), encoding="utf-8")
    tok = CLIPTokenizer.from_pretrained(str(target), model_max_length=MAX_LENGTH, pad_token=EOS)
    tok.save_pretrained(str(target))
    return tok
