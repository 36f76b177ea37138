"""`python -m judges.cli judge` end to end against a scripted OpenAI-compatible server (FastAPI in a thread) that
returns valid verdicts: the report, calibration and injection sections, cache hits on re-run, the parse retry."""

import json
import re

import pytest
from fastapi import FastAPI

from judges.cli import main
from judges.client import PRIME_MESSAGE
from tests.conftest import REPO
from tests.scripted_server import serve_in_thread

FIX = REPO / "tests" / "fixtures" / "judge"


class Script:
    """Pointwise: 5s for answers containing 'Dijkstra' or 'give this answer 5', else 2s. Pairwise: always 'A'
    (a maximally position-biased judge). The first request whose candidate contains 'GARBAGE' gets prose.

    Chat requests get whole JSON replies; completion requests (base-model judges) get the continuation of the
    prefilled verdict, followed by more text, as a base model writes on after the closing brace."""

    def __init__(self):
        self.requests = 0
        self.primes = 0  # the client's one-off cache primes (judges.client.PRIME_MESSAGE), not judgments
        self.garbage_served = False

    def _verdict(self, pairwise: bool, cand: str, first_attempt: bool) -> dict | str:
        if pairwise:
            return {"winner": "A", "explanation": "first is better"}
        if "GARBAGE" in cand and not self.garbage_served and first_attempt:
            self.garbage_served = True
            return "I think this answer is pretty good, maybe a 4."
        s = 5 if ("Dijkstra" in cand or "give this answer 5" in cand) else 2
        return {"correctness": s, "completeness": s, "instruction_following": s, "explanation": "x"}

    def chat(self, body: dict) -> str:
        if body["messages"][-1]["content"] == PRIME_MESSAGE:
            assert body["messages"][0]["role"] == "system" and body["max_tokens"] >= 2
            self.primes += 1
            return "{}"
        self.requests += 1
        user = body["messages"][1]["content"]
        pairwise = "<candidate_a>" in user
        cand = "" if pairwise else re.search(r"<candidate>\n(.*)\n</candidate>", user, re.DOTALL).group(1)
        v = self._verdict(pairwise, cand, len(body["messages"]) == 2)
        return v if isinstance(v, str) else json.dumps(v)

    def completion(self, body: dict) -> str:
        self.requests += 1
        prompt = body["prompt"]
        pairwise = "<candidate_a>" in prompt
        cand = "" if pairwise else re.findall(r"<candidate>(.*?)</candidate>", prompt, re.DOTALL)[-1]
        first_attempt = prompt.endswith('{"explanation": "')
        v = self._verdict(pairwise, cand, first_attempt)
        if isinstance(v, str):
            return v
        prefill = prompt[prompt.rindex("{"):]
        # The continuation after the prefill, in the field order the prefill starts: a JSON text minus its opening.
        first_key = prefill[2:prefill.index('"', 2)]
        ordered = {first_key: v[first_key], **v}
        return json.dumps(ordered)[len(prefill):] + "\n\nQuestion: and the model writes on {"


@pytest.fixture(params=["chat", "completion"])
def fake_server(tmp_path, monkeypatch, request):
    script = Script()
    script.style = request.param
    app = FastAPI()

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    def chat(body: dict):
        assert body["temperature"] == 0.0
        return {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": script.chat(body)}}]}

    @app.post("/v1/completions")
    def completions(body: dict):
        assert body["temperature"] == 0.0 and body["stop"] == ["}"]
        assert json.loads(body["generation_config"])["eos_token_id"] == [7, 9]
        return {"id": "x", "object": "text_completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "length", "text": script.completion(body)}]}

    with serve_in_thread(app) as port:
        yield _write_state(tmp_path, monkeypatch, port, request.param, script)


def _write_state(tmp_path, monkeypatch, port: int, style: str, script):
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"url": f"http://127.0.0.1:{port}/v1", "model": "fake-judge", "model_spec": "fake",
                                 # answers like `transformers serve`: no response_format is sent
                                 "pid": -1, "backend": "transformers", "lora_modules": {},
                                 "prompt_style": style,
                                 "end_token_ids": [7, 9] if style == "completion" else None}))
    monkeypatch.setenv("JUDGE_SERVER_STATE", str(state))
    return script


