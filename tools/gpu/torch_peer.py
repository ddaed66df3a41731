#!/usr/bin/env python3
"""PyTorch (eager, fp32, TF32 off) on a CUDA GPU: the peer that the GPU workbench and `bertcore bench --device cuda`
are compared with. Prints one JSON line per measurement.

  gemm       c = a·b at 4096³ and the BERT-base shapes (tokens 4096): cuBLAS SGEMM through torch.matmul
  attention  BERT's unfused attention (q·kᵀ·scale, softmax, ·v, with the head view/transpose copies), forward and
             forward + backward, at batch 32 × seq 128 and batch 8 × seq 512, 12 heads of 64
  train      one masked-LM step of BERT-base with AdamW, as ../shared/tools/peer-torchsharp runs it on the CPU
             (post-LN, exact GELU, vocabulary projection only at the ~15% masked rows, dropout off)
  infer      the encoder forward without gradients

Usage: torch_peer.py [gemm|attention|train|infer|all] [--model base] [--batch 32] [--seq 128] [--steps 20]
Times are medians of CUDA-event timings after warm-up.
"""
import argparse, json, math, statistics
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.set_float32_matmul_precision("highest")
dev = torch.device("cuda")


def median_ms(fn, repeat, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def emit(**kw):
    print(json.dumps({"peer": f"pytorch-{torch.__version__}-eager", "gpu": torch.cuda.get_device_name(), **kw}), flush=True)


def gemm(repeat):
    for m, n, k in [(4096, 4096, 4096), (4096, 3072, 768), (4096, 768, 3072)]:
        a, b = torch.randn(m, k, device=dev), torch.randn(k, n, device=dev)
        ms = median_ms(lambda: torch.matmul(a, b), repeat)
        emit(mode="gemm", m=m, n=n, k=k, ms=round(ms, 4), gflops=round(2 * m * n * k / ms / 1e6, 1))


def attention(repeat):
    heads, d = 12, 64
    for batch, seq in [(32, 128), (8, 512)]:
        q, k, v = (torch.randn(batch, seq, heads * d, device=dev, requires_grad=True) for _ in range(3))
        dout = torch.randn(batch, seq, heads * d, device=dev)

        def forward():
            def split(x):
                return x.view(batch, seq, heads, d).transpose(1, 2)
            scores = torch.matmul(split(q), split(k).transpose(-1, -2)) / math.sqrt(d)
            return torch.matmul(scores.softmax(-1), split(v)).transpose(1, 2).reshape(batch, seq, heads * d)

        def both():
            forward().backward(dout)

        with torch.no_grad():
            fwd = median_ms(forward, repeat)
        total = median_ms(both, repeat)
        emit(mode="attention", batch=batch, seq=seq, heads=heads, head_dim=d, forward_ms=round(fwd, 4),
             forward_backward_ms=round(total, 4))


SHAPES = {"tiny": (128, 2, 2, 512), "mini": (256, 4, 4, 1024), "small": (512, 4, 8, 2048), "base": (768, 12, 12, 3072)}


class Bert(torch.nn.Module):
    """The peer-torchsharp encoder and MLM head, parameter for parameter."""

    def __init__(self, model, vocab=30522, positions=512):
        super().__init__()
        h, layers, self.heads, inter = SHAPES[model]
        self.h = h

        def p(*shape):
            return torch.nn.Parameter(torch.randn(*shape, device=dev) * 0.02)

        def zeros(n):
            return torch.nn.Parameter(torch.zeros(n, device=dev))

        def ones(n):
            return torch.nn.Parameter(torch.ones(n, device=dev))

        self.wte, self.wpe, self.wtt = p(vocab, h), p(positions, h), p(2, h)
        self.ln_e = torch.nn.ParameterList([ones(h), zeros(h)])
        self.layers = torch.nn.ModuleList()
        for _ in range(layers):
            m = torch.nn.Module()
            m.wq, m.bq, m.wk, m.bk, m.wv, m.bv = p(h, h), zeros(h), p(h, h), zeros(h), p(h, h), zeros(h)
            m.wo, m.bo, m.ln1w, m.ln1b = p(h, h), zeros(h), ones(h), zeros(h)
            m.wi, m.bi, m.wf, m.bf, m.ln2w, m.ln2b = p(inter, h), zeros(inter), p(h, inter), zeros(h), ones(h), zeros(h)
            self.layers.append(m)
        self.wt, self.bt, self.lntw, self.lntb, self.bdec = p(h, h), zeros(h), ones(h), zeros(h), zeros(vocab)

    def encode(self, ids):
        batch, seq = ids.shape
        nh, d = self.heads, self.h // self.heads
        pos = torch.arange(seq, device=dev).unsqueeze(0)
        x = F.layer_norm(self.wte[ids] + self.wpe[pos] + self.wtt[torch.zeros_like(ids)], (self.h,), *self.ln_e, 1e-12)
        for l in self.layers:
            q = F.linear(x, l.wq, l.bq).view(batch, seq, nh, d).transpose(1, 2)
            k = F.linear(x, l.wk, l.bk).view(batch, seq, nh, d).transpose(1, 2)
            v = F.linear(x, l.wv, l.bv).view(batch, seq, nh, d).transpose(1, 2)
            att = (torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)).softmax(-1)
            ctx = torch.matmul(att, v).transpose(1, 2).reshape(batch, seq, self.h)
            x = F.layer_norm(F.linear(ctx, l.wo, l.bo) + x, (self.h,), l.ln1w, l.ln1b, 1e-12)
            hid = F.gelu(F.linear(x, l.wi, l.bi))
            x = F.layer_norm(F.linear(hid, l.wf, l.bf) + x, (self.h,), l.ln2w, l.ln2b, 1e-12)
        return x

    def mlm_loss(self, ids, labels):
        x = self.encode(ids).reshape(-1, self.h)
        y = labels.reshape(-1)
        sel = (y != -100).nonzero().squeeze(1)
        x, y = x.index_select(0, sel), y.index_select(0, sel)
        hid = F.layer_norm(F.gelu(F.linear(x, self.wt, self.bt)), (self.h,), self.lntw, self.lntb, 1e-12)
        return F.cross_entropy(torch.matmul(hid, self.wte.t()) + self.bdec, y, ignore_index=-100)


def train_or_infer(mode, model, batch, seq, repeat):
    torch.manual_seed(0)
    net = Bert(model)
    ids = torch.randint(0, 30522, (batch, seq), device=dev)
    labels = ids.clone()
    labels[torch.rand(batch, seq, device=dev) > 0.15] = -100
    if mode == "infer":
        with torch.no_grad():
            ms = median_ms(lambda: net.encode(ids), repeat)
    else:
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01)

        def step():
            loss = net.mlm_loss(ids, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()   # the one host read-back per step, as bertcore's step does

        ms = median_ms(step, repeat)
    emit(mode=mode, model=model, batch=batch, seq=seq, tokens_per_s=round(batch * seq / ms * 1e3, 1), s_per_step=round(ms / 1e3, 5))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="all", choices=["gemm", "attention", "train", "infer", "all"])
    ap.add_argument("--model", default="base", choices=sorted(SHAPES))
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args()
    if a.mode in ("gemm", "all"):
        gemm(a.steps)
    if a.mode in ("attention", "all"):
        attention(a.steps)
    for mode in ("train", "infer"):
        if a.mode in (mode, "all"):
            train_or_infer(mode, a.model, a.batch, a.seq, a.steps)


if __name__ == "__main__":
    main()
