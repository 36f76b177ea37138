"""GIFT-SW tuner: injects GiftSwLayer into the targeted linear layers; `calibrate(batches)` picks the columns."""

from __future__ import annotations

from cookbook.peft_methods.channel_tuner import ChannelTuner

from .layer import GiftSwLayer, Linear


class GiftSwModel(ChannelTuner):
    prefix: str = "gift_sw_"
    tuner_layer_cls = GiftSwLayer
    layer_cls = Linear
