"""Registering our own methods with peft: peft's ``PeftType`` is a closed enum, so a member is added at import time,
then ``peft.utils.register_peft_method`` fills peft's PeftType -> config / tuner / prefix mapping tables. After that
``get_peft_model``, ``save_pretrained`` and ``PeftModel.from_pretrained`` work as for peft's built-in methods."""

from __future__ import annotations

from peft.mapping import PEFT_TYPE_TO_CONFIG_MAPPING
from peft.utils import PeftType, register_peft_method


def add_peft_type_member(name: str) -> PeftType:
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


def register_with_peft(name: str, type_name: str, config_cls, model_cls) -> None:
    """Register one method (idempotent)."""
    peft_type = add_peft_type_member(type_name)
    if PEFT_TYPE_TO_CONFIG_MAPPING.get(peft_type) is config_cls:
        return
    register_peft_method(name=name, config_cls=config_cls, model_cls=model_cls, prefix=model_cls.prefix)
