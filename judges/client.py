"""Async OpenAI-compatible judge client: bounded concurrency, timeouts, retries with exponential backoff (the
`openai` package's own), temperature 0, JSON-schema `response_format` where the server takes it, a strict parser
with one retry, and the SQLite cache in front of every request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import openai

from judges.cache import JudgmentCache, cache_key
from judges.parse import ParseError
from judges.rubrics import RETRY_MESSAGE


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
    n_requests: int = field(default=0, init=False)
    n_cache_hits: int = field(default=0, init=False)

    def __post_init__(self):
        self._sem = asyncio.Semaphore(self.concurrency)
        self._api = openai.AsyncOpenAI(base_url=self.base_url, api_key="not-needed", timeout=self.timeout_s,
                                       max_retries=self.max_retries)
        self._use_schema = self.structured != "off"

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
        except (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError) as exc:
            raise JudgeUnavailable(f"judge server at {self.base_url} did not answer after {self.max_retries} "
                                   f"retries: {type(exc).__name__}") from None
        return resp.choices[0].message.content or ""

    async def judge(self, messages: list[dict], parse: Callable[[str], dict], max_tokens: int = 160,
                    schema: dict | None = None) -> dict:
        """-> {"parsed": dict | None, "raw": [reply, ...], "error": str | None, "cached": bool, "latency_s"}.

        An unparseable reply gets one retry (the reply and a correction appended); if that fails too the judgment
        is recorded as unparseable (parsed None) and cached like any other, so counts stay stable on re-runs."""
        params = {"temperature": 0.0, "max_tokens": max_tokens}
        key = cache_key(self.model, messages, params)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self.n_cache_hits += 1
            return {**hit, "cached": True}
        async with self._sem:
            t0 = time.perf_counter()
            raw = [await self._complete(messages, max_tokens, schema)]
            parsed, error = None, None
            try:
                parsed = parse(raw[0])
            except ParseError as exc:
                retry = [*messages, {"role": "assistant", "content": raw[0]},
                         {"role": "user", "content": RETRY_MESSAGE}]
                raw.append(await self._complete(retry, max_tokens, schema))
                try:
                    parsed = parse(raw[1])
                except ParseError as exc2:
                    error = f"unparseable after one retry: {exc}; then {exc2}"
            result = {"parsed": parsed, "raw": raw, "error": error, "latency_s": round(time.perf_counter() - t0, 3)}
        if self.cache is not None:
            self.cache.put(key, self.model, {"messages": messages, **params}, result)
        return {**result, "cached": False}

    async def aclose(self) -> None:
        await self._api.close()
