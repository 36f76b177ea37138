"""The program-synthesis kind: the pass@k estimator, stop strings, batched sampling on a tiny model, and scoring
sampled programs in the sandbox."""

import contextlib
import itertools
from math import comb

import pytest

from cookbook.models.prompt_format import prompt_format
from cookbook.tasks.program.examples import ProgramExample
from cookbook.tasks.program.execute import pass_at_k_scores
from cookbook.tasks.program.passk import pass_at_k, reported_ks
from cookbook.tasks.program.sampling import SamplingSettings, cut_at_stops, sample_completions, sample_one_by_one
from cookbook.tasks.text.examples import completion_text, prompt_text
from cookbook.tasks.text.generate import TunedModel


@pytest.mark.parametrize("n, c, k", [(10, 0, 1), (10, 3, 1), (10, 3, 5), (10, 9, 2), (5, 5, 5), (20, 7, 10)])
def test_pass_at_k_is_the_chance_that_k_drawn_samples_hold_a_pass(n, c, k):
    draws = list(itertools.combinations([True] * c + [False] * (n - c), k))
    assert len(draws) == comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(sum(any(d) for d in draws) / len(draws), abs=1e-12)


def test_pass_at_k_refuses_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 5)
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    assert reported_ks(1) == [1] and reported_ks(10) == [1, 10]


def test_cut_at_the_earliest_stop():
    assert cut_at_stops("    return 1\n```\nmore", ("\nprint(", "\n```")) == "    return 1"
    assert cut_at_stops("    return 1\nprint(f())\n```", ("\n```", "\nprint(")) == "    return 1"
    assert cut_at_stops("    return 1", ("\n```",)) == "    return 1"


def _example(id_, head, suites, entry="f"):
    return ProgramExample(id=id_, prompt="Complete it.", reference="", group="g", answer_prefix="```python\n" + head,
                          program_head=head, suites=suites, entry_point=entry, stops=("\n```",))


def test_scores_run_each_sample_against_each_suite():
    head = "def f(x):\n    \"\"\"Twice x.\"\"\"\n"
    strict = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(-1) == -2\n"
    loose = "def check(candidate):\n    assert candidate(2) == 4\n"
    examples = [_example("a", head, {"strict": strict, "loose": loose})]
    samples = [["    return 2 * x\n", "    return x + 2\n", "    while True:\n        pass\n"]]
    scores = pass_at_k_scores(examples, samples, timeout_s=2)
    row = scores["per_example"][0]
    assert row["strict passed"] == 1 and row["loose passed"] == 2  # x + 2 passes only the loose suite
    assert row["strict statuses"] == ["passed", "failed", "timeout"]
    assert scores["overall"]["strict pass@1"] == pytest.approx(1 / 3)
    assert scores["overall"]["loose pass@1"] == pytest.approx(2 / 3) and scores["overall"]["n"] == 1
    assert scores["by_group"]["g"]["loose pass@1"] == pytest.approx(2 / 3)


def test_answer_prefix_is_prompt_and_the_body_keeps_its_indentation(tiny_tokenizer):
    fmt = prompt_format(tiny_tokenizer)
    e = _example("a", "def f(x):\n", {})
    e.reference = "    return x\n```"
    assert prompt_text(fmt, e, "").endswith("```python\ndef f(x):\n")
    assert completion_text(fmt, e) == "    return x\n```" + fmt.end_of_turn


@pytest.fixture(scope="module")
def tiny_tm(tiny_tokenizer):
    from cookbook.models.resolve import load_model, resolve_model

    model = load_model(resolve_model("tiny-gemma3"))
    return TunedModel(model, tiny_tokenizer, "tiny-gemma3", "none", contextlib.nullcontext,
                      prompt_format(tiny_tokenizer))


@pytest.fixture(scope="module")
def tiny_tokenizer():
    from cookbook.models.resolve import load_tokenizer, resolve_model

    return load_tokenizer(resolve_model("tiny-gemma3"))


def test_batched_sampling_gives_n_completions_per_prompt_and_greedy_matches_the_loop(tiny_tm):
    examples = [_example(str(i), f"def f{i}(x):\n", {}) for i in range(3)]
    sampled = sample_completions(tiny_tm, examples, "", SamplingSettings(n=4, max_new_tokens=8, batch_rows=8))
    assert [len(s) for s in sampled] == [4, 4, 4] and all(isinstance(c, str) for s in sampled for c in s)
    greedy = SamplingSettings(n=1, max_new_tokens=8, batch_rows=1)  # one row per call: no padding differences
    assert sample_completions(tiny_tm, examples, "", greedy) == sample_one_by_one(tiny_tm, examples, "", greedy)


