"""ICD-10-CM descriptions from the `simple_icd_10_cm` package (MIT; it ships CMS's code list and tabular XML, the
April 2026 release in 1.5.0), so the records carry the official wording instead of ours. The knowledge table
names codes; this module checks each is a billable (leaf) code and gives its description. The package parses
its XML on import (about 2 s), so it is imported once, and only where a record is written."""

from __future__ import annotations

from functools import cache

from cookbook.errors import CookbookError


@cache
def _package():
    try:
        import simple_icd_10_cm
    except ImportError:
        raise CookbookError("the clinical domain needs the ICD-10-CM code list: pip install "
                            "simple-icd-10-cm==1.5.0 (it is in pyproject.toml)") from None
    return simple_icd_10_cm


def release() -> str:
    """Which code list the descriptions come from, for the data manifest."""
    from importlib.metadata import version

    return f"simple_icd_10_cm {version('simple_icd_10_cm')} (CMS ICD-10-CM, April 2026 release)"


@cache
def describe(code: str) -> str:
    """The official description of a billable ICD-10-CM code; an error for a code the list lacks or that is a
    category rather than a billable code (a knowledge-table mistake, caught when the data is built)."""
    cm = _package()
    if not cm.is_valid_item(code):
        raise CookbookError(f"ICD-10-CM code {code} is not in {release()}")
    if not cm.is_leaf(code):
        raise CookbookError(f"ICD-10-CM code {code} is a category, not a billable code")
    return cm.get_description(code)
