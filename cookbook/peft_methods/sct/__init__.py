"""SCT as a peft method; importing this package registers it with peft (cookbook.peft_methods.peft_types)."""

from __future__ import annotations

from cookbook.peft_methods.peft_types import register_with_peft

from .config import SCT_NAME, SCT_PEFT_TYPE_NAME, SctConfig
from .layer import Linear, SctLayer, salient_channel_count
from .model import SctModel

__all__ = ["Linear", "SctConfig", "SctLayer", "SctModel", "salient_channel_count"]

register_with_peft(SCT_NAME, SCT_PEFT_TYPE_NAME, SctConfig, SctModel)
