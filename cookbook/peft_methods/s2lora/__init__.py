"""S2-LoRA (Sparsely Shared LoRA) as a peft method.

Importing this package registers the method with peft: it adds ``PeftType.S2LORA`` (peft's ``PeftType`` is a closed
enum, so the member is added at import time) and calls ``peft.utils.register_peft_method`` which fills peft's
PeftType -> config / tuner / prefix mapping tables. Any process that creates or loads an S2-LoRA adapter must
``import cookbook.peft_methods.s2lora`` first; then ``get_peft_model``, ``save_pretrained`` and
``PeftModel.from_pretrained`` work as for built-in methods.
"""

from __future__ import annotations

from peft.mapping import PEFT_TYPE_TO_CONFIG_MAPPING
from peft.utils import PeftType, register_peft_method

from .config import S2LORA_NAME, S2LORA_PEFT_TYPE_NAME, S2LoraConfig
from .layer import Linear, S2LoraLayer
from .model import S2LoraModel

__all__ = ["Linear", "S2LoraConfig", "S2LoraLayer", "S2LoraModel", "register"]


def _add_peft_type_member(name: str) -> PeftType:
    """Add ``name`` as a member of peft's ``PeftType`` enum (idempotent). Relies on CPython's Enum internals."""
    if name in PeftType.__members__:
        return PeftType[name]
    member = str.__new__(PeftType, name)
    member._name_ = name
    member._value_ = name
    member.__objclass__ = PeftType
    try:
        member.__init__(name)
    except TypeError:
        pass
    PeftType._member_map_[name] = member
    PeftType._value2member_map_[name] = member
    PeftType._member_names_.append(name)
    type.__setattr__(PeftType, name, member)
    return member


def register_with_peft(type_name: str, name: str, config_cls, model_cls) -> None:
    """Add `type_name` to peft's PeftType and fill peft's mapping tables for one of our methods (idempotent)."""
    peft_type = _add_peft_type_member(type_name)
    if PEFT_TYPE_TO_CONFIG_MAPPING.get(peft_type) is config_cls:
        return
    register_peft_method(name=name, config_cls=config_cls, model_cls=model_cls, prefix=model_cls.prefix)


def register() -> None:
    """Register S2-LoRA with peft (idempotent; done automatically on import)."""
    register_with_peft(S2LORA_PEFT_TYPE_NAME, S2LORA_NAME, S2LoraConfig, S2LoraModel)


register()
