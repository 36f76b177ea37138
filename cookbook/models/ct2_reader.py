"""Reader for CTranslate2's model.bin (the format only; what the variables mean is the converter's business,
see whisper_ct2.py). No ctranslate2 dependency: the format is a short header plus raw little-endian arrays."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

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
