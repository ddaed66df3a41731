"""Writes tools/reference/fixtures/pretrain/: a pre-masked batch stream, an initial model, and the losses of 200
AdamW pretraining steps that PyTorch takes on that stream (issue 6's first check).

  batches.safetensors   the stream, all I32: input_ids, token_type_ids, attention_mask, mlm_labels [200, 4, 32],
                        nsp_labels [200, 4] (BertCore's PreMaskedBatchFile format)
  model/                config.json, model.safetensors (HF names, tied decoder keys omitted), vocab.txt
  steps.json            loss[k] (before step k), mlm_loss[k], nsp_loss[k], lr[k] (used by step k),
                        grad_norm[k] (global L2 norm before clipping), and the hyper-parameters

Model: HF BertForPreTraining (bert_reference.py), vocab 500, hidden 64, 2 layers, 2 heads, intermediate 128,
max_position 32, dropout 0. Training: loss = MLM + NSP; torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-6),
weight decay 0.01 except names containing "bias" or "LayerNorm"; HF linear schedule (warmup 20, decay to 0 at 200);
clip_grad_norm_(1.0) between backward and step. The training loop reads its batches back from batches.safetensors,
so it consumes exactly the bytes BertCore reads.

Data: a made-up language (a Zipf-like unigram distribution and a sparse first-order Markov chain over ids 5..499, see Language)
so that the loss has something to learn; rows are [CLS] A [SEP] B [SEP] with 16..32 real tokens then padding;
B continues A (nsp 0) or starts afresh (nsp 1) with probability 1/2; 15% of the non-special real tokens
(at least one per row) are masked, 80% [MASK] / 10% random id / 10% kept.

Run: /usr/bin/python3 tools/reference/make_pretrain_fixture.py   (deterministic, a few seconds, one thread)
"""
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 20240606
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "pretrain")
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
STEPS, B, T = 200, 4, 32
LR, BETAS, EPS, WD, WARMUP, MAX_NORM = 1e-3, (0.9, 0.999), 1e-6, 0.01, 20, 1.0
CONFIG = dict(br.DEFAULT_CONFIG, vocab_size=500, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
              intermediate_size=128, max_position_embeddings=32)


class Language:
    """Word ids 5..V-1: unigram weight (rank + 1)^-1.5; each word has 2 favourite successors taken 90% of the time."""

    def __init__(self, rng, vocab):
        self.rng = rng
        self.words = list(range(5, vocab))
        self.weights = [(rank + 1) ** -1.5 for rank in range(len(self.words))]
        self.next = {w: rng.sample(self.words, 2) for w in self.words}

    def word(self):
        return self.rng.choices(self.words, self.weights)[0]

    def chain(self, n, start=None):
        out, w = [], start if start is not None else self.word()
        for _ in range(n):
            w = self.rng.choice(self.next[w]) if self.rng.random() < 0.9 else self.word()
            out.append(w)
        return out


def make_row(lang, rng):
    """One row: (ids, token types, attention mask, mlm labels) of length T, and the NSP label."""
    real = rng.randint(16, T)
    content = real - 3
    a_len = rng.randint(1, content - 1)
    a = lang.chain(a_len)
    nsp = rng.randint(0, 1)
    b = lang.chain(content - a_len, start=a[-1] if nsp == 0 else None)
    ids = [CLS] + a + [SEP] + b + [SEP]
    types = [0] * (a_len + 2) + [1] * (len(b) + 1)
    labels = [-100] * real
    candidates = [i for i, t in enumerate(ids) if t not in (CLS, SEP)]
    for i in rng.sample(candidates, max(1, round(0.15 * len(candidates)))):
        labels[i] = ids[i]
        r = rng.random()
        ids[i] = MASK if r < 0.8 else rng.randrange(5, CONFIG["vocab_size"]) if r < 0.9 else ids[i]
    pad = T - real
    return ids + [PAD] * pad, types + [0] * pad, [1] * real + [0] * pad, labels + [-100] * pad, nsp


