"""Writes tools/reference/fixtures/bert/: a small random HF-named BertForPreTraining checkpoint and a parity
fixture (inputs, every hidden state, pooler, MLM/NSP logits, losses, every gradient, 10 AdamW step losses).

  model/config.json        HF BertConfig (architectures ["BertForPreTraining"])
  model/model.safetensors  HF key names; the tied cls.predictions.decoder.weight/.bias are omitted (as HF does)
  model/vocab.txt          1000 made-up WordPiece tokens: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, ...
  io.safetensors           inputs, labels, expected outputs, grads, AdamW losses

Run: /usr/bin/python3 tools/reference/make_bert_fixture.py   (deterministic, a few seconds, one thread)
"""
import copy
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 20240501
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "bert")
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
B, T = 3, 37
SEGMENTS = [(17, 17), (12, 14), (7, 7)]  # (len A, len B) per row -> real lengths 37, 29, 17
ADAMW_STEPS = 10


def make_batch(c, g):
    V = c["vocab_size"]
    input_ids = torch.full((B, T), PAD, dtype=torch.int32)
    token_type = torch.zeros((B, T), dtype=torch.int32)
    mask = torch.zeros((B, T), dtype=torch.int32)
    mlm_labels = torch.full((B, T), -100, dtype=torch.int32)
    for r, (la, lb) in enumerate(SEGMENTS):
        a = torch.randint(5, V, (la,), generator=g, dtype=torch.int32)
        b = torch.randint(5, V, (lb,), generator=g, dtype=torch.int32)
        row = torch.cat([torch.tensor([CLS], dtype=torch.int32), a, torch.tensor([SEP], dtype=torch.int32), b,
                         torch.tensor([SEP], dtype=torch.int32)])
        n = row.numel()
        input_ids[r, :n] = row
        token_type[r, la + 2:n] = 1  # segment B and its [SEP]
        mask[r, :n] = 1
        # ~15% of the non-special real positions; 80% -> [MASK], 10% -> random token, 10% unchanged
        cand = [i for i in range(n) if int(row[i]) not in (CLS, SEP)]
        k = max(1, round(0.15 * len(cand)))
        picks = sorted(cand[i] for i in torch.randperm(len(cand), generator=g)[:k].tolist())
        for j, pos in enumerate(picks):
            mlm_labels[r, pos] = input_ids[r, pos]
            u = torch.rand((), generator=g).item()
            if u < 0.8:
                input_ids[r, pos] = MASK
            elif u < 0.9:
                input_ids[r, pos] = int(torch.randint(5, V, (), generator=g))
    nsp_labels = torch.tensor([0, 1, 1], dtype=torch.int32)
    return input_ids, token_type, mask, mlm_labels, nsp_labels


def hf_state_dict(model):
    """HF BertForPreTraining keys, minus the tied decoder entries."""
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def check_padding_invariance(model, ids, tt, mask, mlm, nsp, out):
    """Changing token ids / token types at padded positions must not change anything at real positions."""
    ids2, tt2 = ids.clone(), tt.clone()
    pad = mask == 0
    ids2[pad] = torch.arange(int(pad.sum()), dtype=torch.int32) % 900 + 50
    tt2[pad] = 1
    with torch.no_grad():
        o2 = model(ids2, mask, tt2, mlm, nsp)
    real = mask.bool()
    for i, (h1, h2) in enumerate(zip(out["hidden_states"][1:], o2["hidden_states"][1:])):
        d = (h1[real] - h2[real]).abs().max().item()
        assert d == 0.0, f"layer {i + 1}: padded token ids leak into real positions ({d})"
    assert torch.equal(out["pooler_output"], o2["pooler_output"])
    assert out["loss"].item() == o2["loss"].item()
    print("check: padded-position token ids do not change real-position outputs (bitwise)")


def check_against_torch_encoder_layer(model, c, ids, tt, mask):
    """Independent check of the layer math: nn.TransformerEncoderLayer (post-norm, erf GELU) with the same weights."""
    with torch.no_grad():
        out = model(ids, mask, tt)
        x = out["hidden_states"][0]
        for i, L in enumerate(model.bert.encoder.layer):
            ref = nn.TransformerEncoderLayer(c["hidden_size"], c["num_attention_heads"], c["intermediate_size"],
                                             dropout=0.0, activation="gelu", layer_norm_eps=c["layer_norm_eps"],
                                             batch_first=True, norm_first=False)
            ref.train()  # keep the slow path (the eval fast path zeroes padded rows)
            sa = L.attention.self
            ref.self_attn.in_proj_weight.copy_(torch.cat([sa.query.weight, sa.key.weight, sa.value.weight]))
            ref.self_attn.in_proj_bias.copy_(torch.cat([sa.query.bias, sa.key.bias, sa.value.bias]))
            ref.self_attn.out_proj.weight.copy_(L.attention.output.dense.weight)
            ref.self_attn.out_proj.bias.copy_(L.attention.output.dense.bias)
            ref.norm1.load_state_dict(L.attention.output.LayerNorm.state_dict())
            ref.linear1.load_state_dict(L.intermediate.dense.state_dict())
            ref.linear2.load_state_dict(L.output.dense.state_dict())
            ref.norm2.load_state_dict(L.output.LayerNorm.state_dict())
            y = ref(x, src_key_padding_mask=(mask == 0))
            real = mask.bool()
            d = (y[real] - out["hidden_states"][i + 1][real]).abs().max().item()
            assert d < 1e-5, f"layer {i}: differs from nn.TransformerEncoderLayer by {d}"
            x = out["hidden_states"][i + 1]
    print("check: every encoder layer matches nn.TransformerEncoderLayer at real positions (max diff < 1e-5)")


