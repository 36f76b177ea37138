"""CTranslate2 model.bin reader (cookbook.models.ct2_reader) and Whisper -> transformers conversion (whisper_ct2)."""

import re
import shutil
import struct
import subprocess
import wave

import numpy as np
import pytest

from cookbook.models.ct2_reader import read_ct2_model_bin

# Our own writer, following CTranslate2's ModelSpec._serialize, so the reader is checked against the
# format description rather than against itself.
_CODES = {np.dtype(np.float32): 0, np.dtype(np.int8): 1, np.dtype(np.int16): 2, np.dtype(np.int32): 3,
          np.dtype(np.float16): 4}


def _string(s: str) -> bytes:
    raw = s.encode("utf-8") + b"\0"
    return struct.pack("<H", len(raw)) + raw


def _write_model_bin(path, spec, variables, aliases, bf16=None):
    count = len(variables) + len(bf16 or {})
    out = [struct.pack("<I", 6), _string(spec), struct.pack("<I", 3), struct.pack("<I", count)]
    for name, arr in variables.items():
        out += [_string(name), struct.pack("<B", arr.ndim), *(struct.pack("<I", d) for d in arr.shape),
                struct.pack("<B", _CODES[arr.dtype]), struct.pack("<I", arr.nbytes),
                arr.astype(arr.dtype.newbyteorder("<")).tobytes()]
    for name, arr in (bf16 or {}).items():  # bf16 = upper half of each float32
        raw = (arr.astype(np.float32).view(np.uint32) >> 16).astype("<u2")
        out += [_string(name), struct.pack("<B", arr.ndim), *(struct.pack("<I", d) for d in arr.shape),
                struct.pack("<B", 5), struct.pack("<I", raw.nbytes), raw.tobytes()]
    out.append(struct.pack("<I", len(aliases)))
    for alias, target in aliases:
        out += [_string(alias), _string(target)]
    path.write_bytes(b"".join(out))


def test_reader_round_trips_synthetic_model_bin(tmp_path):
    rng = np.random.default_rng(0)
    variables = {
        "decoder/embeddings/weight": rng.standard_normal((7, 4)).astype(np.float16),
        "encoder/conv1/weight": rng.standard_normal((4, 3, 2)).astype(np.float32),
        "encoder/num_heads": np.array(6, dtype=np.int16),
        "decoder/activation": np.array(3, dtype=np.int8),
        "decoder/some/int32": np.arange(-5, 5, dtype=np.int32).reshape(2, 5),
    }
    bf16 = {"decoder/bf16/weight": np.array([1.0, -2.5, 0.15625], dtype=np.float32)}  # exact in bf16
    path = tmp_path / "model.bin"
    _write_model_bin(path, "WhisperSpec", variables, [("decoder/projection/weight", "decoder/embeddings/weight")], bf16)

    spec, tensors, aliases = read_ct2_model_bin(path)

    assert spec == "WhisperSpec"
    assert set(tensors) == set(variables) | set(bf16)
    for name, arr in variables.items():
        got = tensors[name]
        assert got.shape == arr.shape and got.dtype == arr.dtype, name
        np.testing.assert_array_equal(got, arr)
    assert tensors["encoder/num_heads"].shape == () and int(tensors["encoder/num_heads"]) == 6
    assert tensors["decoder/bf16/weight"].dtype == np.float32
    np.testing.assert_array_equal(tensors["decoder/bf16/weight"], bf16["decoder/bf16/weight"])
    assert aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}


def test_reader_rejects_truncated_file(tmp_path):
    path = tmp_path / "model.bin"
    _write_model_bin(path, "WhisperSpec", {"x": np.ones((3,), np.float32)}, [])
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises((ValueError, struct.error)):
        read_ct2_model_bin(path)


# (source, encoder layers, decoder layers, d_model, vocab, generate kwargs)
WHISPER_SOURCES = [
    ("whisper-tiny.en", 4, 4, 384, 51864, {}),
    ("whisper-base", 6, 6, 512, 51865, {"language": "en", "task": "transcribe"}),
]


@pytest.mark.slow
@pytest.mark.parametrize("source,n_enc,n_dec,d_model,vocab,gen_kwargs", WHISPER_SOURCES,
                         ids=[s[0] for s in WHISPER_SOURCES])
def test_whisper_source_converts_and_transcribes(tmp_path, source, n_enc, n_dec, d_model, vocab, gen_kwargs):
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    from cookbook.models.resolve import resolve_model

    folder = resolve_model(source).path
    model = WhisperForConditionalGeneration.from_pretrained(str(folder)).eval()
    cfg = model.config
    assert (cfg.encoder_layers, cfg.decoder_layers, cfg.d_model, cfg.vocab_size) == (n_enc, n_dec, d_model, vocab)
    assert model.proj_out.weight.data_ptr() == model.model.decoder.embed_tokens.weight.data_ptr()

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng)")
    raw = tmp_path / "fox.wav"
    subprocess.run(["espeak-ng", "-w", str(raw), "the quick brown fox jumps over the lazy dog"], check=True)
    with wave.open(str(raw)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        rate = w.getframerate()
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if rate != 16000:  # espeak-ng writes 22.05 kHz; linear interpolation is enough for a clean synthetic voice
        n = int(round(len(audio) * 16000 / rate))
        audio = np.interp(np.arange(n) * rate / 16000, np.arange(len(audio)), audio).astype(np.float32)

    processor = WhisperProcessor.from_pretrained(str(folder))
    features = processor(audio, sampling_rate=16000, return_tensors="pt").input_features
    with torch.no_grad():
        ids = model.generate(features, max_new_tokens=40, **gen_kwargs)
    text = processor.batch_decode(ids, skip_special_tokens=True)[0]
    words = re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()
    print("transcript:", text)
    assert "quick brown fox" in " ".join(words), text
