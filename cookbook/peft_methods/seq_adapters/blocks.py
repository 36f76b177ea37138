"""The adapter blocks themselves: plain modules over a (batch, time, d) sequence, causal, with zero-initialised
output projections. `adapter_params` is their exact parameter count (tested against the modules)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def adapter_params(adapter_type: str, d: int, b: int, kernel_size: int = 5) -> int:
    """LayerNorm 2d + down (d b + b) + up (b d + d), plus a depthwise conv (b k + b) or attention (4 b^2 + 4 b)."""
    common = 2 * d + (d * b + b) + (b * d + d)
    return common + (b * kernel_size + b if adapter_type == "conv" else 4 * b * b + 4 * b)


class ConvAdapter(nn.Module):
    def __init__(self, d: int, b: int, kernel_size: int, zero_init: bool = True):
        super().__init__()
        self.kernel_size = kernel_size
        self.norm = nn.LayerNorm(d)
        self.down = nn.Linear(d, b)
        self.depthwise = nn.Conv1d(b, b, kernel_size, groups=b)
        self.up = nn.Linear(b, d)
        if zero_init:
            nn.init.zeros_(self.up.weight)
            nn.init.zeros_(self.up.bias)

    def forward(self, h: torch.Tensor, new: int) -> torch.Tensor:
        """h: the history (B, T, d); returns the update for its last `new` positions."""
        x = self.down(self.norm(h[:, -(new + self.kernel_size - 1):])).transpose(1, 2)
        x = F.pad(x, (max(0, self.kernel_size - 1 - (x.shape[-1] - new)), 0))  # causal: pad on the left only
        return self.up(F.gelu(self.depthwise(x)).transpose(1, 2))


class TransformerAdapter(nn.Module):
    def __init__(self, d: int, b: int, num_heads: int, zero_init: bool = True):
        super().__init__()
        if b % num_heads:
            raise ValueError(f"bottleneck {b} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.norm = nn.LayerNorm(d)
        self.down = nn.Linear(d, b)
        self.qkv = nn.Linear(b, 3 * b)
        self.attn_out = nn.Linear(b, b)
        self.up = nn.Linear(b, d)
        if zero_init:
            nn.init.zeros_(self.up.weight)
            nn.init.zeros_(self.up.bias)

    def forward(self, h: torch.Tensor, new: int) -> torch.Tensor:
        x = self.down(self.norm(h))
        bsz, t, b = x.shape
        q, k, v = self.qkv(x).view(bsz, t, 3, self.num_heads, b // self.num_heads).permute(2, 0, 3, 1, 4)
        q = q[:, :, -new:]
        # query i (of the last `new`) sees keys up to its own position t - new + i
        mask = torch.ones(new, t, dtype=torch.bool, device=x.device).tril(diagonal=t - new)
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        att = att.transpose(1, 2).reshape(bsz, new, b)
        y = x[:, -new:] + self.attn_out(att)
        return self.up(F.gelu(y))


def make_block(adapter_type: str, d: int, b: int, kernel_size: int, num_heads: int, zero_init: bool) -> nn.Module:
    if adapter_type == "conv":
        return ConvAdapter(d, b, kernel_size, zero_init)
    return TransformerAdapter(d, b, num_heads, zero_init)


def bottleneck_for(adapter_type: str, d: int, budget: int, kernel_size: int, num_heads: int) -> int:
    """The largest bottleneck (a multiple of num_heads) whose adapter has at most `budget` parameters (>= one)."""
    best = num_heads
    b = num_heads
    while b <= 4 * d and adapter_params(adapter_type, d, b, kernel_size) <= budget:
        best, b = b, b + num_heads
    return best
