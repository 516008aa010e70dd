#!/usr/bin/python3
"""PyTorch reference values for the synthesis objectives (tests/synthesis/pytorch_test.cpp).

Writes small float32 .npy fixtures into tests/synthesis/data: fixed seeded inputs, the loss
value (shape (1,)) and the gradient computed by torch.autograd for each objective, with the
formulas of include/deepvis/objectives/*.hpp written out in PyTorch. Regenerate with
    /usr/bin/python3 tests/synthesis/make_fixtures.py
(PyTorch 1.13, CPU, float64 internally, stored as float32)."""
import os
import numpy as np
import torch

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(20240611)


def randn(*shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


def save(name, t):
    np.save(os.path.join(out, name + ".npy"), t.detach().numpy().astype(np.float32))


def leaf(t):
    # Round to float32 first so C++ reads exactly the inputs PyTorch used.
    return t.float().double().requires_grad_(True)


def gram(f, by_size):
    n, c = f.shape[:2]
    m = f.reshape(n, c, -1)
    gm = m @ m.transpose(1, 2)
    return gm / (c * m.shape[2]) if by_size else gm


# Style: two layers; layer a normalised by size with reduction sum, layer b unnormalised with
# Gatys' 1/(4 C^2 M^2); weights 2.0 and 0.5; targets (C, C) broadcast over the batch of 2.
fa, fb = leaf(randn(2, 3, 5, 4)), leaf(randn(2, 4, 3, 3))
ta = gram(randn(1, 3, 5, 4).float().double(), True)[0]
tb = gram(randn(1, 4, 3, 3).float().double(), False)[0]
ta, tb = ta.float().double(), tb.float().double()
la = 2.0 * ((gram(fa, True) - ta) ** 2).sum()
lb = 0.5 * ((gram(fb, False) - tb) ** 2).sum() / (4.0 * 4 ** 2 * 9 ** 2)
loss = la + lb
ga, gb = torch.autograd.grad(loss, [fa, fb])
for k, v in dict(style_fa=fa, style_fb=fb, style_ta=ta, style_tb=tb, style_ga=ga, style_gb=gb).items():
    save(k, v)
save("style_loss", loss.reshape(1))

# Content: weight 0.7, target of batch 1 broadcast to batch 2; sum and mean reductions.
f, p = leaf(randn(2, 3, 5, 4)), randn(1, 3, 5, 4).float().double()
ls = 0.7 * ((f - p) ** 2).sum()
lm = 0.7 * ((f - p) ** 2).mean()
save("content_f", f), save("content_p", p)
save("content_sum_loss", ls.reshape(1)), save("content_sum_grad", torch.autograd.grad(ls, f)[0])
save("content_mean_loss", lm.reshape(1)), save("content_mean_grad", torch.autograd.grad(lm, f)[0])

# Total variation, weight 0.3: squared forward differences along W and H.
x = leaf(randn(2, 3, 7, 9))
tv = 0.3 * (((x[..., :, 1:] - x[..., :, :-1]) ** 2).sum() + ((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum())
save("tv_x", x), save("tv_loss", tv.reshape(1)), save("tv_grad", torch.autograd.grad(tv, x)[0])

# Target class: sum over the batch of log_softmax(s)[n, t_n], t = (1, 4, 0).
s = leaf(randn(3, 6) * 3.0)
lt = torch.log_softmax(s, dim=1)[torch.arange(3), torch.tensor([1, 4, 0])].sum()
save("target_s", s), save("target_loss", lt.reshape(1)), save("target_grad", torch.autograd.grad(lt, s)[0])

# Feature match (normalised), target of batch 2: sum_n |F_n - P_n|^2 / |P_n|^2.
f, p = leaf(randn(2, 4, 3, 3)), randn(2, 4, 3, 3).float().double()
lf = (((f - p) ** 2).sum(dim=(1, 2, 3)) / (p ** 2).sum(dim=(1, 2, 3))).sum()
save("match_f", f), save("match_p", p)
save("match_loss", lf.reshape(1)), save("match_grad", torch.autograd.grad(lf, f)[0])

# Alpha norm, alpha 6, weight 0.01.
x = leaf(randn(1, 3, 4, 4))
la = 0.01 * (x.abs() ** 6).sum()
save("alpha_x", x), save("alpha_loss", la.reshape(1)), save("alpha_grad", torch.autograd.grad(la, x)[0])
print("wrote fixtures to", out)
