"""PEFT methods by name. Each builder turns our PeftConfig into a peft config for a given architecture."""

from cookbook.peft_methods.builtin import PEFT_METHODS, PeftMethod, build_peft_config, target_modules_for

__all__ = ["PEFT_METHODS", "PeftMethod", "build_peft_config", "target_modules_for"]
