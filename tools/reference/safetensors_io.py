"""Minimal safetensors writer/reader (no `safetensors` package needed).

File layout (https://github.com/huggingface/safetensors):
  8 bytes   little-endian u64 N = length of the JSON header
  N bytes   UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
            padded with spaces so that 8 + N is a multiple of 8
  rest      raw little-endian tensor bytes; data_offsets are relative to the start of this section

Tensors are written in sorted name order, back to back, with no gaps (as the reference library does for
same-alignment dtypes). Supported dtypes: F32, I32 (write); F32, F64, I32, I64 (read).
"""
import json
import struct

import numpy as np
import torch

_NP = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8")}
_TORCH_TO_ST = {torch.float32: "F32", torch.int32: "I32"}


def _to_numpy(name, t):
    if isinstance(t, torch.Tensor):
        if t.dtype not in _TORCH_TO_ST:
            raise TypeError(f"{name}: dtype {t.dtype} not supported (convert to float32 or int32 first)")
        dt = _TORCH_TO_ST[t.dtype]
        arr = t.detach().cpu().contiguous().numpy()
    else:
        arr = np.asarray(t)
        dt = {np.dtype("float32"): "F32", np.dtype("int32"): "I32"}.get(arr.dtype)
        if dt is None:
            raise TypeError(f"{name}: numpy dtype {arr.dtype} not supported")
    return dt, np.ascontiguousarray(arr, dtype=_NP[dt])


def save_file(tensors, path, metadata=None):
    """tensors: dict name -> torch.Tensor (float32/int32) or numpy array. Deterministic output."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        dt, arr = _to_numpy(name, tensors[name])
        data = arr.tobytes(order="C")
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-(8 + len(hjson))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def load_file(path):
    """Returns (dict name -> torch.Tensor, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(raw[base + b:base + e], dtype=_NP[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta
