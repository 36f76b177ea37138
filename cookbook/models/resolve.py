"""A model spec is one of: a name from MODEL_SOURCES (built offline, cached), a local HF folder, or a hub id.

Hub ids keep the real transformers loading path; when the hub can't be reached the error says how to point
at a local copy instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import CookbookError, ModelSourceError
from cookbook.models.sources import MODEL_SOURCES, OfflineSource
from cookbook.paths import cache_dir

__all__ = ["MODEL_SOURCES", "OfflineSource", "ResolvedModel", "bnb_4bit_available", "load_model", "load_tokenizer",
           "resolve_model", "weights_sha256"]


@dataclass
class ResolvedModel:
    spec: str
    path: str  # local folder, or the hub id itself
    source: str  # offline:<name> | local | hub

    def describe(self) -> str:
        return {"local": f"local folder {self.path}", "hub": f"hub id {self.path}"}.get(
            self.source, f"{self.source} (cached at {self.path})")


def _hub_error(spec: str, exc: Exception) -> ModelSourceError:
    reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return ModelSourceError(
        f"model '{spec}' is not an offline source, not a local folder, and the Hugging Face Hub could not "
        f"serve it ({reason}). Download it where the hub is reachable and pass MODEL=/path/to/folder "
        f"(model.source=/path/to/folder), or use one of: {', '.join(MODEL_SOURCES.names())}"
    )


def _hub_pipeline(spec: str) -> bool:
    """Whether the hub serves `spec` as a diffusers pipeline (model_index.json at its root, no config.json)."""
    try:
        from huggingface_hub import hf_hub_download

        hf_hub_download(spec, "model_index.json")
        return True
    except Exception:
        return False


def resolve_model(spec: str) -> ResolvedModel:
    if spec in MODEL_SOURCES:
        return ResolvedModel(spec, str(MODEL_SOURCES.get(spec).ensure()), f"offline:{spec}")
    local = Path(spec).expanduser()
    if local.exists():
        if not any((local / name).is_file() for name in ("config.json", "model_index.json")):
            raise ModelSourceError(f"{local}: not a model folder (no config.json, nor a diffusers "
                                   "model_index.json)")
        return ResolvedModel(spec, str(local.resolve()), "local")
    from transformers import AutoConfig

    try:
        AutoConfig.from_pretrained(spec)
    except Exception as exc:  # network errors, offline mode, missing repo: all mean "can't get it here"
        if not _hub_pipeline(spec):
            raise _hub_error(spec, exc) from None
    return ResolvedModel(spec, spec, "hub")


def weights_sha256(resolved: ResolvedModel) -> str:
    """SHA-256 over the weight files (sorted by name), memoised by path, size and mtime."""
    if resolved.source == "hub":
        from transformers.utils import cached_file

        config = cached_file(resolved.path, "config.json", local_files_only=True,
                             _raise_exceptions_for_missing_entries=False)
        if not config:
            return "unknown (hub files not in the local cache)"
        folder = Path(config).parent
    else:
        folder = Path(resolved.path)
    # A diffusers pipeline keeps its weights one level down (unet/, vae/, text_encoder/).
    found = folder.rglob("*") if (folder / "model_index.json").is_file() else folder.iterdir()
    files = sorted(p for p in found if p.suffix in {".safetensors", ".bin", ".gguf"})
    key = json.dumps([[str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in files])
    memo = cache_dir() / "sha256" / (hashlib.sha1(key.encode()).hexdigest() + ".txt")
    if memo.is_file():
        return memo.read_text().strip()
    digest = hashlib.sha256()
    for p in files:
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                digest.update(block)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(digest.hexdigest())
    return digest.hexdigest()


def bnb_4bit_available() -> tuple[bool, str]:
    """Whether bitsandbytes can run 4-bit NF4 here (it does on CPU since 0.4x; checked, not assumed)."""
    try:
        import bitsandbytes as bnb
        import torch

        layer = bnb.nn.Linear4bit(16, 16, quant_type="nf4", compute_dtype=torch.float32)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        layer = layer.to(device)
        layer(torch.randn(2, 16, device=device))
        return True, f"bitsandbytes {bnb.__version__} 4-bit on {device}"
    except Exception as exc:
        return False, f"bitsandbytes 4-bit unavailable: {type(exc).__name__}: {str(exc)[:120]}"


def load_tokenizer(resolved: ResolvedModel):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(resolved.path)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(resolved: ResolvedModel, quantize_4bit: bool = False):
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    kwargs: dict = {"dtype": torch.float32}
    if quantize_4bit:
        ok, why = bnb_4bit_available()
        if not ok:
            raise CookbookError(f"QLoRA needs 4-bit bitsandbytes: {why}. Use METHOD=lora.")
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if torch.cuda.is_available() else torch.float32,
        )
        kwargs["device_map"] = "auto" if torch.cuda.is_available() else "cpu"
    try:
        return AutoModelForCausalLM.from_pretrained(resolved.path, **kwargs)
    except OSError as exc:
        if resolved.source == "hub":
            raise _hub_error(resolved.spec, exc) from None
        raise
