"""Which method a run trains: the requested one, checked against the task kind and this machine, or for
`auto` the first of the recipe's preferred methods that is usable here (QLoRA where 4-bit works, else LoRA)."""

from __future__ import annotations

from cookbook.errors import ConfigError, CookbookError
from cookbook.peft_methods.method import PEFT_METHODS


def methods_for(kind: str) -> list[str]:
    return [n for n in PEFT_METHODS.names() if PEFT_METHODS.get(n).supports(kind)]


def resolve_method(requested: str, preferred: tuple[str, ...], kind: str) -> tuple[str, str]:
    """(method, reason shown to the user and written to the run card)."""
    if requested != "auto":
        if requested not in PEFT_METHODS or not PEFT_METHODS.get(requested).supports(kind):
            raise ConfigError(f"peft.method: '{requested}' is not supported for {kind} training; valid: auto, "
                              f"{', '.join(methods_for(kind))}")
        ok, why = PEFT_METHODS.get(requested).available()
        if not ok:
            raise CookbookError(f"METHOD={requested} is not usable here ({why}); pick another method")
        return requested, f"peft.method={requested} requested" + ("" if why == "available" else f"; {why}")
    skipped = []
    for name in preferred:
        method = PEFT_METHODS.get(name)
        if not method.supports(kind):
            raise ConfigError(f"the recipe prefers '{name}', which does not support {kind} training")
        ok, why = method.available()
        if ok:
            reason = f"auto: {name}" + ("" if why == "available" else f" ({why})")
            if skipped:
                reason += f"; skipped {'; '.join(skipped)}"
            return name, reason
        skipped.append(f"{name} ({why})")
    raise CookbookError(f"METHOD=auto: none of {', '.join(preferred)} is usable here: {'; '.join(skipped)}")
