"""Writes tools/reference/fixtures/torch/: small HF-named BertForPreTraining checkpoints saved by torch.save
(pytorch_model.bin, zip format) in fp32, fp16 and bf16, the same weights as float32 safetensors, and hostile or
broken archives that a PyTorch checkpoint reader must refuse.

  {fp32,fp16,bf16}/             model folders: config.json, vocab.txt, pytorch_model.bin (torch.save)
  {fp32,fp16,bf16}.safetensors  every state-dict key as F32 (position_ids as I32): the values torch.load returns,
                                widened exactly to float32
  bf16_protocol4.bin            the bf16 state dict saved with pickle_protocol=4 (torch.save's default is 2)
  hostile/*.bin                 archives to refuse (see hostile()); the code-running payloads are checked
                                to really run under torch.load (each creates its marker file, which is deleted)

The state dicts are shaped like real HF ones and exercise the storage features of the format:
  - cls.predictions.decoder.weight / .bias are the very tensors bert.embeddings.word_embeddings.weight /
    cls.predictions.bias (one storage each, saved once, as HF's tied heads are);
  - each layer's query, key and value weights are views at offsets 0, H*H and 2*H*H of one [3H, H] storage;
  - bert.pooler.dense.weight and layer 0's intermediate.dense.weight are transposed (non-contiguous) views;
  - bert.embeddings.token_type_embeddings.weight is every other column of a [2, 2H] storage whose other columns
    hold values that must not leak into the tensor;
  - bert.embeddings.position_ids is HF's int64 buffer, arange(max_position).expand(1, -1).

Run: /usr/bin/python3 tools/reference/make_torch_bin_fixture.py   (a few seconds; run twice, every file is byte-identical
except hostile/legacy.bin, whose legacy-format storage keys are memory addresses)
"""
import collections
import json
import os
import struct
import subprocess
import sys
import zipfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 20241219
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "torch")
CONFIG = dict(br.DEFAULT_CONFIG, vocab_size=100, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
              intermediate_size=24, max_position_embeddings=16)
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
MARKER = "/tmp/bertcore-torch-marker-{}"   # the file a code-running payload would create


def hf_state_dict(params, c):
    """params: name -> tensor (one dtype). Returns the HF BertForPreTraining state dict with shared storages,
    offset views and non-contiguous views (see the module docstring)."""
    H = c["hidden_size"]
    sd = collections.OrderedDict()
    for name, p in params.items():
        sd[name] = p
        if name == "bert.embeddings.LayerNorm.bias":
            sd["bert.embeddings.position_ids"] = torch.arange(c["max_position_embeddings"]).expand((1, -1))
        if name == "cls.predictions.transform.LayerNorm.bias":
            sd["cls.predictions.decoder.weight"] = sd["bert.embeddings.word_embeddings.weight"]
            sd["cls.predictions.decoder.bias"] = sd["cls.predictions.bias"]
    for i in range(c["num_hidden_layers"]):
        names = [f"bert.encoder.layer.{i}.attention.self.{w}.weight" for w in ("query", "key", "value")]
        fused = torch.cat([params[n] for n in names], 0)   # [3H, H]
        for j, n in enumerate(names):
            sd[n] = fused[j * H:(j + 1) * H]
    for n in ("bert.pooler.dense.weight", "bert.encoder.layer.0.intermediate.dense.weight"):
        sd[n] = params[n].t().contiguous().t()
    tt = params["bert.embeddings.token_type_embeddings.weight"]   # [2, H]
    wide = torch.full((tt.shape[0], 2 * H), -7.0, dtype=tt.dtype)
    wide[:, ::2] = tt
    sd["bert.embeddings.token_type_embeddings.weight"] = wide[:, ::2]
    return sd


def expected(sd):
    """Every key as float32 (position_ids as int32), contiguous."""
    return {k: (v.to(torch.int32) if v.dtype == torch.int64 else v.float()).contiguous() for k, v in sd.items()}


def check_layout(path, want):
    """torch.load gives back the values, the shared storages and the views."""
    back = torch.load(path)
    assert list(back) == list(want), "keys or their order changed"
    for k, v in back.items():
        w = want[k]
        assert v.dtype == w.dtype and torch.equal(v, w), k
    ptr = lambda n: back[n].storage().data_ptr()  # noqa: E731
    assert ptr("cls.predictions.decoder.weight") == ptr("bert.embeddings.word_embeddings.weight")
    assert ptr("cls.predictions.decoder.bias") == ptr("cls.predictions.bias")
    q, k = back["bert.encoder.layer.1.attention.self.query.weight"], back["bert.encoder.layer.1.attention.self.key.weight"]
    assert q.storage().data_ptr() == k.storage().data_ptr() and k.storage_offset() == q.numel()
    assert not back["bert.pooler.dense.weight"].is_contiguous()
    assert back["bert.embeddings.token_type_embeddings.weight"].stride() == (2 * CONFIG["hidden_size"], 2)