def make_stream():
    rng = random.Random(SEED)
    lang = Language(rng, CONFIG["vocab_size"])
    fields = {k: [] for k in ("input_ids", "token_type_ids", "attention_mask", "mlm_labels", "nsp_labels")}
    for _ in range(STEPS):
        rows = [make_row(lang, rng) for _ in range(B)]
        for k, name in enumerate(("input_ids", "token_type_ids", "attention_mask", "mlm_labels", "nsp_labels")):
            fields[name].append([r[k] for r in rows])
    return {k: torch.tensor(v, dtype=torch.int32) for k, v in fields.items()}


def linear_schedule_with_warmup(num_warmup_steps, num_training_steps):
    """Exactly transformers.get_linear_schedule_with_warmup's lr_lambda."""
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
    return lr_lambda


def train(model, stream):
    named = list(model.named_parameters())
    no_decay = lambda n: "bias" in n or "LayerNorm" in n  # noqa: E731
    opt = torch.optim.AdamW([{"params": [p for n, p in named if not no_decay(n)], "weight_decay": WD},
                             {"params": [p for n, p in named if no_decay(n)], "weight_decay": 0.0}],
                            lr=LR, betas=BETAS, eps=EPS)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_schedule_with_warmup(WARMUP, STEPS))
    model.train()  # dropout is 0.0
    log = {k: [] for k in ("loss", "mlm_loss", "nsp_loss", "lr", "grad_norm")}
    for k in range(STEPS):
        opt.zero_grad(set_to_none=True)
        out = model(stream["input_ids"][k], stream["attention_mask"][k], stream["token_type_ids"][k],
                    stream["mlm_labels"][k], stream["nsp_labels"][k])
        log["lr"].append(opt.param_groups[0]["lr"])
        out["loss"].backward()
        log["grad_norm"].append(torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM).item())
        opt.step()
        sched.step()
        for name in ("loss", "mlm_loss", "nsp_loss"):
            log[name].append(out[name].item())
    return log


def main():
    os.makedirs(os.path.join(OUT, "model"), exist_ok=True)
    c = dict(CONFIG)
    g = torch.Generator().manual_seed(SEED)
    model = br.BertForPreTraining(c)
    br.init_weights(model, c, g)
    sd = {n: p.detach().clone() for n, p in model.named_parameters()}
    save_file(sd, os.path.join(OUT, "model", "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(OUT, "model", "config.json"), "w") as f:
        json.dump(br.hf_config_json(c, ["BertForPreTraining"]), f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "model", "vocab.txt"), "w") as f:
        f.write("\n".join(br.make_vocab(c["vocab_size"])) + "\n")

    batches = os.path.join(OUT, "batches.safetensors")
    save_file(make_stream(), batches, metadata={"format": "bertcore-premasked-batches"})
    stream, _ = load_file(batches)  # train on what was written
    log = train(model, stream)

    # ---- self-checks ----
    masked = (stream["mlm_labels"] != -100).sum(dim=(1, 2))
    assert int(masked.min()) >= B, "every row has at least one masked position"
    assert all(lr == LR * linear_schedule_with_warmup(WARMUP, STEPS)(k) for k, lr in enumerate(log["lr"]))
    assert all(abs(l - (m + n)) <= 1e-6 * l for l, m, n in zip(log["loss"], log["mlm_loss"], log["nsp_loss"]))
    early, late = sum(log["loss"][:20]) / 20, sum(log["loss"][-20:]) / 20
    assert late < early - 0.5, f"the loss should fall: mean of first 20 steps {early}, of last 20 {late}"
    clipped = sum(n > MAX_NORM for n in log["grad_norm"])
    print(f"loss {log['loss'][0]:.4f} -> {log['loss'][-1]:.4f} (mean of first/last 20 steps {early:.4f} / {late:.4f}); "
          f"{clipped} of {STEPS} steps clipped; {int(masked.sum())} masked positions")

    with open(os.path.join(OUT, "steps.json"), "w") as f:
        json.dump(dict(log, steps=STEPS, batch=B, seq=T, lr_peak=LR, betas=list(BETAS), eps=EPS, weight_decay=WD,
                       warmup=WARMUP, schedule="linear", max_grad_norm=MAX_NORM, seed=SEED), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
