"""The judge client against a real `transformers serve` (tiny random Gemma 3, loopback, continuous batching):
pointwise and pairwise end to end, cache hits on re-run (zero requests), and resume after the server is killed
mid-batch with no judgment lost or made twice. tiny-gemma3 is a base model, so this runs the completion style
(few-shot sheet + prefilled verdict on /v1/completions, EOS ids in generation_config). A random model writes
garbage, so every verdict goes through the honest path: parse failure -> one retry -> recorded as unparseable."""

import asyncio
import sqlite3
import threading
import time

import pytest

from judges import server
from judges.cache import JudgmentCache
from judges.client import JudgeClient, JudgeUnavailable
from judges.protocol import Item, compare_pairwise, grade_pointwise

pytestmark = pytest.mark.integration
MAX_TOKENS = 6


def _assets():
    from cookbook.discovery import get_recipe

    return get_recipe("telecom").judge  # the few-shot sheets a base-model judge gets


def _client(state, cache):
    return JudgeClient.for_server(state, concurrency=1, timeout_s=60, max_retries=0, cache=cache)


def _items(n, tag):
    return [Item(f"{tag}{i}", f"Question {tag} {i}?", "Reference answer.", "wifi") for i in range(n)], \
        [f"Candidate {tag} {i}." for i in range(n)]


def _kill_after(cache_path, rows: int, seen: list, timeout: float = 120):
    """Stop the server as soon as the cache holds `rows` judgments (read through its own connection); `seen` gets
    the row count the killer saw, so the test knows whether it fired on its trigger or on the timeout."""
    deadline = time.time() + timeout
    count = 0
    while time.time() < deadline:
        with sqlite3.connect(cache_path) as db:
            count = db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]
        if count >= rows:
            break
        time.sleep(0.05)
    seen.append(count)
    server.stop()


def test_client_against_transformers_serve(tmp_path, monkeypatch):
    monkeypatch.setenv("JUDGE_SERVER_STATE", str(tmp_path / "server" / "state.json"))
    cache_path = tmp_path / "cache.sqlite"
    cache = JudgmentCache(cache_path)
    state = server.start("tiny-gemma3", continuous_batching=True, wait_s=180)
    try:
        assert state.url.startswith("http://127.0.0.1:") and server.running() == state
        assert state.prompt_style == "completion" and state.end_token_ids and state.model_spec == "tiny-gemma3"
        items, answers = _items(2, "p")
        assets = _assets()

        async def first_pass():
            c = _client(state, cache)
            point = await grade_pointwise(c, assets, items, answers, max_tokens=MAX_TOKENS)
            pair = await compare_pairwise(c, assets, items[:1], answers[:1], ["Other answer."], max_tokens=MAX_TOKENS)
            await c.aclose()
            return c, point, pair

        c, point, pair = asyncio.run(first_pass())
        # Garbage from a random model: every judgment was retried once and recorded as unparseable.
        assert all(r["scores"] is None and len(r["raw"]) == 2 and "unparseable" in r["error"] for r in point)
        # The replies continue the prefilled verdicts: explanation first, then the score-first retry.
        assert all(r["raw"][0].startswith('{"explanation": "') and r["raw"][1].startswith('{"correctness": ')
                   for r in point)
        assert pair[0]["outcome"] is None and pair[0]["verdict_x_first"] is None
        assert c.n_requests == 2 * (2 + 2) and len(cache) == 4

        c2 = _client(state, cache)
        asyncio.run(grade_pointwise(c2, assets, items, answers, max_tokens=MAX_TOKENS))
        asyncio.run(compare_pairwise(c2, assets, items[:1], answers[:1], ["Other answer."], max_tokens=MAX_TOKENS))
        assert c2.n_requests == 0 and c2.n_cache_hits == 4

        # Kill the server after the first judgment of a new batch of 4 is cached.
        items, answers = _items(4, "r")
        seen: list[int] = []
        killer = threading.Thread(target=_kill_after, args=(cache_path, 5, seen))
        killer.start()
        with pytest.raises(JudgeUnavailable):
            asyncio.run(grade_pointwise(_client(state, cache), assets, items, answers, max_tokens=MAX_TOKENS))
        killer.join()
        done = len(cache) - 4
        # The kill must land mid-batch (some judgments cached, some not) for the resume below to prove anything:
        # the killer fired on its trigger (one new judgment cached), not on its timeout, and the batch did not
        # finish before the server went down. The counts after the resume are checked exactly against `done`.
        assert seen[0] >= 5, f"killer timed out with {seen[0]} judgments cached"
        assert done < 4, "the batch finished before the server was killed; nothing was left to resume"

        state = server.start("tiny-gemma3", continuous_batching=True, wait_s=180)
        c3 = _client(state, cache)
        results = asyncio.run(grade_pointwise(c3, assets, items, answers, max_tokens=MAX_TOKENS))
        assert c3.n_cache_hits == done and c3.n_requests == 2 * (4 - done)  # only the missing ones
        assert [r["id"] for r in results] == [i.id for i in items] and all(len(r["raw"]) == 2 for r in results)
        with sqlite3.connect(cache_path) as db:
            keys = [k for (k,) in db.execute("SELECT key FROM judgments")]
        assert len(keys) == len(set(keys)) == 8  # nothing lost, nothing twice
    finally:
        server.stop()
        cache.close()
