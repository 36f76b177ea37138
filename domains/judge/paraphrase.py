"""Paraphrased references for the judge's training answers: each source reference rewritten in other words by an
instruction-tuned model (`data.paraphrase_model`), kept only where it states exactly the reference's facts.

Why: the longest run of words an answer shares with its reference separates the telecom gold answers (good median
10, partial 3, wrong 2, off-topic 1), while every synthesised on-topic answer keeps whole sentences of the
reference (runs of 25-57 words): the gold answers all look like the off-topic rows, and adapter v2 graded every one
of them 1/1/1 "answers a different question". Answers made from paraphrases copy no long run.
Opt-in (`data.paraphrase_model`): Qwen2.5-Coder-0.5B-Instruct kept none of the references tried (README.md).

Kept only if (`rejection` says why not): not empty, 0.5-1.8x the reference's length, not near-verbatim (word
sequence similarity < 0.8), no run of more than 16 words copied from the reference, and the same facts as the
reference: every number, RFC number, number+unit and protocol / product name (the things corruptions.py changes)
of the one appears in the other, and nothing new. A
rejected paraphrase leaves its question with the reference itself, as before.

Built once per (model, references, prompt) and cached under cookbook.paths.cache_dir(); resumable (written after
every batch). `python -m domains.judge.paraphrase [--model M]` builds it for the default config's source rows and
prints what was kept."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from domains.judge import corruptions

PROMPT = ("Rewrite the answer below in your own words, as a different expert would write it. Keep every fact, "
          "number, name and unit exactly as it is and add nothing new. Reply with the rewritten answer only.\n\n"
          "Answer:\n{reference}")
VERSION = 1  # bump when PROMPT or the acceptance rules change
BATCH = 16
MAX_COPIED_RUN = 16  # words in a row shared with the reference: the gold's right answers copy 5-16


def facts(text: str) -> Counter:
    """The checkable facts of `text`: numbers (with their unit when one follows), RFC numbers, names."""
    out: Counter = Counter()
    for m in corruptions._RFC.finditer(text):
        out[("rfc", m.group(1))] += 1
    rfc_spans = [m.span(1) for m in corruptions._RFC.finditer(text)]
    units = {m.start(): m.group(2) for m in corruptions._UNIT.finditer(text)}
    for m in corruptions._NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in rfc_spans):
            continue
        unit = units.get(m.end(), "")  # a unit match starts right after its number's last digit
        out[("number", m.group(1) + (" " + unit if unit else ""))] += 1
    for m in corruptions._NAME.finditer(text):
        if m.group(1) != "RFC":
            out[("name", m.group(1))] += 1
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def rejection(reference: str, paraphrase: str) -> str:
    """Why `paraphrase` cannot stand for `reference` as a right answer ('' when it can)."""
    if not paraphrase.strip():
        return "empty"
    ratio = len(paraphrase) / max(len(reference), 1)
    if not 0.5 <= ratio <= 1.8:
        return f"length {ratio:.2f}x the reference"
    ref, new = _words(reference), _words(paraphrase)
    matcher = difflib.SequenceMatcher(None, ref, new, autojunk=False)
    similarity = matcher.ratio()
    if similarity >= 0.8:
        return f"near-verbatim (similarity {similarity:.2f})"
    run = matcher.find_longest_match(0, len(ref), 0, len(new)).size
    if run > MAX_COPIED_RUN:
        return f"copies {run} words in a row"
    want, got = set(facts(reference)), set(facts(paraphrase))
    if want - got:
        return "drops " + ", ".join(sorted(v for _, v in want - got))
    if got - want:
        return "adds " + ", ".join(sorted(v for _, v in got - want))
    return ""


def cache_file(model: str, references: list[str]) -> Path:
    from cookbook.paths import cache_dir

    key = hashlib.sha256(json.dumps([VERSION, PROMPT, model, references]).encode()).hexdigest()[:16]
    return cache_dir() / "judge-paraphrases" / f"{key}.json"


def _clean(reply: str) -> str:
    # A reply sometimes opens with a label ("Rewritten answer:") or wraps the text in quotes.
    text = re.sub(r"^\s*(rewritten answer|answer|paraphrase)\s*:\s*", "", reply.strip(), flags=re.I)
    return text.strip().strip('"').strip()


def build(ids: list[str], references: list[str], model: str, rewrite=None) -> dict[str, dict]:
    """{id: {"text": paraphrase, "rejected": reason or ""}} for every id, from the cache or by generating the rest.
    `rewrite(list of prompts) -> replies` is the model call (default: greedy answers of `model`)."""
    path = cache_file(model, references)
    done: dict[str, dict] = json.loads(path.read_text()) if path.is_file() else {}
    todo = [(i, r) for i, r in zip(ids, references, strict=True) if i not in done]
    if todo:
        rewrite = rewrite or _model_rewriter(model)
        path.parent.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(todo), BATCH):
            chunk = todo[start:start + BATCH]
            replies = rewrite([PROMPT.format(reference=r) for _, r in chunk])
            for (i, ref), reply in zip(chunk, replies, strict=True):
                text = _clean(reply)
                done[i] = {"text": text, "rejected": rejection(ref, text)}
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(done, indent=1))
            tmp.replace(path)
            print(f"[judge] paraphrased {min(start + BATCH, len(todo))}/{len(todo)} references with {model}",
                  flush=True)
    return {i: done[i] for i in ids}


def _model_rewriter(model: str):
    from cookbook.tasks.text.generate import generate, load_base

    tm = load_base(model)
    return lambda prompts: generate(tm, prompts, max_new_tokens=220, batch_size=BATCH, desc="paraphrasing")


def accepted(built: dict[str, dict]) -> dict[str, str]:
    return {i: p["text"] for i, p in built.items() if not p["rejected"]}


def main(argv: list[str] | None = None) -> None:
    import argparse

    from cookbook.discovery import get_recipe
    from domains.judge.data import source_rows

    ap = argparse.ArgumentParser(description="paraphrase the judge's source references and say how many were kept")
    ap.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    args = ap.parse_args(argv)
    rows, _, _ = source_rows(get_recipe("judge").load_config("default").data)
    built = build([r.id for r in rows], [r.reference for r in rows], args.model)
    reasons = Counter(p["rejected"].split(" ")[0] or "kept" for p in built.values())
    print(json.dumps({"model": args.model, "rows": len(built), "outcomes": reasons}, indent=1))


if __name__ == "__main__":
    main()
