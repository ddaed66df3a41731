"""Writes tools/reference/fixtures/electra/: one ELECTRA replaced-token-detection forward + backward (Clark et al. 2020)
on a tiny generator + discriminator, laid out as a BertCore pretraining checkpoint of `--objective electra`:

  config.json, model.safetensors, vocab.txt   the discriminator (BertModel keys bert.*, with an unused pooler)
  generator/config.json, generator/model.safetensors
                                              the generator: bert.embeddings.* (the discriminator's, shared),
                                              its own bert.encoder.layer.* (1 layer, intermediate 24) and cls.predictions.*
  discriminator_head.safetensors              discriminator_predictions.dense (H->H), .dense_prediction (H->1)
  io.safetensors                              inputs, the sampled replacements, logits, losses, and the gradients of
                                              the discriminator (grad.bert.*) and its head (grad.discriminator_predictions.*)
  generator/grads.safetensors                 the gradients of the generator's parameters under its own names
                                              (grad.bert.embeddings.* = both models' contributions, as in io)

The computation (the sampled tokens are stored, so that sampling is not what is compared):
  generator:  h = layers_gen(embeddings(masked ids)); logits = MLM head(h[masked]) [M, V]; L_gen = CE(logits, originals)
  corrupted = original ids with the sampled tokens at the masked positions (one draw is forced to equal its original,
              which must count as "not replaced")
  disc:       z = dense_prediction(gelu(dense(layers_disc(embeddings(corrupted))))) [B, T]
              L_rtd = mean over real tokens of BCE-with-logits(z, corrupted != original)
  loss = L_gen + 50 * L_rtd

Gradients come from float32 autograd, checked against float64 by bert_reference.reference_gradients (the key biases
and the never-used pooler are stored as exact zeros).
Run: /usr/bin/python3 tools/reference/make_electra_fixture.py   (deterministic, about a second, one thread)
"""
import copy
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 20201
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "electra")
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
B, T = 2, 10
RTD_WEIGHT = 50.0
CONFIG = dict(br.DEFAULT_CONFIG, vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
              intermediate_size=64, max_position_embeddings=16, initializer_range=0.05)
GEN_CONFIG = dict(CONFIG, num_hidden_layers=1, intermediate_size=24)


class Generator(nn.Module):
    """The generator's own modules under HF BertForPreTraining names (its embeddings are the discriminator's)."""

    def __init__(self, c):
        super().__init__()
        self.bert = nn.Module()
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList([br.BertLayer(c) for _ in range(c["num_hidden_layers"])])
        self.cls = nn.Module()
        self.cls.predictions = br.BertLMPredictionHead(c)


class DiscriminatorHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.dense_prediction = nn.Linear(c["hidden_size"], 1)

    def forward(self, h):
        return self.dense_prediction(br.gelu(self.dense(h))).squeeze(-1)


class Electra(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = br.BertModel(CONFIG, add_pooling_layer=True)
        self.discriminator_predictions = DiscriminatorHead(CONFIG)
        self.generator = Generator(GEN_CONFIG)

    def generator_logits(self, masked_ids, tt, mask, positions):
        x = self.bert.embeddings(masked_ids, tt)
        ext = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.generator.bert.encoder.layer:
            x = layer(x, ext)
        rows = x.reshape(B * T, -1)[positions]
        return self.generator.cls.predictions(rows, self.bert.embeddings.word_embeddings.weight)

    def forward(self, io):
        positions, targets = io["positions"].long(), io["targets"].long()
        gen_logits = self.generator_logits(io["input_ids"], io["token_type_ids"], io["attention_mask"], positions)
        gen_loss = F.cross_entropy(gen_logits, targets)
        original = io["input_ids"].reshape(-1).clone()
        original[positions] = io["targets"]
        corrupted = original.clone()
        corrupted[positions] = io["replacements"]
        hidden, _ = self.bert(corrupted.reshape(B, T), io["attention_mask"], io["token_type_ids"])
        z = self.discriminator_predictions(hidden[-1]).reshape(-1)
        real = io["attention_mask"].reshape(-1).bool()
        labels = (corrupted != original).to(z.dtype)
        rtd_loss = F.binary_cross_entropy_with_logits(z[real], labels[real])
        return dict(gen_logits=gen_logits, gen_loss=gen_loss, rtd_logits=z, rtd_loss=rtd_loss, rtd_labels=labels,
                    loss=gen_loss + RTD_WEIGHT * rtd_loss)


def make_inputs(g):
    """Row 0: 10 real tokens; row 1: 7 real tokens + 3 padding. Three masked positions per row (never [CLS]/[SEP]/
    padding): [MASK] at all but one, which keeps a random token, as BERT's 80/10/10 rule may."""
    V = CONFIG["vocab_size"]
    ids = torch.full((B, T), PAD, dtype=torch.int32)
    mask = torch.zeros((B, T), dtype=torch.int32)
    tt = torch.zeros((B, T), dtype=torch.int32)
    r = lambda n: torch.randint(5, V, (n,), generator=g, dtype=torch.int32).tolist()  # noqa: E731
    rows = [[CLS] + r(4) + [SEP] + r(3) + [SEP], [CLS] + r(5) + [SEP]]
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row, dtype=torch.int32)
        mask[i, :len(row)] = 1
    tt[0, 6:10] = 1
    positions = torch.tensor([1, 3, 7, 12, 13, 15], dtype=torch.int32)   # flat b*T + t
    targets = ids.reshape(-1)[positions.long()].clone()
    masked = ids.reshape(-1).clone()
    masked[positions.long()] = MASK
    masked[positions[2].long()] = r(1)[0]
    return masked.reshape(B, T), tt, mask, positions, targets