def write_model_folders():
    g = torch.Generator().manual_seed(SEED)
    model = br.BertForPreTraining(CONFIG)
    br.init_weights(model, CONFIG, g)
    base = {n: p.detach().clone() for n, p in model.named_parameters()}
    for tag, dtype in DTYPES.items():
        d = os.path.join(OUT, tag)
        os.makedirs(d, exist_ok=True)
        sd = hf_state_dict({n: p.to(dtype) for n, p in base.items()}, CONFIG)
        path = os.path.join(d, "pytorch_model.bin")
        torch.save(sd, path)
        check_layout(path, sd)
        if tag == "bf16":   # the same state dict pickled with protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE, ...)
            torch.save(sd, os.path.join(OUT, "bf16_protocol4.bin"), pickle_protocol=4)
            check_layout(os.path.join(OUT, "bf16_protocol4.bin"), sd)
        want = expected(sd)
        save_file(want, os.path.join(OUT, f"{tag}.safetensors"), metadata={"format": "pt"})
        back, _ = load_file(os.path.join(OUT, f"{tag}.safetensors"))
        assert all(torch.equal(back[k], want[k]) for k in want)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(br.hf_config_json(CONFIG, ["BertForPreTraining"], torch_dtype=str(dtype)[6:]), f, indent=2)
            f.write("\n")
        with open(os.path.join(d, "vocab.txt"), "w") as f:
            f.write("\n".join(br.make_vocab(CONFIG["vocab_size"])) + "\n")
        print(f"{tag}: {len(sd)} keys, pytorch_model.bin {os.path.getsize(path)} bytes")


# ---- hand-written pickles (protocol 2, the opcodes torch.save emits) ----

def text(s):
    b = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(b)) + b


def integer(n):
    if 0 <= n < 2 ** 31:
        return b"J" + struct.pack("<i", n)
    b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b   # LONG1


def tup(items):
    return b"(" + b"".join(items) + b"t"


def tensor(storage_type, key, numel, offset, size, stride):
    """_rebuild_tensor_v2(persistent storage, offset, size, stride, requires_grad=False, OrderedDict())"""
    storage = tup([text("storage"), b"ctorch\n" + storage_type + b"\n", text(key), text("cpu"), integer(numel)])
    return (b"ctorch._utils\n_rebuild_tensor_v2\n" + tup([storage + b"Q", integer(offset),
            tup([integer(n) for n in size]), tup([integer(n) for n in stride]), b"\x89",
            b"ccollections\nOrderedDict\n)R"]) + b"R")


def state_dict(entries):
    """OrderedDict() then SETITEMS of (name, value pickle) pairs."""
    return b"\x80\x02ccollections\nOrderedDict\n)R(" + b"".join(text(k) + v for k, v in entries) + b"u."


def archive(path, records):
    """A zip written by PyTorch's own archive writer, as torch.save writes one: records under '<stem>/'."""
    w = torch._C.PyTorchFileWriter(path)
    for name, data in records:
        w.write_record(name, data, len(data))
    w.write_end_of_file()


FLOATS12 = struct.pack("<12f", *range(12))


def payload(module, name, argument):
    """GLOBAL module.name, REDUCE with one argument: what pickle.loads runs."""
    return b"c" + module + b"\n" + name + b"\n" + tup([argument]) + b"R"


def hostile():
    d = os.path.join(OUT, "hostile")
    os.makedirs(d, exist_ok=True)
    good = ("w", tensor(b"FloatStorage", "0", 12, 0, (3, 4), (4, 1)))
    code = {
        "os_system": payload(b"os", b"system", text(f"touch {MARKER.format('os_system')}")),
        "builtins_eval": payload(b"builtins", b"eval",
                                 text(f"open('{MARKER.format('builtins_eval')}', 'w').close()")),
        "subprocess_popen": payload(b"subprocess", b"Popen", tup([text("touch"), text(MARKER.format("subprocess_popen"))])),
    }
    cases = {name: state_dict([good, ("x", p)]) for name, p in code.items()}
    # torch.FloatStorage is an allowed global but not a callable a state dict calls
    cases["unknown_reduce"] = state_dict([good, ("x", b"ctorch\nFloatStorage\n)R")])
    cases["offset_beyond_record"] = state_dict([good, ("x", tensor(b"FloatStorage", "0", 12, 10, (4,), (1,)))])
    cases["size_beyond_record"] = state_dict([("x", tensor(b"FloatStorage", "0", 1000, 0, (1000,), (1,)))])
    cases["shape_overflow"] = state_dict([("x", tensor(b"FloatStorage", "0", 12, 0, (2 ** 62, 2 ** 62), (1, 1)))])
    for name, pkl in cases.items():
        archive(os.path.join(d, f"{name}.bin"), [("data.pkl", pkl), ("data/0", FLOATS12), ("version", b"3\n")])
    for name in code:   # the payloads are live: torch.load (without weights_only) runs them
        marker = MARKER.format(name)
        result = torch.load(os.path.join(d, f"{name}.bin"))
        if name == "subprocess_popen":
            result["x"].wait()
        assert os.path.exists(marker), f"{name}: the payload did not create {marker}"
        os.remove(marker)
    # torch 1.13 refuses these two, but loads size_beyond_record as a 1000-element storage over a 48-byte record
    for name in ("offset_beyond_record", "shape_overflow"):
        try:
            torch.load(os.path.join(d, f"{name}.bin"))
        except (RuntimeError, ValueError, OverflowError):
            pass
        else:
            raise AssertionError(f"{name}: torch.load accepted it")
    archive(os.path.join(d, "no_data_pkl.bin"), [("data/0", FLOATS12), ("version", b"3\n")])
    with open(os.path.join(OUT, "fp32", "pytorch_model.bin"), "rb") as f:
        whole = f.read()
    with open(os.path.join(d, "truncated.bin"), "wb") as f:
        f.write(whole[:len(whole) // 2])
    with zipfile.ZipFile(os.path.join(d, "not_torch.zip"), "w") as z:
        z.writestr(zipfile.ZipInfo("notes/readme.txt", date_time=(2024, 1, 1, 0, 0, 0)), "not a checkpoint\n")
    torch.save({"w": torch.zeros(2)}, os.path.join(d, "legacy.bin"), _use_new_zipfile_serialization=False)
    print(f"hostile: {len(os.listdir(d))} files")


def main():
    write_model_folders()
    hostile()
    subprocess.run(["du", "-sh", OUT], check=True)


if __name__ == "__main__":
    main()
