"""The judge client primes `transformers serve`'s paged cache with each system turn before the judgments that share
it (docs/judges.md, Throughput), and the bench's prefix probe asks for replies long enough to register blocks."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import httpx
import openai

from cookbook.recipe import JudgeAssets
from judges import bench
from judges.client import PRIME_MESSAGE, JudgeClient
from judges.parse import parse_pointwise
from judges.prompts import pointwise_prompt
from judges.server_state import ServerState

VERDICT = json.dumps({"explanation": "ok", "correctness": 5, "completeness": 5, "instruction_following": 5})


class FakeApi:
    """Stands in for openai.AsyncOpenAI: records every chat request in arrival order."""

    def __init__(self, fail_primes: bool = False):
        self.calls: list[dict] = []
        self.fail_primes = fail_primes
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    async def _create(self, **kwargs):
        self.calls.append(kwargs)
        await asyncio.sleep(0.01)  # let concurrent callers interleave
        if self.fail_primes and kwargs["messages"][-1]["content"] == PRIME_MESSAGE:
            # a real request: openai >= 3.60 reads its headers when the error is built
            raise openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions"))
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=VERDICT))])

    async def close(self):
        pass


def _state(**kw) -> ServerState:
    return ServerState(**{"url": "http://127.0.0.1:1", "model": "m", "backend": "transformers", **kw})


def _grade(client: JudgeClient, subjects: list[str], n: int) -> list[dict]:
    prompts = [pointwise_prompt(JudgeAssets(subject=s), f"question {k}", "reference", f"answer {k}")
               for s in subjects for k in range(n)]

    async def go():
        return await asyncio.gather(*(client.judge(p, parse_pointwise) for p in prompts))

    return asyncio.run(go())


def _primes(api: FakeApi) -> list[dict]:
    return [c for c in api.calls if c["messages"][-1]["content"] == PRIME_MESSAGE]


def test_one_prime_per_system_turn_before_its_judgments():
    client = JudgeClient.for_server(_state(), concurrency=4)
    client._api = api = FakeApi()
    results = _grade(client, ["telecom answers", "clinical notes"], n=6)
    assert all(r["parsed"] is not None for r in results)
    primes = _primes(api)
    assert len(primes) == client.n_primes == 2 and client.n_requests == 12
    for prime in primes:
        system = prime["messages"][0]
        assert system["role"] == "system" and prime["max_tokens"] >= 2  # a 1-token request registers no blocks
        same = [i for i, c in enumerate(api.calls) if c["messages"][0] == system]
        assert api.calls[same[0]] is prime and len(same) == 7  # the prime went out first, then its 6 judgments


def test_priming_is_for_chat_judges_on_transformers_continuous_batching_only():
    assert JudgeClient.for_server(_state()).prime_prefix
    assert not JudgeClient.for_server(_state(backend="vllm")).prime_prefix
    assert not JudgeClient.for_server(_state(continuous_batching=False)).prime_prefix
    assert not JudgeClient.for_server(_state(prompt_style="completion")).prime_prefix
    assert not JudgeClient.for_server(_state(), prime_prefix=False).prime_prefix
    client = JudgeClient.for_server(_state(backend="vllm"), concurrency=2)
    client._api = api = FakeApi()
    _grade(client, ["telecom answers"], n=3)
    assert not _primes(api) and client.n_primes == 0 and client.n_requests == 3


def test_a_failed_prime_does_not_fail_the_judgments():
    client = JudgeClient.for_server(_state(), concurrency=2, max_retries=0)
    client._api = api = FakeApi(fail_primes=True)
    results = _grade(client, ["telecom answers"], n=3)
    assert len(_primes(api)) == 1 and all(r["parsed"] is not None for r in results)


def test_the_prefix_probe_asks_for_more_than_one_token(monkeypatch):
    sent = []

    async def fake_complete(self, messages, max_tokens, schema):
        sent.append(max_tokens)
        return VERDICT

    monkeypatch.setattr(JudgeClient, "_complete", fake_complete)
    answers = [{"question": "q", "reference": "r", "tuned": "a"}, {"question": "q", "reference": "r", "tuned": "b"}]
    out = asyncio.run(bench.prefix_probe(_state(), JudgeAssets(subject="s"), answers))
    assert len(sent) == 6 and min(sent) >= 2 and out["fresh_prefix_s"] >= 0


def test_cached_judgments_send_no_prime(tmp_path):
    from judges.cache import JudgmentCache

    cache = JudgmentCache(tmp_path / "c.sqlite")
    first = JudgeClient.for_server(_state(), concurrency=2, cache=cache)
    first._api = FakeApi()
    _grade(first, ["telecom answers"], n=2)
    again = JudgeClient.for_server(_state(), concurrency=2, cache=cache)
    again._api = api = FakeApi()
    _grade(again, ["telecom answers"], n=2)
    assert again.n_cache_hits == 2 and not api.calls and again.n_primes == 0
