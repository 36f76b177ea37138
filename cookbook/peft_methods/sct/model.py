"""SCT tuner: injects SctLayer into the targeted linear layers; `calibrate(batches)` picks the channels."""

from __future__ import annotations

from cookbook.peft_methods.channel_tuner import ChannelTuner

from .layer import Linear, SctLayer


class SctModel(ChannelTuner):
    prefix: str = "sct_"
    tuner_layer_cls = SctLayer
    layer_cls = Linear
