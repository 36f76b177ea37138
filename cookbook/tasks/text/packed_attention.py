"""Attention for padding-free batches on CPU: TRL's padding-free collator packs a batch into one row with
`position_ids` and the sequence boundaries `cu_seq_lens_q`; flash attention's varlen kernel is not on CPU, and sdpa
or eager given the packed row attend over the whole row under a block-diagonal mask, a (tokens x tokens) score matrix
per head and layer, most of it masked. This attention runs causal sdpa on each packed sequence alone instead (a
sliding-window band where a sequence is longer than the layer's window); batches that are not packed go to the
library's sdpa with its own mask.
"""

from __future__ import annotations

import torch

NAME = "cookbook_packed"


def packed_sdpa_forward(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None,
                        sliding_window=None, **kwargs):
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    bounds = kwargs.get("cu_seq_lens_q")
    if bounds is None or query.shape[0] != 1 or kwargs.get("softcap") is not None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      sliding_window=sliding_window, **kwargs)
    groups = getattr(module, "num_key_value_groups", 1)
    key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    drop = dropout if module.training else 0.0
    parts = []
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        q, k, v = query[:, :, start:stop], key[:, :, start:stop], value[:, :, start:stop]
        n = stop - start
        if sliding_window and n > sliding_window:
            i = torch.arange(n, device=q.device)
            band = (i[:, None] >= i[None, :]) & (i[:, None] - i[None, :] < sliding_window)
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=band, dropout_p=drop,
                                                                   scale=scaling)
        else:
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=drop,
                                                                   scale=scaling)
        parts.append(out)
    return torch.cat(parts, dim=2).transpose(1, 2).contiguous(), None


def use_packed_attention(model) -> None:
    """Register the attention (with sdpa's mask for unpacked batches) and switch `model` to it."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(NAME, packed_sdpa_forward)
    AttentionMaskInterface.register(NAME, sdpa_mask)
    model.set_attn_implementation(NAME)