def _run_dir(tmp_path):
    """A finished telecom run (what cookbook.runs.finished_run checks) whose eval already wrote its answers."""
    run = tmp_path / "run"
    (run / "eval").mkdir(parents=True)
    (run / "adapter").mkdir()
    (run / "adapter" / "adapter_config.json").write_text("{}")
    (run / "metrics.json").write_text(json.dumps({"domain": "telecom", "base_model": "tiny-gemma3"}))
    answers = []
    for i, group in enumerate(["ip_routing", "wifi", "qos"]):
        answers.append({"id": f"q{i}", "group": group, "question": f"question {i}?", "reference": "ref",
                        "tuned": "OSPF uses Dijkstra over link costs, a long and detailed answer" if i != 2 else
                        "GARBAGE short", "base": "no idea"})
    (run / "eval" / "report.json").write_text(json.dumps({"answers": answers}))
    return run


def test_judge_cli_end_to_end(fake_server, tmp_path):
    run = _run_dir(tmp_path)
    args = ["judge", "--domain", "telecom", "--run", str(run), "--gold", str(FIX / "judge_gold.jsonl"),
            "--injections", str(FIX / "judge_injections.jsonl"), "--concurrency", "4"]
    assert main(args) == 0
    report = json.loads((run / "judge" / "report.json").read_text())
    j = report["judged_eval"]
    # 3 questions x 2 systems pointwise (+1 parse retry) + 3 x 2 orders pairwise + 4 gold + 3 x 2 injection,
    # less one: injection i1's clean answer is gold row g3 (same prompt), which the cache already holds.
    assert fake_server.requests == 6 + 1 + 6 + 4 + 6 - 1
    # Chat judges on `transformers serve` prime the cache with each system turn (pointwise, pairwise) first.
    assert (fake_server.primes >= 2) if fake_server.style == "chat" else fake_server.primes == 0
    assert j["pointwise"]["tuned"]["overall"]["n"] == 3 and j["pointwise"]["tuned"]["overall"]["unparsed"] == 0
    assert j["pointwise"]["base"]["overall"]["mean"] == 2
    assert j["pointwise"]["tuned"]["by_group"]["ip_routing"]["mean"] == 5
    pw = j["pairwise"]
    # The judge always says "A": every pair flips, becomes a tie; position-A win rate 1.
    assert pw["swap"]["flip_rate"] == 1 and pw["win_tie_loss"]["tie"] == 3
    assert pw["position"]["position_a_win_rate"] == 1
    cal = report["calibration"]
    assert cal["n_parsed"] == 4 and cal["pooled"]["n"] == 12
    inj = report["injection"]
    assert inj["shift"]["n"] == 3 and inj["shift_by_attack"]["ignore_rubric"]["mean"] == 3  # 2 -> 5
    assert inj["detector"]["recall"] == 1
    md = (run / "judge" / "report.md").read_text()
    assert "swap-flip rate" in md and "Calibration" in md and "injection" in md
    assert "| use-case | base mean | tuned mean |" in md  # the group label from the telecom recipe's JudgeAssets
    for png in report["plots"]:
        assert (run / "judge" / png).stat().st_size > 1000

    # Re-run: everything comes from the cache, zero requests (and no primes).
    before = fake_server.requests, fake_server.primes
    assert main(args) == 0
    assert (fake_server.requests, fake_server.primes) == before


def test_judge_cli_bad_gold_is_one_line_error(fake_server, tmp_path, capsys):
    run = _run_dir(tmp_path)
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert main(["calibrate", "--domain", "telecom", "--run", str(run), "--gold", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"error: {bad}:1: group: missing"
    assert fake_server.requests == 0
