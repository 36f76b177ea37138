"""PEFT methods by name (`cookbook ls`). Each entry owns its behaviour (cookbook/peft_methods/method.py); importing
this package registers them all, and registers our own peft methods (S2-LoRA) with peft itself."""

from cookbook.peft_methods import apt as _apt  # noqa: F401  (registers APT with peft)
from cookbook.peft_methods import bitfit as _bitfit  # noqa: F401  (registers bitfit)
from cookbook.peft_methods import gift_sw as _gift_sw  # noqa: F401  (registers GIFT-SW with peft)
from cookbook.peft_methods import salience as _salience  # noqa: F401  (registers gift_sw, sct, apt)
from cookbook.peft_methods import sct as _sct  # noqa: F401  (registers SCT with peft)
from cookbook.peft_methods import seq_adapter_methods as _seq  # noqa: F401  (registers conv/transformer adapters)
from cookbook.peft_methods.auto import methods_for, resolve_method
from cookbook.peft_methods.builtin import build_peft_config, target_modules_for
from cookbook.peft_methods.method import PEFT_METHODS, AdaptedModel, PeftMethod

__all__ = ["PEFT_METHODS", "AdaptedModel", "PeftMethod", "build_peft_config", "methods_for", "resolve_method",
           "target_modules_for"]
