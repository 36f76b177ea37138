"""Async OpenAI-compatible judge client: bounded concurrency, timeouts, retries with exponential backoff (the
`openai` package's own), temperature 0, JSON-schema `response_format` where the server takes it, a strict parser
with one retry, and the SQLite cache in front of every request.

Two prompt styles (judges/prompts.py): "chat" sends messages to /v1/chat/completions; "completion" sends a
few-shot grading sheet that ends with the opening of the JSON verdict to /v1/completions, for base-model judges."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import openai

from judges.cache import JudgmentCache, cache_key
from judges.parse import ParseError, first_object
from judges.prompts import Completion, JudgePrompt
from judges.rubrics import RETRY_MESSAGE
from judges.server_state import ServerState

PRIME_MESSAGE = "Reply with {}."
# What the openai client raises once its own retries are spent and the server still did not answer.
_UNREACHABLE = (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError)


class JudgeUnavailable(RuntimeError):
    """The server did not answer after all retries. Nothing is cached for that judgment, so a re-run redoes it."""


@dataclass
class JudgeClient:
    base_url: str  # e.g. http://127.0.0.1:8008/v1
    model: str
    concurrency: int = 4
    timeout_s: float = 300.0
    max_retries: int = 3
    cache: JudgmentCache | None = None
    structured: str = "auto"  # "auto": send response_format, drop it if the server rejects it; "on"; "off"
    prompt_style: str = "chat"  # "chat" | "completion" (base-model judges)
    # Token ids that end a completion-style reply (every token containing "}", plus the model's own EOS).
    # `transformers serve` with continuous batching ignores `stop` strings, so these go in its generation_config.
    end_token_ids: list[int] | None = None
    # Chat style on `transformers serve` with continuous batching: before the first judgment of each system turn,
    # one short request with that turn alone, so that the judgments sent at once after it all find its KV blocks
    # (docs/judges.md, Throughput: the paged cache shares only blocks registered by an earlier forward pass).
    prime_prefix: bool = False
    n_requests: int = field(default=0, init=False)
    n_cache_hits: int = field(default=0, init=False)
    n_primes: int = field(default=0, init=False)  # priming requests, not counted in n_requests

    def __post_init__(self):
        self._sem = asyncio.Semaphore(self.concurrency)
        self._api = openai.AsyncOpenAI(base_url=self.base_url, api_key="not-needed", timeout=self.timeout_s,
                                       max_retries=self.max_retries)
        self._use_schema = self.structured != "off"
        self._primed: dict[str, asyncio.Future] = {}

    @classmethod
    def for_server(cls, state: ServerState, **kwargs) -> JudgeClient:
        """A client set up the way the server in `state` (judges.server_state) needs."""
        prime = state.backend == "transformers" and state.continuous_batching and state.prompt_style == "chat"
        return cls(state.api_url, state.model, structured="auto" if state.backend == "vllm" else "off",
                   prompt_style=state.prompt_style, end_token_ids=state.end_token_ids,
                   **{"prime_prefix": prime, **kwargs})

    def _unreachable(self, exc: Exception) -> JudgeUnavailable:
        return JudgeUnavailable(f"judge server at {self.base_url} did not answer after {self.max_retries} retries: "
                                f"{type(exc).__name__}")

    @property
    def structured_output(self) -> bool:
        return self._use_schema

    async def _complete(self, messages: list[dict], max_tokens: int, schema: dict | None) -> str:
        kwargs = dict(model=self.model, messages=messages, temperature=0.0, max_tokens=max_tokens)
        if schema is not None and self._use_schema:
            kwargs["response_format"] = {"type": "json_schema",
                                         "json_schema": {"name": "verdict", "schema": schema, "strict": True}}
        self.n_requests += 1
        try:
            resp = await self._api.chat.completions.create(**kwargs)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            if "response_format" in kwargs and self.structured == "auto":
                self._use_schema = False  # this server does not take JSON schemas: strict parser only
                return await self._complete(messages, max_tokens, None)
            raise JudgeUnavailable(f"judge server refused the request: {exc}") from None
        except _UNREACHABLE as exc:
            raise self._unreachable(exc) from None
        return resp.choices[0].message.content or ""

    async def _continue(self, completion: Completion, max_tokens: int) -> str:
        """Prefill + the judge's continuation, cut after the first JSON object (a base model writes on)."""
        kwargs = dict(model=self.model, prompt=completion.text, temperature=0.0, max_tokens=max_tokens, stop=["}"])
        if self.end_token_ids:
            # Only the EOS ids: the server derives greedy decoding and the token budget from temperature/max_tokens.
            kwargs["extra_body"] = {"generation_config": json.dumps({"eos_token_id": self.end_token_ids})}
        self.n_requests += 1
        try:
            resp = await self._api.completions.create(**kwargs)
        except (openai.BadRequestError, openai.UnprocessableEntityError, openai.NotFoundError) as exc:
            raise JudgeUnavailable(f"judge server refused the completion request: {exc}") from None
        except _UNREACHABLE as exc:
            raise self._unreachable(exc) from None
        text = completion.prefill + (resp.choices[0].text or "")
        # `stop` strips the "}" it stopped at; an end token keeps it. Either way the object is closed here.
        if resp.choices[0].finish_reason == "stop" and "}" not in text:
            text += "}"
        return first_object(text)

    async def _prime(self, prompt: JudgePrompt) -> None:
        """Once per system turn (concurrent callers wait for the same one): the system turn with a one-line user
        turn and a 2-token reply. Two tokens, not one: in transformers 5.23 a request that ends on its first
        generated token never registers its blocks for sharing (continuous_api.py:564-566, cache.py:353)."""
        if not self.prime_prefix or self.prompt_style != "chat" or prompt.messages[0].get("role") != "system":
            return
        system = prompt.messages[0]
        task = self._primed.get(system["content"])
        if task is None:
            task = self._primed[system["content"]] = asyncio.ensure_future(self._send_prime(system))
        await task

    async def _send_prime(self, system: dict) -> None:
        self.n_primes += 1
        kwargs = dict(model=self.model, messages=[system, {"role": "user", "content": PRIME_MESSAGE}],
                      temperature=0.0, max_tokens=2)
        try:
            await self._api.chat.completions.create(**kwargs)
        except Exception:  # noqa: BLE001
            # Only a speed-up: the judgments themselves report a server that does not answer. Not just OpenAIError:
            # against a refused connection the openai client itself sometimes fails with an AttributeError on a
            # missing response (seen in a clean-clone CI run), and a prime must never fail the judgments.
            pass

    async def _ask(self, prompt: JudgePrompt, max_tokens: int, retry_of: str | None = None) -> str:
        """One request in this client's prompt style; `retry_of`: the unparseable reply being retried."""
        if self.prompt_style == "completion":
            return await self._continue(prompt.first if retry_of is None else prompt.retry, max_tokens)
        messages = prompt.messages if retry_of is None else [
            *prompt.messages, {"role": "assistant", "content": retry_of}, {"role": "user", "content": RETRY_MESSAGE}]
        return await self._complete(messages, max_tokens, prompt.schema)

    async def _attempts(self, prompt: JudgePrompt, parse: Callable[[str], dict],
                        max_tokens: int) -> tuple[dict | None, list[str], str | None]:
        raw = [await self._ask(prompt, max_tokens)]
        try:
            return parse(raw[0]), raw, None
        except ParseError as exc:
            raw.append(await self._ask(prompt, max_tokens, retry_of=raw[0]))
            try:
                return parse(raw[1]), raw, None
            except ParseError as exc2:
                return None, raw, f"unparseable after one retry: {exc}; then {exc2}"

    async def judge(self, prompt: JudgePrompt, parse: Callable[[str], dict], max_tokens: int = 160) -> dict:
        """-> {"parsed": dict | None, "raw": [reply, ...], "error": str | None, "cached": bool, "latency_s"}.

        An unparseable reply gets one retry (chat: the reply and a correction appended; completion: the score
        fields prefilled); if that fails too the judgment is recorded as unparseable (parsed None) and cached like
        any other, so counts stay stable on re-runs."""
        params = {"temperature": 0.0, "max_tokens": max_tokens}
        sent = prompt.messages if self.prompt_style == "chat" else [{"prompt": prompt.first.text}]
        key = cache_key(self.model, sent, params)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self.n_cache_hits += 1
            return {**hit, "cached": True}
        await self._prime(prompt)
        async with self._sem:
            t0 = time.perf_counter()
            parsed, raw, error = await self._attempts(prompt, parse, max_tokens)
            result = {"parsed": parsed, "raw": raw, "error": error, "latency_s": round(time.perf_counter() - t0, 3)}
        if self.cache is not None:
            self.cache.put(key, self.model, {"messages": sent, "style": self.prompt_style, **params}, result)
        return {**result, "cached": False}

    async def aclose(self) -> None:
        await self._api.close()
