"""Writes tools/reference/fixtures/biencoder/: one forward + backward of bi-encoder (Siamese) training on a small
random BertModel, for each sentence-transformers loss and pooling that `finetune --task similarity` offers.

Both (or all three) sentences of an example go through the same encoder on their own; the rows of a batch hold the
k sentences of each example side by side (row b*k + c is sentence c of example b: 0 anchor, 1 positive, 2 hard
negative). Pooling as sentence-transformers' Pooling module:
  mean  sum(h * mask) / max(sum(mask), 1e-9)          cls  h[:, 0] (no pooler)          max  max over real tokens
Losses as sentence-transformers defines them (scale 20):
  cosine  MSE(cos(u, v), score / 5)                                        (CosineSimilarityLoss)
  cosent  logsumexp([0] + [20 cos_i - 20 cos_j for score_i < score_j])     (CoSENTLoss)
  mnrl    cross_entropy(20 cos(anchor_i, [positives; negatives]), i)       (MultipleNegativesRankingLoss)

Cases (one io file each, CASE.safetensors): cosine-mean, cosent-mean, mnrl-mean (triplets: hard negatives),
mnrl-pairs-mean (pairs only), cosine-cls (rows starting with a random word, see main), cosine-max. Each holds input_ids, attention_mask (token types are 0),
scores (scored cases), vectors (the pooled sentence vectors [B*k, H]), loss and grad.<param> of every parameter
(the pooler's are exactly zero: no loss reaches it).

The folder: config.json (architectures BertModel), model.safetensors (bert.* names, pooler included), vocab.txt.
Run: /usr/bin/python3 tools/reference/make_biencoder_fixture.py   (deterministic, a few seconds, one thread)
"""
import copy
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 20202
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "biencoder")
PAD, CLS, SEP = 0, 2, 3
B, T, SCALE = 4, 11, 20.0
CONFIG = dict(br.DEFAULT_CONFIG, vocab_size=300, hidden_size=48, num_hidden_layers=2, num_attention_heads=2,
              intermediate_size=80, max_position_embeddings=32)
SCORES = torch.tensor([4.2, 1.0, 2.6, 1.0])  # a tie: CoSENT compares only strictly ordered pairs


def make_inputs(g, k, cls=CLS):
    """B*k single-segment sentences of 4 to 11 tokens ([CLS] ... [SEP]), right-padded to T. cls=None starts every row
    with a random word instead of [CLS]."""
    n = B * k
    ids = torch.full((n, T), PAD, dtype=torch.int32)
    mask = torch.zeros((n, T), dtype=torch.int32)
    for i in range(n):
        length = int(torch.randint(4, T + 1, (1,), generator=g))
        first = [cls] if cls is not None else torch.randint(5, CONFIG["vocab_size"], (1,), generator=g, dtype=torch.int32).tolist()
        row = first + torch.randint(5, CONFIG["vocab_size"], (length - 2,), generator=g, dtype=torch.int32).tolist() + [SEP]
        ids[i, :length] = torch.tensor(row, dtype=torch.int32)
        mask[i, :length] = 1
    return ids, mask


def pool(h, mask, mode):
    m = mask[:, :, None].to(h.dtype)
    if mode == "mean":
        return (h * m).sum(1) / m.sum(1).clamp_min(1e-9)
    if mode == "cls":
        return h[:, 0]
    return h.masked_fill(m == 0, -1e9).max(1).values


def loss_of(vectors, k, loss, scores):
    reps = [vectors[c::k] for c in range(k)]
    if loss == "cosine":
        return F.mse_loss(torch.cosine_similarity(reps[0], reps[1]), scores.to(vectors.dtype) / 5)
    if loss == "cosent":
        s = (F.normalize(reps[0], dim=1) * F.normalize(reps[1], dim=1)).sum(-1) * SCALE
        s = s[:, None] - s[None, :]
        ordered = (scores[:, None] < scores[None, :]).to(vectors.dtype)
        s = s - (1 - ordered) * 1e12
        return torch.logsumexp(torch.cat([torch.zeros(1, dtype=vectors.dtype), s.view(-1)]), 0)
    candidates = F.normalize(torch.cat(reps[1:]), dim=1)
    logits = F.normalize(reps[0], dim=1) @ candidates.T * SCALE
    return F.cross_entropy(logits, torch.arange(len(logits)))


def forward(model, ids, mask, k, loss, mode, scores):
    hidden, _ = model(ids.long(), mask, torch.zeros_like(ids).long())
    vectors = pool(hidden[-1], mask, mode)
    return vectors, loss_of(vectors, k, loss, scores)


def grad_of(p):
    """The parameter's gradient; zeros where no loss reached it (the pooler)."""
    return p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p.detach())


def write_case(name, model, ids, mask, k, loss, mode):
    scores = SCORES if loss != "mnrl" else None
    model.zero_grad()
    vectors, value = forward(model, ids, mask, k, loss, mode, scores)
    value.backward()
    grads32 = {"bert." + n: grad_of(p) for n, p in model.named_parameters()}
    m64 = copy.deepcopy(model).double()
    m64.zero_grad()
    _, value64 = forward(m64, ids, mask, k, loss, mode, scores)
    value64.backward()
    grads64 = {"bert." + n: grad_of(p) for n, p in m64.named_parameters()}
    grads, zero = br.reference_gradients(grads32, grads64)
    io = {"input_ids": ids, "attention_mask": mask, "vectors": vectors.detach(), "loss": value.detach().reshape(1).float()}
    if scores is not None:
        io["scores"] = scores.float()
    io.update({f"grad.{n}": g for n, g in grads.items()})
    path = os.path.join(OUT, name + ".safetensors")
    save_file(io, path, metadata={"format": "pt", "seed": str(SEED)})
    back, _ = load_file(path)
    assert set(back) == set(io) and all(torch.equal(back[key], io[key]) for key in io)
    print(f"{name:16s} loss {value.item()!r:22s} (float64 {value64.item():.9f}); exactly zero gradients: {', '.join(zero)}")


def main():
    g = torch.Generator().manual_seed(SEED)
    model = br.BertModel(CONFIG)
    br.init_weights(model, CONFIG, torch.Generator().manual_seed(SEED + 1))
    model.train()  # dropout 0.0
    os.makedirs(OUT, exist_ok=True)
    save_file({"bert." + n: p.detach().clone() for n, p in model.named_parameters()}, os.path.join(OUT, "model.safetensors"),
              metadata={"format": "pt"})
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(br.hf_config_json(CONFIG, ["BertModel"]), f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "vocab.txt"), "w") as f:
        f.write("\n".join(br.make_vocab(CONFIG["vocab_size"])) + "\n")
    pairs, triplets = make_inputs(g, 2), make_inputs(g, 3)
    write_case("cosine-mean", model, *pairs, 2, "cosine", "mean")
    write_case("cosent-mean", model, *pairs, 2, "cosent", "mean")
    write_case("mnrl-mean", model, *triplets, 3, "mnrl", "mean")
    write_case("mnrl-pairs-mean", model, *pairs, 2, "mnrl", "mean")
    # cls pooling on rows that start with different words: with one [CLS] token everywhere, its word-embedding
    # gradient sums the rows' nearly cancelling terms (float32 differs from float64 by 6e-4 of its max)
    write_case("cosine-cls", model, *make_inputs(g, 2, cls=None), 2, "cosine", "cls")
    write_case("cosine-max", model, *pairs, 2, "cosine", "max")


if __name__ == "__main__":
    main()
