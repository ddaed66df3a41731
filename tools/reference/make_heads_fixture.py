"""Writes tools/reference/fixtures/heads/{classify,regress,token,qa}/: one forward + backward (the gradient of one
fine-tuning step) for each HF task head on a small random BERT.

  classify/  BertForSequenceClassification, 3 labels, CE over classifier(dropout(pooler))
  regress/   BertForSequenceClassification, num_labels 1, problem_type "regression", MSE
  token/     BertForTokenClassification, 5 labels, CE with -100 on [CLS]/[SEP]/padding
  qa/        BertForQuestionAnswering, qa_outputs -> start/end logits, loss (CE(start) + CE(end)) / 2

Each folder: config.json, model.safetensors (HF task key names: bert.* + classifier.* or qa_outputs.*; no cls.*;
only sequence classification has bert.pooler.*), vocab.txt, io.safetensors.

Run: /usr/bin/python3 tools/reference/make_heads_fixture.py   (deterministic, about a second, one thread)
"""
import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 424242
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "heads")
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
B, T = 3, 13
CONFIG = dict(br.DEFAULT_CONFIG, vocab_size=300, hidden_size=48, num_hidden_layers=2, num_attention_heads=2,
              intermediate_size=80, max_position_embeddings=32)


def make_inputs(g):
    """Row 0: pair (5 + 5 tokens), row 1: single segment of 11, row 2: single segment of 7 + 4 padding."""
    V = CONFIG["vocab_size"]
    ids = torch.full((B, T), PAD, dtype=torch.int32)
    tt = torch.zeros((B, T), dtype=torch.int32)
    mask = torch.zeros((B, T), dtype=torch.int32)
    r = lambda n: torch.randint(5, V, (n,), generator=g, dtype=torch.int32).tolist()  # noqa: E731
    rows = [[CLS] + r(5) + [SEP] + r(5) + [SEP], [CLS] + r(11) + [SEP], [CLS] + r(7) + [SEP]]
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row, dtype=torch.int32)
        mask[i, :len(row)] = 1
    tt[0, 7:13] = 1
    return ids, tt, mask


def special_or_pad(ids, mask):
    return (ids == CLS) | (ids == SEP) | (mask == 0)


def fd_check(model, call, probes, h=1e-6):
    """float64 copy: autograd vs central differences for the given (name, index) scalars. Returns the worst relative
    error and the float64 gradient of every parameter."""
    m = copy.deepcopy(model).double()
    p = dict(m.named_parameters())
    call(m)["loss"].backward()
    worst = 0.0
    with torch.no_grad():
        for name, idx in probes:
            orig = p[name][idx].item()
            p[name][idx] = orig + h
            lp = call(m)["loss"].item()
            p[name][idx] = orig - h
            lm = call(m)["loss"].item()
            p[name][idx] = orig
            fd, ag = (lp - lm) / (2 * h), p[name].grad[idx].item()
            err = abs(fd - ag) / max(1e-6, abs(fd) + abs(ag))
            assert err < 1e-5, f"{name}{idx}: autograd {ag} vs finite difference {fd}"
            worst = max(worst, err)
    return worst, {n: q.grad.clone() for n, q in p.items()}


