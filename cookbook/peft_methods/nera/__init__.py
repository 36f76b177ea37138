"""NeRA (Nonlinear low-rank Expressive Representation Adapter) as a peft method.

Importing this package registers it with peft, as cookbook.peft_methods.s2lora does: ``PeftType.NERA`` is added to
peft's closed enum and ``register_peft_method`` fills peft's mapping tables. A process that creates or loads a NeRA
adapter imports this package (or ``cookbook``) first; then ``get_peft_model``, ``save_pretrained`` and
``PeftModel.from_pretrained`` work as for built-in methods. See NeraModel for the reading of the paper.
"""

from __future__ import annotations

from cookbook.peft_methods.peft_types import register_with_peft

from .config import NERA_NAME, NERA_PEFT_TYPE_NAME, NeraConfig
from .layer import Linear, NeraLayer, b_spline_bases
from .model import NeraModel

__all__ = ["Linear", "NeraConfig", "NeraLayer", "NeraModel", "b_spline_bases", "register"]


def register() -> None:
    """Register NeRA with peft (idempotent; done on import)."""
    register_with_peft(NERA_NAME, NERA_PEFT_TYPE_NAME, NeraConfig, NeraModel)


register()
