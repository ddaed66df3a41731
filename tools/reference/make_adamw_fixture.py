"""Writes tools/reference/fixtures/adamw/: 10 steps of torch.optim.AdamW with two parameter groups,
HF's linear warmup/decay schedule through LambdaLR, and global-L2-norm gradient clipping.

Problem: W [5,7], b [5]; X [11,7], Y [11,5]; loss = mean((X @ W^T + b - Y)^2) over all 55 elements.
Optimizer: AdamW(lr=0.01, betas=(0.9, 0.999), eps=1e-8); weight_decay 0.1 for W, 0.0 for b.
Schedule: warmup 3 steps, linear decay to 0 at step 10 (HF get_linear_schedule_with_warmup), so the lr used
at step 0 is 0.0. Clipping: clip_grad_norm_(params, max_norm=1.0) after backward, before optimizer.step().

Run: /usr/bin/python3 tools/reference/make_adamw_fixture.py
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(1234)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "adamw")
STEPS, WARMUP, LR, BETAS, EPS, WD_W, WD_B, MAX_NORM = 10, 3, 0.01, (0.9, 0.999), 1e-8, 0.1, 0.0, 1.0


def linear_schedule_with_warmup(num_warmup_steps, num_training_steps):
    """Exactly transformers.get_linear_schedule_with_warmup's lr_lambda (multiplier on the base lr)."""
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
    return lr_lambda


def loss_fn(W, b, X, Y):
    return torch.mean((X @ W.t() + b - Y) ** 2)


def main():
    os.makedirs(OUT, exist_ok=True)
    W0 = torch.randn(5, 7) * 0.5
    b0 = torch.randn(5) * 0.5
    X = torch.randn(11, 7)
    # Targets from a different linear map plus noise; scaled so the grad norm starts above max_norm (clipping
    # active) and falls below it during the run (clipping a no-op): both paths are exercised.
    Wt, bt = torch.randn(5, 7) * 0.5, torch.randn(5) * 0.5
    Y = (X @ Wt.t() + bt + 0.1 * torch.randn(11, 5)) * 0.5

    W = W0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = torch.optim.AdamW([{"params": [W], "weight_decay": WD_W}, {"params": [b], "weight_decay": WD_B}],
                            lr=LR, betas=BETAS, eps=EPS)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_schedule_with_warmup(WARMUP, STEPS))

    # Independent hand-written replica (float32 tensors, Python-double scalars, as torch 1.13's single-tensor path).
    hW, hb = W0.clone(), b0.clone()
    state = {"W": [torch.zeros_like(hW), torch.zeros_like(hW)], "b": [torch.zeros_like(hb), torch.zeros_like(hb)]}

    lrs, losses, norms, clipped = [], [], [], []
    tensors = {"W0": W0, "b0": b0, "X": X, "Y": Y}
    for t in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(W, b, X, Y)
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_([W, b], MAX_NORM)
        lr = opt.param_groups[0]["lr"]
        assert opt.param_groups[1]["lr"] == lr
        lrs.append(float(lr))
        losses.append(loss.item())
        norms.append(total_norm.item())
        clipped.append(bool(total_norm.item() > MAX_NORM))
        tensors[f"grad_clipped.W.{t}"] = W.grad.detach().clone()
        tensors[f"grad_clipped.b.{t}"] = b.grad.detach().clone()
        opt.step()
        sched.step()
        tensors[f"W.{t}"] = W.detach().clone()
        tensors[f"b.{t}"] = b.detach().clone()

        # replica
        hWr, hbr = hW.clone().requires_grad_(True), hb.clone().requires_grad_(True)
        loss_fn(hWr, hbr, X, Y).backward()
        gW, gb = hWr.grad, hbr.grad
        tn = torch.norm(torch.stack([torch.norm(gW), torch.norm(gb)]))
        coef = torch.clamp(MAX_NORM / (tn + 1e-6), max=1.0)
        gW, gb = gW * coef, gb * coef
        lr_h = LR * linear_schedule_with_warmup(WARMUP, STEPS)(t)
        step = t + 1
        for p, g, wd, key in ((hW, gW, WD_W, "W"), (hb, gb, WD_B, "b")):
            m, v = state[key]
            p.mul_(1 - lr_h * wd)
            m.mul_(BETAS[0]).add_(g, alpha=1 - BETAS[0])
            v.mul_(BETAS[1]).addcmul_(g, g, value=1 - BETAS[1])
            step_size = lr_h / (1 - BETAS[0] ** step)
            denom = (v.sqrt() / math.sqrt(1 - BETAS[1] ** step)).add_(EPS)
            p.addcdiv_(m, denom, value=-step_size)
        assert lr_h == lr, (lr_h, lr)
        assert torch.equal(hW, W.detach()) and torch.equal(hb, b.detach()), f"replica diverged at step {t}"

    assert any(clipped) and not all(clipped), f"want both clipped and unclipped steps, got {clipped}"
    tensors["W_final"] = W.detach().clone()
    tensors["b_final"] = b.detach().clone()
    save_file(tensors, os.path.join(OUT, "fixture.safetensors"), metadata={"format": "pt"})
    steps = {
        "problem": "loss = mean((X @ W^T + b - Y)^2); W [5,7], b [5], X [11,7], Y [11,5]; float32",
        "optimizer": {"type": "torch.optim.AdamW (torch 1.13 single-tensor path)", "lr": LR, "betas": list(BETAS),
                      "eps": EPS, "weight_decay": {"W": WD_W, "b": WD_B}},
        "schedule": {"type": "linear warmup then linear decay (HF get_linear_schedule_with_warmup)",
                     "num_warmup_steps": WARMUP, "num_training_steps": STEPS},
        "clip": {"type": "clip_grad_norm_ global L2", "max_norm": MAX_NORM, "coef": "min(1, max_norm / (norm + 1e-6))"},
        "steps": STEPS,
        "lr": lrs,
        "loss": losses,
        "grad_norm": norms,
        "clipped": clipped,
    }
    with open(os.path.join(OUT, "steps.json"), "w") as f:
        json.dump(steps, f, indent=1)
        f.write("\n")
    print("lr", lrs)
    print("loss", losses)
    print("grad_norm", norms)


if __name__ == "__main__":
    main()