def write_head(folder, model, arch, io, cfg_extra, probes, call):
    d = os.path.join(OUT, folder)
    os.makedirs(d, exist_ok=True)
    model.train()  # dropout 0.0
    out = call(model)
    out["loss"].backward()
    sd = {n: p.detach().clone() for n, p in model.named_parameters()}
    assert not any(n.startswith("cls.") for n in sd)
    io = dict(io)
    io["loss"] = out["loss"].detach().reshape(1)
    io["last_hidden_state"] = out["hidden_states"][-1].detach()
    for k in ("logits", "start_logits", "end_logits"):
        if k in out:
            io[k] = out[k].detach()
    if getattr(model.bert, "pooler", None) is not None:
        _, pooled = model.bert(io["input_ids"], io["attention_mask"], io["token_type_ids"])
        io["pooler_output"] = pooled.detach()
    # padding_idx: the word-embedding row of [PAD] gets no gradient from the gather (there is no tied decoder here)
    assert torch.count_nonzero(model.bert.embeddings.word_embeddings.weight.grad[PAD]) == 0
    worst, grads64 = fd_check(model, call, probes)
    grads, zero = br.reference_gradients({n: p.grad.detach().clone() for n, p in model.named_parameters()}, grads64)
    io.update({f"grad.{n}": g for n, g in grads.items()})

    save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    save_file(io, os.path.join(d, "io.safetensors"), metadata={"format": "pt", "seed": SEED})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(br.hf_config_json(CONFIG, [arch], **cfg_extra), f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("\n".join(br.make_vocab(CONFIG["vocab_size"])) + "\n")
    back, _ = load_file(os.path.join(d, "io.safetensors"))
    assert set(back) == set(io) and all(torch.equal(back[k], io[k]) for k in io)
    print(f"{folder:9s} {arch:31s} loss {out['loss'].item()!r:22s} {len(sd)} params; "
          f"finite-difference worst rel err {worst:.1e}; mathematically zero gradients: {', '.join(zero)}")


def labels_cfg(names, **extra):
    return dict(num_labels=len(names), id2label={str(i): n for i, n in enumerate(names)},
                label2id={n: i for i, n in enumerate(names)}, **extra)


def main():
    g = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)
    ids, tt, mask = make_inputs(g)
    base = {"input_ids": ids, "token_type_ids": tt, "attention_mask": mask}
    common_probes = [("bert.embeddings.word_embeddings.weight", (int(ids[0, 3]), 5)),
                     ("bert.embeddings.LayerNorm.weight", (3,)),
                     ("bert.encoder.layer.1.output.dense.bias", (10,)),
                     ("bert.encoder.layer.0.attention.self.value.weight", (7, 20))]

    # ---- sequence classification, 3 labels ----
    c = dict(CONFIG, num_labels=3)
    m = br.BertForSequenceClassification(c)
    br.init_weights(m, c, torch.Generator().manual_seed(SEED + 1))
    # Not one row per class: the untrained model gives every row nearly the same logits p, so with labels 2, 0, 1
    # the rows' (p - onehot) nearly cancel and every encoder gradient is a float32 round-off-dominated difference
    # (float32 vs float64 5e-5 of the tensor's max; reference_gradients refuses that).
    labels = torch.tensor([2, 0, 2], dtype=torch.int32)
    call = lambda mm: mm(ids, mask, tt, labels)  # noqa: E731
    write_head("classify", m, "BertForSequenceClassification", dict(base, labels=labels),
               labels_cfg(["negative", "neutral", "positive"], problem_type="single_label_classification"),
               common_probes + [("bert.pooler.dense.weight", (1, 2)), ("classifier.weight", (2, 40)),
                                ("classifier.bias", (0,))], call)

    # ---- regression, num_labels 1 ----
    c = dict(CONFIG, num_labels=1)
    m = br.BertForSequenceClassification(c)
    br.init_weights(m, c, torch.Generator().manual_seed(SEED + 2))
    targets = torch.tensor([0.75, -1.25, 2.5], dtype=torch.float32)
    call = lambda mm: mm(ids, mask, tt, targets)  # noqa: E731
    write_head("regress", m, "BertForSequenceClassification", dict(base, labels=targets),
               labels_cfg(["LABEL_0"], problem_type="regression"),
               common_probes + [("bert.pooler.dense.bias", (5,)), ("classifier.weight", (0, 13)),
                                ("classifier.bias", (0,))], call)

    # ---- token classification, 5 labels, -100 on [CLS]/[SEP]/padding ----
    c = dict(CONFIG, num_labels=5)
    m = br.BertForTokenClassification(c)
    br.init_weights(m, c, torch.Generator().manual_seed(SEED + 3))
    tok = torch.randint(0, 5, (B, T), generator=g, dtype=torch.int32)
    tok[special_or_pad(ids, mask)] = -100
    call = lambda mm: mm(ids, mask, tt, tok)  # noqa: E731
    write_head("token", m, "BertForTokenClassification", dict(base, labels=tok),
               labels_cfg(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]),
               common_probes + [("classifier.weight", (4, 47)), ("classifier.bias", (3,))], call)

    # ---- question answering ----
    c = dict(CONFIG)
    m = br.BertForQuestionAnswering(c)
    br.init_weights(m, c, torch.Generator().manual_seed(SEED + 4))
    start = torch.tensor([7, 0, 3], dtype=torch.int32)  # row 1: "no answer" -> [CLS] (position 0)
    end = torch.tensor([9, 0, 6], dtype=torch.int32)
    call = lambda mm: mm(ids, mask, tt, start, end)  # noqa: E731
    write_head("qa", m, "BertForQuestionAnswering", dict(base, start_positions=start, end_positions=end), {},
               common_probes + [("bert.embeddings.position_embeddings.weight", (12, 4)),  # a padded position
                                ("qa_outputs.weight", (1, 30)), ("qa_outputs.bias", (0,))], call)


if __name__ == "__main__":
    main()