def check_finite_differences(model, ids, tt, mask, mlm, nsp):
    """float64 copy: autograd gradient vs central differences for a few scalars, incl. the tied word embeddings."""
    m64 = copy.deepcopy(model).double()
    loss = m64(ids, mask, tt, mlm, nsp)["loss"]
    params = dict(m64.named_parameters())
    for p in params.values():
        p.grad = None
    loss.backward()
    # word-embedding rows: the [MASK] token (used as input and through the tied decoder), a label token, row 0
    lab = int(mlm[mlm != -100][0])
    probes = [
        ("bert.embeddings.word_embeddings.weight", (MASK, 5)),
        ("bert.embeddings.word_embeddings.weight", (lab, 17)),
        ("bert.embeddings.word_embeddings.weight", (PAD, 3)),
        ("bert.embeddings.position_embeddings.weight", (30, 1)),
        ("bert.embeddings.token_type_embeddings.weight", (1, 40)),
        ("bert.embeddings.LayerNorm.bias", (7,)),
        ("bert.encoder.layer.0.attention.self.query.weight", (4, 9)),
        ("bert.encoder.layer.1.attention.self.key.bias", (11,)),
        ("bert.encoder.layer.2.attention.output.LayerNorm.weight", (50,)),
        ("bert.encoder.layer.1.intermediate.dense.weight", (123, 45)),
        ("bert.pooler.dense.bias", (2,)),
        ("cls.predictions.transform.LayerNorm.weight", (8,)),
        ("cls.predictions.bias", (lab,)),
        ("cls.seq_relationship.weight", (1, 60)),
    ]
    h = 1e-6
    worst = 0.0
    with torch.no_grad():
        for name, idx in probes:
            p = params[name]
            orig = p[idx].item()
            p[idx] = orig + h
            lp = m64(ids, mask, tt, mlm, nsp)["loss"].item()
            p[idx] = orig - h
            lm = m64(ids, mask, tt, mlm, nsp)["loss"].item()
            p[idx] = orig
            fd = (lp - lm) / (2 * h)
            ag = p.grad[idx].item()
            err = abs(fd - ag) / max(1e-6, abs(fd) + abs(ag))
            worst = max(worst, err)
            assert err < 1e-5, f"{name}{idx}: autograd {ag} vs finite difference {fd}"
    print(f"check: float64 autograd vs central differences on {len(probes)} scalars, worst rel err {worst:.2e}")
    return {n: p.grad for n, p in m64.named_parameters()}


def check_gradcheck_tiny():
    """torch.autograd.gradcheck on a tiny double encoder layer + pooler with padding."""
    tc = dict(br.DEFAULT_CONFIG, vocab_size=20, hidden_size=8, num_attention_heads=2, intermediate_size=12,
              num_hidden_layers=1, max_position_embeddings=8)
    g = torch.Generator().manual_seed(7)
    m = br.BertModel(tc)
    br.init_weights(m, tc, g)
    m = m.double()
    layer, pooler = m.encoder.layer[0], m.pooler
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    ext = (1.0 - mask[:, None, None, :].double()) * torch.finfo(torch.float64).min
    x = torch.randn(2, 5, 8, dtype=torch.float64, generator=g, requires_grad=True)
    q = layer.attention.self.query
    wq = q.weight.detach().clone().requires_grad_(True)

    def g_(x, wq):  # the layer with its query weight replaced by the checked tensor
        saved = q.weight
        del q.weight
        q.weight = wq
        try:
            return pooler(layer(x, ext))
        finally:
            del q.weight
            q.weight = saved

    assert torch.autograd.gradcheck(g_, (x, wq), eps=1e-6, atol=1e-7, rtol=1e-5)
    print("check: torch.autograd.gradcheck passes on a tiny double layer + pooler (input and query weight)")


