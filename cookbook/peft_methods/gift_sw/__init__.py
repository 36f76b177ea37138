"""GIFT-SW as a peft method; importing this package registers it with peft (cookbook.peft_methods.peft_types)."""

from __future__ import annotations

from cookbook.peft_methods.peft_types import register_with_peft

from .config import GIFT_SW_NAME, GIFT_SW_PEFT_TYPE_NAME, GiftSwConfig
from .layer import GiftSwLayer, Linear
from .model import GiftSwModel

__all__ = ["GiftSwConfig", "GiftSwLayer", "GiftSwModel", "Linear"]

register_with_peft(GIFT_SW_NAME, GIFT_SW_PEFT_TYPE_NAME, GiftSwConfig, GiftSwModel)