def main():
    g = torch.Generator().manual_seed(SEED)
    masked, tt, mask, positions, targets = make_inputs(g)
    model = Electra()
    br.init_weights(model, CONFIG, torch.Generator().manual_seed(SEED + 1))
    io = {"input_ids": masked, "token_type_ids": tt, "attention_mask": mask, "positions": positions, "targets": targets}

    # the draws: softmax of the float64 generator's logits, one forced to equal its original token
    m64 = copy.deepcopy(model).double()
    with torch.no_grad():
        probs = F.softmax(m64.generator_logits(masked, tt, mask, positions.long()), -1)
    replacements = torch.multinomial(probs, 1, generator=g).reshape(-1).to(torch.int32)
    replacements[0] = targets[0]
    assert (replacements != targets).sum() >= 3, "too few replaced tokens for a meaningful fixture"
    io["replacements"] = replacements

    out = model(io)
    out["loss"].backward()
    out64 = m64(io)
    out64["loss"].backward()
    grads, zero = br.reference_gradients({n: p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
                                          for n, p in model.named_parameters()},
                                         {n: p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
                                          for n, p in m64.named_parameters()})
    for k in ("gen_logits", "rtd_logits", "rtd_labels"):
        io[k] = out[k].detach()
    for k in ("gen_loss", "rtd_loss", "loss"):
        io[k] = out[k].detach().reshape(1)
    io["rtd_weight"] = torch.tensor([RTD_WEIGHT])

    sd = {n: p.detach().clone() for n, p in model.named_parameters()}
    disc = {n: t for n, t in sd.items() if n.startswith("bert.")}
    head = {n: t for n, t in sd.items() if n.startswith("discriminator_predictions.")}
    gen = {n[len("generator."):]: t for n, t in sd.items() if n.startswith("generator.")}
    gen.update({n: t for n, t in disc.items() if n.startswith("bert.embeddings.")})
    io.update({f"grad.{n}": grads[n] for n in list(disc) + list(head)})
    gen_grads = {f"grad.{n[len('generator.'):]}": t for n, t in grads.items() if n.startswith("generator.")}
    gen_grads.update({f"grad.{n}": grads[n] for n in disc if n.startswith("bert.embeddings.")})

    os.makedirs(os.path.join(OUT, "generator"), exist_ok=True)
    save_file(disc, os.path.join(OUT, "model.safetensors"), metadata={"format": "pt"})
    save_file(head, os.path.join(OUT, "discriminator_head.safetensors"), metadata={"format": "pt"})
    save_file(gen, os.path.join(OUT, "generator", "model.safetensors"), metadata={"format": "pt"})
    save_file(gen_grads, os.path.join(OUT, "generator", "grads.safetensors"), metadata={"format": "pt"})
    save_file(io, os.path.join(OUT, "io.safetensors"), metadata={"format": "pt", "seed": str(SEED)})
    for folder, c in (("", CONFIG), ("generator", GEN_CONFIG)):
        with open(os.path.join(OUT, folder, "config.json"), "w") as f:
            json.dump(br.hf_config_json(c, ["BertForPreTraining"]), f, indent=2)
            f.write("\n")
    with open(os.path.join(OUT, "vocab.txt"), "w") as f:
        f.write("\n".join(br.make_vocab(CONFIG["vocab_size"])) + "\n")
    back, _ = load_file(os.path.join(OUT, "io.safetensors"))
    assert set(back) == set(io) and all(torch.equal(back[k], io[k]) for k in io)
    print(f"{OUT}: generator loss {out['gen_loss'].item():.6f}, rtd loss {out['rtd_loss'].item():.6f}, "
          f"loss {out['loss'].item():.6f}; replaced {int(out['rtd_labels'].sum())} of {len(replacements)} draws; "
          f"mathematically zero gradients: {', '.join(zero)}")


if __name__ == "__main__":
    main()