def adamw_run(model, ids, tt, mask, mlm, nsp):
    m = copy.deepcopy(model)
    named = list(m.named_parameters())
    no_decay = [p for n, p in named if "bias" in n or "LayerNorm" in n]
    decay = [p for n, p in named if not ("bias" in n or "LayerNorm" in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for _ in range(ADAMW_STEPS):
        opt.zero_grad(set_to_none=True)
        loss = m(ids, mask, tt, mlm, nsp)["loss"]
        losses.append(loss.item())
        loss.backward()
        opt.step()
    p = dict(m.named_parameters())
    finals = {n: p[n].detach().clone() for n in ("bert.embeddings.word_embeddings.weight",
                                                  "bert.encoder.layer.2.intermediate.dense.weight")}
    return torch.tensor(losses, dtype=torch.float32), finals, [n for n, _ in named if "bias" in n or "LayerNorm" in n]


def main():
    os.makedirs(os.path.join(OUT, "model"), exist_ok=True)
    c = dict(br.DEFAULT_CONFIG)
    g = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)
    model = br.BertForPreTraining(c)
    br.init_weights(model, c, g)
    model.train()  # dropout is 0.0, so train/eval are identical; train mode is what a training step uses

    ids, tt, mask, mlm, nsp = make_batch(c, g)
    out = model(ids, mask, tt, mlm, nsp)
    out["loss"].backward()
    grads = {f"grad.{n}": p.grad.detach().clone() for n, p in model.named_parameters()}

    # ---- self-checks ----
    check_padding_invariance(model, ids, tt, mask, mlm, nsp, out)
    check_against_torch_encoder_layer(model, c, ids, tt, mask)
    g64 = check_finite_differences(model, ids, tt, mask, mlm, nsp)
    checked, zero = br.reference_gradients({n[len("grad."):]: g for n, g in grads.items()}, g64)
    assert zero == [f"bert.encoder.layer.{i}.attention.self.key.bias" for i in range(3)], zero
    grads = {f"grad.{n}": g for n, g in checked.items()}
    print(f"check: every float32 gradient within {br.FLOAT32_AGREEMENT:g} of its tensor's max of float64; "
          f"mathematically zero (stored as zeros): {', '.join(zero)}")
    check_gradcheck_tiny()

    adamw_losses, finals, no_decay_names = adamw_run(model, ids, tt, mask, mlm, nsp)
    assert adamw_losses[0].item() == out["loss"].item()
    assert adamw_losses[-1] < adamw_losses[0]

    # ---- write ----
    sd = hf_state_dict(model)
    save_file(sd, os.path.join(OUT, "model", "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(OUT, "model", "config.json"), "w") as f:
        json.dump(br.hf_config_json(c, ["BertForPreTraining"]), f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "model", "vocab.txt"), "w") as f:
        f.write("\n".join(br.make_vocab(c["vocab_size"])) + "\n")

    io = {
        "input_ids": ids, "token_type_ids": tt, "attention_mask": mask, "mlm_labels": mlm, "nsp_labels": nsp,
        "last_hidden_state": out["hidden_states"][-1].detach(),
        "pooler_output": out["pooler_output"].detach(),
        "mlm_logits": out["mlm_logits"].detach(),
        "nsp_logits": out["nsp_logits"].detach(),
        "loss": out["loss"].detach().reshape(1),
        "mlm_loss": out["mlm_loss"].detach().reshape(1),
        "nsp_loss": out["nsp_loss"].detach().reshape(1),
        "adamw_losses": adamw_losses,
    }
    for i, h in enumerate(out["hidden_states"]):
        io[f"hidden_states.{i}"] = h.detach()
    io.update(grads)
    io.update({f"adamw_final.{n}": t for n, t in finals.items()})
    save_file(io, os.path.join(OUT, "io.safetensors"), metadata={
        "format": "pt", "seed": SEED,
        "adamw": "torch.optim.AdamW lr=1e-3 betas=(0.9,0.999) eps=1e-8; weight_decay 0.0 for names containing "
                 "'bias' or 'LayerNorm', 0.01 otherwise; constant lr; adamw_losses[k] = loss before step k",
    })

    # round-trip the files through the reader
    back, _ = load_file(os.path.join(OUT, "io.safetensors"))
    assert all(torch.equal(back[k], v.to(back[k].dtype)) for k, v in io.items())
    back, _ = load_file(os.path.join(OUT, "model", "model.safetensors"))
    assert set(back) == set(sd) and all(torch.equal(back[k], sd[k]) for k in sd)
    print(f"loss {out['loss'].item()!r} (mlm {out['mlm_loss'].item()!r}, nsp {out['nsp_loss'].item()!r}); "
          f"{int((mlm != -100).sum())} masked positions")
    print("adamw_losses", adamw_losses.tolist())
    print("no-decay params:", len(no_decay_names), "of", len(sd))


if __name__ == "__main__":
    main()
