"""APT as a peft method; importing this package registers it with peft (cookbook.peft_methods.peft_types)."""

from __future__ import annotations

from cookbook.peft_methods.peft_types import register_with_peft

from .config import APT_NAME, APT_PEFT_TYPE_NAME, AptConfig
from .layer import AptLayer, Linear
from .model import AptModel, cubic_sparsity

__all__ = ["AptConfig", "AptLayer", "AptModel", "Linear", "cubic_sparsity"]

register_with_peft(APT_NAME, APT_PEFT_TYPE_NAME, AptConfig, AptModel)
