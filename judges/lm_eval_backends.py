"""How `make lm-eval` reaches a model: lm-eval's `hf` model in-process (base folder + `peft=` adapter), or its
`local-chat-completions` model against the judge server started by `make judge-server`.

The judge server is found through its state file (judges/server_state.py: `ServerState`, read with `read_state`).
Which model name to send for the tuned system depends on the server:
- vLLM serves every adapter as a LoRA module of one base (`--lora-modules name=path`): send the module's name.
- `transformers serve` has no adapters: it loads whatever local folder or hub id the request names
  (transformers/cli/serving/utils.py `_resolve_model` -> ModelManager.load_model_and_processor), unless it was
  started pinned to one model, in which case any other name is answered 400. So we save a merged copy of base +
  adapter to RUN/lm_eval/merged and send that folder's path.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from cookbook.errors import CookbookError
from judges.server_state import ServerState


def _same_folder(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def served_model_name(state: ServerState, system: str, run_dir: Path, base_path: str) -> str:
    """The `model` field to send for `system` ('base' or 'tuned')."""
    adapter = run_dir / "adapter"
    if state.backend == "vllm":
        served = state.model_path or state.model  # the weights behind the served name
        if not (_same_folder(served, base_path) or served == base_path):
            raise CookbookError(f"the vLLM server serves {served}, but {run_dir} was trained on {base_path}; "
                                "restart `make judge-server` with that base model")
        if system == "base":
            return state.model
        for name, path in state.lora_modules.items():
            if _same_folder(path, adapter):
                return name
        raise CookbookError(f"the vLLM server has no LoRA module for {adapter} (it serves: "
                            f"{', '.join(state.lora_modules) or 'none'}); restart `make judge-server` so it "
                            "picks up this run")
    if system == "base":
        return base_path
    return str(merged_dir(run_dir).resolve())


def merged_dir(run_dir: Path) -> Path:
    return run_dir / "lm_eval" / "merged"


def ensure_merged(run_dir: Path, base_path: str) -> Path:
    """Base + adapter merged into plain weights (fp32) with the run's tokenizer and chat template, saved once and
    reused while the adapter is unchanged. Written to a temporary folder and renamed, so a kill leaves none."""
    import shutil

    out = merged_dir(run_dir)
    adapter = run_dir / "adapter"
    stamp = str((adapter / "adapter_model.safetensors").stat().st_mtime_ns) if (
        adapter / "adapter_model.safetensors").is_file() else "?"
    if (out / "config.json").is_file() and (out / "ADAPTER_STAMP").is_file() and \
            (out / "ADAPTER_STAMP").read_text() == stamp:
        return out
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import cookbook.peft_methods  # noqa: F401  registers the cookbook's own PEFT methods with peft

    print(f"[lm-eval] merging {adapter} into {base_path} -> {out}", flush=True)
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(adapter if (adapter / "tokenizer_config.json").is_file() else base_path
                                  ).save_pretrained(tmp)
    (tmp / "ADAPTER_STAMP").write_text(stamp)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return out


def preflight(state: ServerState, model_name: str, timeout: float = 600) -> None:
    """One 1-token request, so a wrong model name or a pinned server fails here with one line, not after lm-eval's
    retries; on `transformers serve` it also loads the model before the timed run."""
    body = json.dumps({"model": model_name, "messages": [{"role": "user", "content": "ping"}],
                       "max_tokens": 1, "temperature": 0}).encode()
    req = urllib.request.Request(state.chat_url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:300]
        raise CookbookError(f"{state.chat_url} refused model '{model_name}' (HTTP {exc.code}: {detail})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CookbookError(f"{state.chat_url}: judge server not reachable ({getattr(exc, 'reason', exc)}); "
                            "start it with `make judge-server`") from None


def hf_model_args(base_path: str, adapter: Path | None, device: str, batch_size: int) -> str:
    """lm-eval `hf` model_args: the base folder, the adapter as `peft=` (None for the base system), fp32 on CPU."""
    args = [f"pretrained={base_path}"]
    if adapter is not None:
        args += [f"peft={adapter}", f"tokenizer={adapter}"]
    args += [f"dtype={'float32' if device == 'cpu' else 'auto'}", f"device={device}", f"batch_size={batch_size}"]
    return ",".join(args)


def server_model_args(state: ServerState, model_name: str, num_concurrent: int = 1) -> str:
    """lm-eval `local-chat-completions` model_args: chat messages are templated by the server, so no tokenizer
    is needed here (tokenizer_backend=None)."""
    return ",".join([f"model={model_name}", f"base_url={state.chat_url}", f"num_concurrent={num_concurrent}",
                     "max_retries=3", "tokenized_requests=False", "tokenizer_backend=None", "timeout=600"])


def gen_kwargs_for(engine: str, max_new_tokens: int, repetition_penalty: float, no_repeat_ngram_size: int) -> dict:
    """The run's decoding settings (config.yaml `eval:`) as lm-eval gen_kwargs for `engine` ('hf', 'vllm' or
    'transformers'). Servers get what their request schema can express: `transformers serve` answers unknown
    fields with 422, has no no_repeat_ngram_size, and maps frequency_penalty p to repetition_penalty 1 + p;
    vLLM takes repetition_penalty as an extra sampling parameter but has no no_repeat_ngram_size either."""
    kwargs: dict = {"max_gen_toks": max_new_tokens}
    if engine == "hf" and no_repeat_ngram_size:
        kwargs["no_repeat_ngram_size"] = no_repeat_ngram_size
    if repetition_penalty != 1.0:
        if engine == "transformers":
            kwargs["frequency_penalty"] = round(repetition_penalty - 1.0, 6)
        else:
            kwargs["repetition_penalty"] = repetition_penalty
    return kwargs


def stop_strings(model_path: str) -> list[str]:
    """Where an answer ends, in the model's own chat format (cookbook PromptFormat, from its tokenizer's chat
    template): lm-eval's `until`. The hf backend cuts generations there (and at the EOS lm-eval adds); the server
    backend sends them as the request's `stop` (lm-eval forwards the first four; the end-of-turn marker is first)."""
    from transformers import AutoTokenizer

    from cookbook.models.prompt_format import prompt_format

    return prompt_format(AutoTokenizer.from_pretrained(model_path)).stop_strings()
