"""When transformers' continuous batching (what `transformers serve --continuous-batching` runs) reuses the KV
blocks of a prompt prefix across requests: a random 2-layer Qwen2 (no sliding-window layers) with the tiny
tokenizer, judge prompts that differ only in the candidate, 32-token pages as judges/server.py serves. The rules
these pin down are in docs/judges.md (Throughput); the judge client's priming relies on them."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from transformers import ContinuousBatchingConfig, GenerationConfig, Qwen2Config, Qwen2ForCausalLM  # noqa: E402
from transformers.generation.continuous_batching import cache as cb_cache  # noqa: E402

from cookbook.models.tiny import build_tokenizer  # noqa: E402
from judges.rubrics import pointwise_system, pointwise_user  # noqa: E402
from judges.server import CB_BLOCK_SIZE, CB_MAX_BATCH_TOKENS, CB_NUM_BLOCKS  # noqa: E402

QUESTION = "What does the DR election achieve on a broadcast segment, and how is the DR chosen?"
REFERENCE = "Routers form full adjacencies only with the DR and BDR. The highest priority wins; ties go to router ID."


@pytest.fixture(scope="module")
def model_and_prompts(tmp_path_factory):
    tok = build_tokenizer(tmp_path_factory.mktemp("tok"))
    config = Qwen2Config(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                         tie_word_embeddings=True, eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    head = tok(pointwise_system("telecom answers") + "\n" + pointwise_user(QUESTION, REFERENCE, ""))["input_ids"]
    prompts = [head + tok(f" candidate {k}: the DR is elected by priority {k}.")["input_ids"] for k in range(5)]
    return model, prompts


def _run(model, prompts, monkeypatch, reply_tokens: int, pattern: str, page_size: int = CB_BLOCK_SIZE,
         share: bool = True, batch_tokens: int = 0) -> list[int]:
    """The prefix each request matched (tokens), in scheduling order."""
    matched = []
    original = cb_cache.PagedAttentionCache.search_prefix_match

    def spy(self, request_id, prompt_ids):
        n = original(self, request_id, prompt_ids)
        matched.append(n)
        return n

    monkeypatch.setattr(cb_cache.PagedAttentionCache, "search_prefix_match", spy)
    # One forward per prompt by default (the real judge prompts, ~600 Qwen tokens, fit in serve's 1024); the tiny
    # tokenizer makes these ~1100 tokens, so the budget is raised unless a test asks for chunked prefill.
    batch_tokens = batch_tokens or 2 * max(len(p) for p in prompts)
    cfg = ContinuousBatchingConfig(page_size=page_size, num_blocks=CB_NUM_BLOCKS, max_batch_tokens=batch_tokens,
                                   allow_block_sharing=share)
    gen = GenerationConfig(max_new_tokens=reply_tokens, do_sample=False)
    manager = model.init_continuous_batching(generation_config=gen, continuous_batching_config=cfg)
    manager.start()
    try:
        waves = [[p] for p in prompts] if pattern == "sequential" else \
            [prompts] if pattern == "together" else [prompts[:1], prompts[1:]]
        k = 0
        for wave in waves:
            ids = []
            for p in wave:
                ids.append(manager.add_request(p, request_id=f"r{k}", max_new_tokens=reply_tokens))
                k += 1
            for rid in ids:
                out = manager.get_result(request_id=rid, timeout=300)
                assert out is not None and len(out.generated_tokens) == reply_tokens  # no early EOS
    finally:
        manager.stop(block=True, timeout=30)
        model.destroy_cached_continuous_batching_manager()  # the next run starts with an empty cache and ledger
    return matched


def _shared_pages(prompts, page_size=CB_BLOCK_SIZE) -> int:
    common = next(i for i, (a, b) in enumerate(zip(prompts[0], prompts[1], strict=False)) if a != b)
    return common // page_size * page_size


def test_a_later_request_reuses_the_complete_pages_of_an_earlier_one(model_and_prompts, monkeypatch):
    model, prompts = model_and_prompts
    want = _shared_pages(prompts)
    assert want >= 4 * CB_BLOCK_SIZE  # the rubric alone spans several pages
    assert _run(model, prompts[:2], monkeypatch, 4, "sequential") == [0, want]
    assert _run(model, prompts[:2], monkeypatch, 4, "sequential", page_size=256) == [0, want // 256 * 256]


def test_a_request_that_ends_on_its_first_token_leaves_nothing_to_share(model_and_prompts, monkeypatch):
    model, prompts = model_and_prompts
    assert _run(model, prompts[:2], monkeypatch, 1, "sequential") == [0, 0]


def test_a_chunked_prefill_registers_the_chunks_before_the_last(model_and_prompts, monkeypatch):
    """A prompt longer than the batch budget is prefilled in chunks; the chunks before the last are registered
    while the request is still prefilling (continuous_api.py:573-574), even for a 1-token reply."""
    model, prompts = model_and_prompts
    chunk = CB_MAX_BATCH_TOKENS // 2
    assert len(prompts[0]) > chunk
    got = _run(model, prompts[:2], monkeypatch, 1, "sequential", batch_tokens=chunk)
    assert got[0] == 0 and 0 < got[1] <= _shared_pages(prompts) and got[1] % CB_BLOCK_SIZE == 0


def test_requests_scheduled_together_share_nothing_but_a_primed_prefix_serves_them_all(model_and_prompts,
                                                                                       monkeypatch):
    model, prompts = model_and_prompts
    want = _shared_pages(prompts)
    together = _run(model, prompts[:4], monkeypatch, 4, "together")
    assert together[0] == 0 and together.count(0) >= 2  # the first batch's requests prefill the prefix side by side
    assert _run(model, prompts, monkeypatch, 4, "primed") == [0, want, want, want, want]


def test_no_sharing_when_block_sharing_is_off(model_and_prompts, monkeypatch):
    model, prompts = model_and_prompts
    assert _run(model, prompts[:2], monkeypatch, 4, "sequential", share=False) == []  # never even searched
