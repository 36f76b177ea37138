"""S2-LoRA (Sparsely Shared LoRA) as a peft method.

Importing this package registers the method with peft: it adds ``PeftType.S2LORA`` (peft's ``PeftType`` is a closed
enum, so the member is added at import time) and calls ``peft.utils.register_peft_method`` which fills peft's
PeftType -> config / tuner / prefix mapping tables. Any process that creates or loads an S2-LoRA adapter must
``import cookbook.peft_methods.s2lora`` first; then ``get_peft_model``, ``save_pretrained`` and
``PeftModel.from_pretrained`` work as for built-in methods.
"""

from __future__ import annotations

from cookbook.peft_methods.peft_types import register_with_peft

from .config import S2LORA_NAME, S2LORA_PEFT_TYPE_NAME, S2LoraConfig
from .layer import Linear, S2LoraLayer
from .model import S2LoraModel

__all__ = ["Linear", "S2LoraConfig", "S2LoraLayer", "S2LoraModel", "register"]


def register() -> None:
    """Register S2-LoRA with peft (idempotent; done automatically on import)."""
    register_with_peft(S2LORA_NAME, S2LORA_PEFT_TYPE_NAME, S2LoraConfig, S2LoraModel)


register()
