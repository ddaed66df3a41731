"""Writes tools/reference/fixtures/preln/{bias,nobias}/: a small random pre-LayerNorm BertForPreTraining (BertCore's
config keys layer_norm_position "pre", and encoder_linear_bias false in nobias/; see bert_reference.py) and its
parity fixture: inputs, every hidden state, pooler, MLM/NSP logits, losses and every parameter's gradient.

  {variant}/model/config.json        HF BertConfig fields plus the BertCore keys
  {variant}/model/model.safetensors  HF-style key names (+ bert.encoder.LayerNorm, the final LayerNorm); tied decoder omitted
  {variant}/model/vocab.txt          200 made-up WordPiece tokens
  {variant}/io.safetensors           input_ids, token_type_ids, attention_mask, mlm_labels, nsp_labels, hidden_states.{i},
                                     pooler_output, mlm_logits, nsp_logits, mlm_loss, nsp_loss, loss, grad.{name}

Model: vocab 200, hidden 32, 2 layers, 2 heads, intermediate 64, max_position 40, dropout 0; batch 3 x 37 with padding
in two rows (make_bert_fixture.make_batch). Biases and LayerNorm parameters get random noise (init_weights) so that a
mistake in their handling shows.

Self-checks: every layer against torch.nn.TransformerEncoderLayer(norm_first=True) with the same weights (zero biases
for nobias) and the final LayerNorm against F.layer_norm; float32 gradients against float64 (reference_gradients).

Run: /usr/bin/python3 tools/reference/make_preln_fixture.py   (deterministic, a few seconds, one thread)
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
import make_bert_fixture as mbf  # noqa: E402
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 20261207
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "preln")
CONFIG = dict(br.DEFAULT_CONFIG, vocab_size=200, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
              intermediate_size=64, max_position_embeddings=40, layer_norm_position="pre")
VARIANTS = {"bias": True, "nobias": False}


def check_against_torch_encoder_layer(model, c, ids, tt, mask, bias):
    """Independent check of the pre-LN layer math: nn.TransformerEncoderLayer(norm_first=True, erf GELU)."""
    with torch.no_grad():
        out = model(ids, mask, tt)
        hidden = out["hidden_states"]
        x = hidden[0]
        real = mask.bool()
        for i, L in enumerate(model.bert.encoder.layer):
            ref = nn.TransformerEncoderLayer(c["hidden_size"], c["num_attention_heads"], c["intermediate_size"],
                                             dropout=0.0, activation="gelu", layer_norm_eps=c["layer_norm_eps"],
                                             batch_first=True, norm_first=True)
            ref.train()  # keep the slow path (the eval fast path zeroes padded rows)
            sa = L.attention.self
            ref.self_attn.in_proj_weight.copy_(torch.cat([sa.query.weight, sa.key.weight, sa.value.weight]))
            ref.self_attn.out_proj.weight.copy_(L.attention.output.dense.weight)
            ref.linear1.weight.copy_(L.intermediate.dense.weight)
            ref.linear2.weight.copy_(L.output.dense.weight)
            if bias:
                ref.self_attn.in_proj_bias.copy_(torch.cat([sa.query.bias, sa.key.bias, sa.value.bias]))
                ref.self_attn.out_proj.bias.copy_(L.attention.output.dense.bias)
                ref.linear1.bias.copy_(L.intermediate.dense.bias)
                ref.linear2.bias.copy_(L.output.dense.bias)
            else:
                for b in (ref.self_attn.in_proj_bias, ref.self_attn.out_proj.bias, ref.linear1.bias, ref.linear2.bias):
                    b.zero_()
            ref.norm1.load_state_dict(L.attention.output.LayerNorm.state_dict())
            ref.norm2.load_state_dict(L.output.LayerNorm.state_dict())
            y = ref(x, src_key_padding_mask=(mask == 0))
            last = i == len(model.bert.encoder.layer) - 1
            if last:  # hidden[-1] is after the final LayerNorm
                fn = model.bert.encoder.LayerNorm
                y = F.layer_norm(y, (c["hidden_size"],), fn.weight, fn.bias, c["layer_norm_eps"])
            d = (y[real] - hidden[i + 1][real]).abs().max().item()
            assert d < 1e-5, f"layer {i}: differs from nn.TransformerEncoderLayer(norm_first=True) by {d}"
            x = hidden[i + 1]
    print("check: every pre-LN layer (and the final LayerNorm) matches nn.TransformerEncoderLayer(norm_first=True) "
          "at real positions (max diff < 1e-5)")


def write_variant(name, bias):
    out_dir = os.path.join(OUT, name)
    os.makedirs(os.path.join(out_dir, "model"), exist_ok=True)
    c = dict(CONFIG, encoder_linear_bias=bias)
    g = torch.Generator().manual_seed(SEED)
    model = br.BertForPreTraining(c)
    br.init_weights(model, c, g)
    model.train()  # dropout is 0.0
    ids, tt, mask, mlm, nsp = mbf.make_batch(c, g)

    out = model(ids, mask, tt, mlm, nsp)
    out["loss"].backward()
    grads32 = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    m64 = br.BertForPreTraining(c).double()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    m64(ids, mask, tt, mlm, nsp)["loss"].backward()
    grads, zero = br.reference_gradients(grads32, {n: p.grad for n, p in m64.named_parameters()})

    check_against_torch_encoder_layer(model, c, ids, tt, mask, bias)
    expected_zero = [f"bert.encoder.layer.{i}.attention.self.key.bias" for i in range(2)] if bias else []
    assert zero == expected_zero, zero
    print(f"{name}: every float32 gradient within {br.FLOAT32_AGREEMENT:g} of float64; zero: {zero or 'none'}")

    sd = {n: p.detach().clone() for n, p in model.named_parameters()}
    save_file(sd, os.path.join(out_dir, "model", "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out_dir, "model", "config.json"), "w") as f:
        extra = dict(layer_norm_position="pre") if bias else dict(layer_norm_position="pre", encoder_linear_bias=False)
        json.dump(br.hf_config_json(c, ["BertForPreTraining"], **extra), f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "model", "vocab.txt"), "w") as f:
        f.write("\n".join(br.make_vocab(c["vocab_size"])) + "\n")
    io = {
        "input_ids": ids, "token_type_ids": tt, "attention_mask": mask, "mlm_labels": mlm, "nsp_labels": nsp,
        "pooler_output": out["pooler_output"].detach(), "mlm_logits": out["mlm_logits"].detach(),
        "nsp_logits": out["nsp_logits"].detach(), "loss": out["loss"].detach().reshape(1),
        "mlm_loss": out["mlm_loss"].detach().reshape(1), "nsp_loss": out["nsp_loss"].detach().reshape(1),
    }
    for i, h in enumerate(out["hidden_states"]):
        io[f"hidden_states.{i}"] = h.detach()
    io.update({f"grad.{n}": t for n, t in grads.items()})
    path = os.path.join(out_dir, "io.safetensors")
    save_file(io, path, metadata={"format": "pt", "seed": str(SEED), "zero_gradients": ",".join(zero)})
    back, _ = load_file(path)
    assert all(torch.equal(back[k], v.to(back[k].dtype)) for k, v in io.items())
    print(f"{name}: loss {out['loss'].item()!r} (mlm {out['mlm_loss'].item()!r}, nsp {out['nsp_loss'].item()!r}); "
          f"{len(sd)} parameters")


def main():
    for name, bias in VARIANTS.items():
        write_variant(name, bias)


if __name__ == "__main__":
    main()