def test_stop_on_text_stops_only_the_rows_that_wrote_their_stop(tiny_tokenizer):
    import torch

    from cookbook.tasks.program.sampling import StopOnText

    tok = tiny_tokenizer
    prompt = tok("def f():", add_special_tokens=False)["input_ids"]
    rows = [prompt + tok("\n    return 1\n```", add_special_tokens=False)["input_ids"],
            prompt + tok("\n    return 1\n  x", add_special_tokens=False)["input_ids"]]
    width = max(map(len, rows))
    ids = torch.tensor([r + [tok.pad_token_id] * (width - len(r)) for r in rows])
    done = StopOnText(tok, len(prompt), [("\n```",), ("\n```",)])(ids, None)
    assert done.tolist() == [True, False]
    assert StopOnText(tok, len(prompt), [(), ()])(ids, None).tolist() == [False, False]


def test_sampling_bench_writes_both_paths(tmp_path):
    from cookbook.tasks.program.bench import run_sampling_bench

    out = tmp_path / "sampling.json"
    report = run_sampling_bench(["domain=code", "model=tiny-gemma3", "problems=2", "samples=2",
                                 "max_new_tokens=4", "batch_rows=4", f"output={out}"])
    assert out.is_file() and report["settings"]["samples"] == 2
    for side in ("ours_batched", "plain_loop"):
        assert report[side]["seconds"] > 0 and report[side]["generated_tokens"] > 0
    assert report["ratio_problems_per_min"] == pytest.approx(
        report["ours_batched"]["problems_per_min"] / report["plain_loop"]["problems_per_min"], rel=0.01)


def test_pareto_front_keeps_only_points_nothing_beats_with_fewer_parameters():
    from cookbook.plots import pareto_front

    points = [(1, 0.30), (1, 0.25), (500, 0.28), (1000, 0.40), (2000, 0.35), (4000, 0.45)]
    assert pareto_front(points) == [(1, 0.30), (1000, 0.40), (4000, 0.45)]


def test_shots_are_earlier_chat_turns(tiny_tokenizer):
    fmt = prompt_format(tiny_tokenizer)
    e = _example("a", "def f(x):\n", {})
    e.shots = (("Complete g.", "```python\ndef g():\n    return 1\n```"),)
    text = prompt_text(fmt, e, "")
    assert text.index("Complete g.") < text.index("return 1") < text.index("Complete it.")
    assert text.endswith("```python\ndef f(x):\n") and text.count(fmt.end_of_turn.strip()) >= 2


def test_nucleus_sampling_draws_only_from_the_nucleus_in_proportion():
    import torch

    from cookbook.tasks.program.decode import nucleus_sample

    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    g = torch.Generator().manual_seed(0)
    draws = [int(nucleus_sample(probs.log(), 1.0, 0.8, g)) for _ in range(2000)]
    assert set(draws) == {0, 1}  # 0.5 + 0.3 reaches 0.8: tokens 2 and 3 are outside
    assert abs(draws.count(0) / 2000 - 0.5 / 0.8) < 0.04
    flat = torch.zeros(1, 1000)  # nucleus of 950 tokens: wider than the top-k candidates, so the full sort path
    wide = {int(nucleus_sample(flat, 1.0, 0.95, g)) for _ in range(400)}
    assert len(wide) > 256 and max(wide) >= 256


def test_batched_decode_matches_generate_on_a_padded_batch_and_drops_finished_rows(tiny_tm):
    import torch

    from cookbook.tasks.program.decode import DecodeSettings, decode

    tok, model = tiny_tm.tokenizer, tiny_tm.model
    tok.padding_side = "left"
    prompts = ["def f(x):", "def longer_function_name(a, b, c):\n    total =", "x"]
    batch = tok(prompts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        ref = model.generate(**batch, max_new_tokens=10, do_sample=False, pad_token_id=tok.pad_token_id,
                             eos_token_id=None)[:, batch["input_ids"].shape[1]:].tolist()
    ours = decode(model, tok, prompts, 1, DecodeSettings(10), stop_ids=set(), stops=[(), (), ()])
    assert [rows[0] for rows in ours] == ref
    # a stop string that the first row writes ends that row early; the others still match generate's tokens
    first_text = tok.decode(ref[0][:3], skip_special_tokens=True)
    stopped = decode(model, tok, prompts, 1, DecodeSettings(10), set(), [(first_text,), (), ()])
    assert len(stopped[0][0]) <= 3 and ref[0][:len(stopped[0][0])] == stopped[0][0]
    assert [r[0] for r in stopped[1:]] == ref[1:]
