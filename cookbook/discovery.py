"""Domains are discovered, not listed: every `<dir>/<name>/recipe.py` on the domain search path that defines
`RECIPE` is a domain. The search path is the repository's `domains/` plus the folders in `$COOKBOOK_DOMAINS_PATH`
(separated by the OS path separator), so a domain kept outside the repository works without editing anything."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from cookbook.errors import ConfigError
from cookbook.paths import repo_root
from cookbook.recipe import Recipe
from cookbook.registry import Registry

PATH_ENV = "COOKBOOK_DOMAINS_PATH"

_loaded: dict[tuple[str, ...], Registry[Recipe]] = {}


def search_path() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p.strip()]
    return [repo_root() / "domains", *extra]


def _module_name(folder: Path) -> str:
    """`domains.<name>.recipe` for the repository's domains; `<name>.recipe` for an outside folder, whose parent
    goes on sys.path so the domain's own modules import as `<name>.data` etc."""
    if folder.parent.resolve() == (repo_root() / "domains").resolve():
        return f"domains.{folder.name}.recipe"
    parent = str(folder.parent.resolve())
    if parent not in sys.path:
        sys.path.append(parent)
    return f"{folder.name}.recipe"


def _recipe_of(folder: Path) -> Recipe:
    module = importlib.import_module(_module_name(folder))
    recipe = getattr(module, "RECIPE", None)
    if not isinstance(recipe, Recipe):
        raise ConfigError(f"{folder / 'recipe.py'}: defines no RECIPE = Recipe(...)")
    if recipe.name != folder.name:
        raise ConfigError(f"{folder / 'recipe.py'}: RECIPE.name is '{recipe.name}', but the folder is "
                          f"'{folder.name}' (a domain is named by its folder)")
    return recipe


def load_domains() -> Registry[Recipe]:
    """Every domain on the search path (scanned once per search path)."""
    key = tuple(str(p) for p in search_path())
    if key in _loaded:
        return _loaded[key]
    domains: Registry[Recipe] = Registry("domain")
    seen: dict[str, Path] = {}
    for root in search_path():
        if not root.is_dir():
            continue
        for recipe_file in sorted(root.glob("*/recipe.py")):
            folder = recipe_file.parent
            if folder.name in seen:
                raise ConfigError(f"domain '{folder.name}' is defined twice: {seen[folder.name]} and {folder}")
            seen[folder.name] = folder
            domains.register(folder.name)(_recipe_of(folder))
    _loaded[key] = domains
    return domains


def get_recipe(name: str) -> Recipe:
    return load_domains().get(name)
