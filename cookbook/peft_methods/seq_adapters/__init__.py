"""Sequence adapters (convolutional / transformer, after decoder layers) as a peft method, for "Exploring Adapter
Design Tradeoffs for Low Resource Music Generation".

Importing this package registers ``PeftType.SEQ_ADAPTER`` with peft (like S2-LoRA: peft's ``PeftType`` is a closed
enum, so the member is added at import time) and fills peft's mapping tables; then ``get_peft_model``,
``save_pretrained`` and ``PeftModel.from_pretrained`` work as for built-in methods."""

from __future__ import annotations

from cookbook.peft_methods.peft_types import register_with_peft

from .blocks import adapter_params
from .config import ADAPTER_NAME, ADAPTER_PEFT_TYPE_NAME, SeqAdapterConfig
from .layer import SeqAdapterLayer
from .model import SeqAdapterModel

__all__ = ["SeqAdapterConfig", "SeqAdapterLayer", "SeqAdapterModel", "adapter_params", "register"]


def register() -> None:
    register_with_peft(ADAPTER_NAME, ADAPTER_PEFT_TYPE_NAME, SeqAdapterConfig, SeqAdapterModel)


register()
