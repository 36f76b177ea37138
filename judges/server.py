"""Start and stop the local judge server: `vllm serve` (with every trained LoRA adapter) when vLLM and CUDA are
importable, else `transformers serve` on CPU. Always bound to 127.0.0.1. Where it runs and how to talk to it is
written to the state file (judges/server_state.py owns its path and schema), which tells other tools where it is."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cookbook.errors import CookbookError
from judges.judge_models import ADAPTER_NAME, judge_model, judge_model_spec, merged_copy
from judges.server_state import ServerState, load_state, remove_state, state_path, write_state

HOST = "127.0.0.1"


def vllm_available() -> bool:
    """vLLM importable and a CUDA device present. Checked without importing vLLM (it is heavy and GPU-only)."""
    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return torch.cuda.is_available()


def vllm_command(model: str, port: int, lora_modules: dict[str, str] | None = None,
                 served_name: str | None = None, max_lora_rank: int = 64) -> list[str]:
    cmd = ["vllm", "serve", model, "--host", HOST, "--port", str(port)]
    if served_name:
        cmd += ["--served-model-name", served_name]
    if lora_modules:
        cmd += ["--enable-lora", "--max-lora-rank", str(max_lora_rank), "--max-loras", str(len(lora_modules))]
        for name, path in sorted(lora_modules.items()):
            cmd += ["--lora-modules", f"{name}={path}"]
    return cmd


# KV cache for continuous batching: 512 blocks of 32 tokens hold 16 judgments of ~1k tokens. Left to itself
# transformers sizes the cache from free memory (GBs on a CPU box), and attention masks grow with it. Small blocks
# because prefix sharing (on for models without sliding-window layers, e.g. Qwen2; transformers'
# SlidingAttentionCacheAllocator has supports_block_sharing = False) reuses only complete blocks: with 32-token
# blocks nearly all of the rubric's system turn, identical in every request, is computed once.
CB_BLOCK_SIZE = 32
CB_NUM_BLOCKS = 512
CB_MAX_BATCH_TOKENS = 1024


def transformers_command(model: str, port: int, continuous_batching: bool = True) -> list[str]:
    exe = Path(sys.executable).with_name("transformers")
    cmd = [str(exe), "serve", model, "--host", HOST, "--port", str(port), "--device", "cpu", "--dtype", "float32"]
    if continuous_batching:
        cmd += ["--continuous-batching", "--cb-block-size", str(CB_BLOCK_SIZE), "--cb-num-blocks", str(CB_NUM_BLOCKS),
                "--cb-max-batch-tokens", str(CB_MAX_BATCH_TOKENS)]
    else:
        cmd.append("--no-continuous-batching")
    return cmd


def is_base_model(spec: str | None) -> bool:
    """True for a judge known to be a base model: an offline model source registered with instruction_tuned=False
    (or an adapter trained on one). Hub ids and local folders are taken to be instruction-tuned."""
    from cookbook.models.resolve import MODEL_SOURCES

    spec = judge_model(spec).base_spec if spec else spec
    return bool(spec) and spec in MODEL_SOURCES and MODEL_SOURCES.get(spec).instruction_tuned is False


def prompt_style_for(spec: str) -> str:
    """"completion" for judges known to be base models (given chat messages they continue the conversation
    instead of answering), "chat" for everything else."""
    return "completion" if is_base_model(spec) else "chat"


def end_token_ids(model_path: str) -> list[int]:
    """Every token whose text contains "}" plus the model's EOS ids: a completion-style verdict ends at its closing
    brace. `transformers serve` with continuous batching honours only EOS ids, not `stop` strings."""
    from transformers import AutoTokenizer, GenerationConfig

    tok = AutoTokenizer.from_pretrained(model_path)
    ids = {i for i, t in enumerate(tok.convert_ids_to_tokens(list(range(len(tok))))) if t and "}" in t}
    try:
        eos = GenerationConfig.from_pretrained(model_path).eos_token_id
    except OSError:
        eos = None
    eos = tok.eos_token_id if eos is None else eos
    ids |= set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    return sorted(ids)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 2.0) -> bool:
    """GET /health (both vLLM and transformers serve have it; transformers' /v1/models scans the hub cache)."""
    try:
        with urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def start(model_spec: str | None = None, port: int | None = None, lora_modules: dict[str, str] | None = None,
          backend: str = "auto", continuous_batching: bool = True, wait_s: float = 600.0,
          log_path: Path | None = None, prompt_style: str = "auto") -> ServerState:
    """Start a server in its own process group, wait until GET /health answers, write the state file."""
    from cookbook.models.resolve import resolve_model

    spec = model_spec or judge_model_spec()
    judge = judge_model(spec)
    port = port or free_port()
    if backend == "auto":
        backend = "vllm" if vllm_available() else "transformers"
    served = spec
    if backend == "vllm":
        model_path = resolve_model(judge.base_spec).path
        if judge.adapter is not None:  # the judge is base + its adapter: requests name the adapter
            lora_modules, served = {**(lora_modules or {}), ADAPTER_NAME: str(judge.adapter)}, ADAPTER_NAME
        cmd = vllm_command(model_path, port, lora_modules, served_name=judge.base_spec)
    else:
        model_path = str(merged_copy(Path(spec))) if judge.adapter is not None else resolve_model(spec).path
        cmd = transformers_command(model_path, port, continuous_batching)
        lora_modules = {}  # transformers serve takes no adapters: an adapter judge is served merged
    log_path = log_path or state_path().parent / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{HOST}:{port}/v1"
    deadline = time.time() + wait_s
    while not healthy(url):
        if proc.poll() is not None:
            raise CookbookError(f"judge server exited with code {proc.returncode} before it was healthy; "
                                f"see {log_path}")
        if time.time() > deadline:
            _kill(proc.pid)
            raise CookbookError(f"judge server not healthy after {wait_s:.0f} s; see {log_path}")
        time.sleep(1.0)
    # transformers serve with a preloaded model answers to any model name; vLLM to --served-model-name.
    if prompt_style == "auto":
        prompt_style = prompt_style_for(spec)
    ends = end_token_ids(model_path) if prompt_style == "completion" and backend == "transformers" else None
    state = ServerState(url=url, model=served if backend == "vllm" else model_path, backend=backend, pid=proc.pid,
                        model_spec=spec, model_path=model_path, lora_modules=lora_modules or {},
                        continuous_batching=continuous_batching, prompt_style=prompt_style, end_token_ids=ends,
                        command=cmd, log=str(log_path))
    write_state(state)
    return state


def _kill(pid: int, wait_s: float = 20.0) -> None:
    """SIGTERM the server's process group (it was started as a session leader), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.time() + wait_s
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            time.sleep(0.2)


def running() -> ServerState | None:
    """The server in the state file, if it answers its health check."""
    state = load_state()
    return state if state is not None and healthy(state.url) else None


def stop() -> bool:
    """Kill the server in the state file and remove the file; False when there is none. A broken file is removed
    (its server, if any, cannot be located from it)."""
    try:
        state = load_state()
    except CookbookError as exc:
        print(f"[judge] {exc}; removing it", file=sys.stderr)
        remove_state()
        return True
    if state is None:
        return False
    if state.pid > 0:
        _kill(state.pid)
    remove_state()
    return True


@contextlib.contextmanager
def ensure_server(**start_kwargs):
    """Use the running judge server, or start one for the duration of the block (and stop it afterwards)."""
    state = running()
    if state is not None:
        yield state
        return
    print("[judge] starting a judge server (stop it yourself with `make judge-server-stop` if interrupted)",
          file=sys.stderr)
    state = start(**start_kwargs)
    try:
        yield state
    finally:
        stop()
