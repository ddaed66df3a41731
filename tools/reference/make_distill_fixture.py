"""Writes tools/reference/fixtures/distill/losses.safetensors: values and gradients of each knowledge-distillation
loss term, computed by PyTorch autograd in float64 and stored as F32.

  kd.*     logits [5, 3], T = 2.5, alpha = 0.7, hard labels:
           loss = alpha * T^2 * kl_div(log_softmax(s/T), softmax(t/T), batchmean) + (1 - alpha) * cross_entropy(s, y)
  kdv.*    the KD term alone on wider rows (logits [4, 50], T = 1): loss = kl_div(..., batchmean)
  reg.*    regression [6, 1], alpha = 0.6: loss = alpha * mse(s, teacher) + (1 - alpha) * mse(s, y)
  hid.*    hidden states student [2, 5, 6], teacher [2, 5, 8], attention mask (row 1: 2 padding tokens),
           projection W [8, 6], b [8]: loss = mean over real tokens and 8 features of (s W^T + b - t)^2
  att.*    queries/keys student [2, 5, 6], teacher [2, 5, 8], 2 heads, the same mask: per head
           A = softmax(Q K^T / sqrt(d) + mask) with padded keys at the dtype's lowest value;
           loss = mean over (batch row, head, real query) of KL(A_teacher || A_student)

Every differentiable input has grad.<name>. Run: /usr/bin/python3 tools/reference/make_distill_fixture.py
(deterministic, well under a second).
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file, load_file  # noqa: E402

torch.set_num_threads(1)
SEED = 909
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "distill")
D = torch.float64


def kd_term(s, t, temperature):
    return F.kl_div(F.log_softmax(s / temperature, -1), F.softmax(t / temperature, -1), reduction="batchmean") * temperature ** 2


def attention_probs(q, k, mask, heads):
    b, s, h = q.shape
    d = h // heads
    qh = q.view(b, s, heads, d).transpose(1, 2)
    kh = k.view(b, s, heads, d).transpose(1, 2)
    scores = qh @ kh.transpose(-1, -2) / d ** 0.5
    scores = scores + (1 - mask[:, None, None, :].to(D)) * torch.finfo(D).min
    return F.softmax(scores, -1)


def main():
    g = torch.Generator().manual_seed(SEED)
    rnd = lambda *shape, scale=1.0: (torch.randn(*shape, generator=g, dtype=D) * scale)  # noqa: E731
    io = {}

    # logit KD mixed with cross-entropy
    s, t = rnd(5, 3, scale=2.0).requires_grad_(), rnd(5, 3, scale=3.0)
    y = torch.tensor([0, 2, 1, 1, 0])
    T, alpha = 2.5, 0.7
    kd = kd_term(s, t, T)
    loss = alpha * kd + (1 - alpha) * F.cross_entropy(s, y)
    loss.backward()
    io.update({"kd.student": s, "kd.teacher": t, "kd.labels": y.int(), "kd.term": kd.reshape(1), "kd.loss": loss.reshape(1), "grad.kd.student": s.grad})

    # KD alone, wider rows
    s, t = rnd(4, 50, scale=2.0).requires_grad_(), rnd(4, 50, scale=2.0)
    loss = kd_term(s, t, 1.0)
    loss.backward()
    io.update({"kdv.student": s, "kdv.teacher": t, "kdv.loss": loss.reshape(1), "grad.kdv.student": s.grad})

    # regression
    s, t, y = rnd(6, 1).requires_grad_(), rnd(6), rnd(6)
    alpha = 0.6
    loss = alpha * F.mse_loss(s.view(-1), t) + (1 - alpha) * F.mse_loss(s.view(-1), y)
    loss.backward()
    io.update({"reg.student": s, "reg.teacher": t, "reg.targets": y, "reg.loss": loss.reshape(1), "grad.reg.student": s.grad})

    # hidden-state MSE through a projection, real tokens only
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.int32)
    hs, ht = rnd(2, 5, 6).requires_grad_(), rnd(2, 5, 8)
    w, b = rnd(8, 6, scale=0.3).requires_grad_(), rnd(8, scale=0.1).requires_grad_()
    real = mask.view(-1).bool()
    diff = (hs.reshape(10, 6) @ w.T + b - ht.reshape(10, 8))[real]
    loss = (diff ** 2).mean()
    loss.backward()
    io.update({"hid.student": hs, "hid.teacher": ht, "hid.mask": mask, "hid.weight": w, "hid.bias": b, "hid.loss": loss.reshape(1),
               "grad.hid.student": hs.grad, "grad.hid.weight": w.grad, "grad.hid.bias": b.grad})

    # attention KL per head
    qs, ks = rnd(2, 5, 6, scale=1.5).requires_grad_(), rnd(2, 5, 6, scale=1.5).requires_grad_()
    qt, kt = rnd(2, 5, 8, scale=1.5), rnd(2, 5, 8, scale=1.5)
    a_s, a_t = attention_probs(qs, ks, mask, 2), attention_probs(qt, kt, mask, 2)
    keys = mask[:, None, None, :].bool().expand_as(a_s)
    kl_rows = torch.where(keys, a_t * (torch.log(a_t.clamp_min(1e-300)) - torch.log(a_s.clamp_min(1e-300))), torch.zeros_like(a_s)).sum(-1)
    queries = mask[:, None, :].bool().expand(2, 2, 5)
    loss = kl_rows[queries].mean()
    loss.backward()
    io.update({"att.student_query": qs, "att.student_key": ks, "att.teacher_query": qt, "att.teacher_key": kt, "att.mask": mask,
               "att.loss": loss.reshape(1), "grad.att.student_query": qs.grad, "grad.att.student_key": ks.grad})

    io = {k: (v.detach().float() if v.dtype == D else v.detach().int()).contiguous() for k, v in io.items()}
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "losses.safetensors")
    save_file(io, path, metadata={"format": "pt", "seed": str(SEED)})
    back, _ = load_file(path)
    assert set(back) == set(io) and all(torch.equal(back[k], io[k]) for k in io)
    print(f"{path}: {len(io)} tensors; kd {io['kd.loss'].item():.6f}, reg {io['reg.loss'].item():.6f}, "
          f"hidden {io['hid.loss'].item():.6f}, attention {io['att.loss'].item():.6f}")


if __name__ == "__main__":
    main()
