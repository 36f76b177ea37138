"""Where the mined Python source comes from, offline: the interpreter's standard library (sysconfig's `stdlib`
path) and a fixed list of permissively licensed packages installed in this environment, each with the licence its
own metadata declares. A package that is missing, or whose metadata does not declare a permissive licence, is
skipped and the manifest says why."""

from __future__ import annotations

import importlib.metadata as metadata
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

STDLIB = "stdlib"
STDLIB_LICENCE = "PSF-2.0"

# (import name, distribution name). Pure-Python packages with docstrings; pip/setuptools are left out because
# they vendor copies of other packages.
CODEGEN_PACKAGES = (
    ("more_itertools", "more-itertools"), ("networkx", "networkx"), ("sympy", "sympy"), ("click", "click"),
    ("jinja2", "Jinja2"), ("markdown", "Markdown"), ("pygments", "Pygments"), ("packaging", "packaging"),
    ("dateutil", "python-dateutil"), ("attr", "attrs"), ("sortedcontainers", "sortedcontainers"),
    ("pyparsing", "pyparsing"), ("werkzeug", "Werkzeug"), ("tabulate", "tabulate"), ("rich", "rich"),
    ("idna", "idna"), ("nltk", "nltk"), ("sacrebleu", "sacrebleu"),
)
# Packages whose shipped tests are mined for unit-test pairs (they also resolve focal functions by import).
TEST_PACKAGES = (("networkx", "networkx"), ("sympy", "sympy"))

# Substrings of a licence string (metadata expression, licence field or trove classifier) that we accept, and
# ones that rule a package out even if a permissive one is also named.
PERMISSIVE = ("mit", "bsd", "apache", "psf", "python software foundation", "isc", "0bsd", "zlib")
COPYLEFT = ("gpl", "mpl", "mozilla", "eupl", "cddl", "epl")

SKIPPED_DIRS = {"__pycache__", "_vendor", "vendor", "vendored", "site-packages", "idlelib", "lib2to3",
                "ensurepip", "turtledemo", "tkinter"}


@dataclass
class SourceTree:
    """One package (or the stdlib) whose `.py` files are mined; `module_root` is the folder that dotted module
    names are relative to (for a package: site-packages, so `networkx/utils/misc.py` is `networkx.utils.misc`)."""

    name: str
    version: str
    licence: str
    module_root: Path
    files: list[Path] = field(default_factory=list)

    def module_name(self, path: Path) -> str:
        rel = path.relative_to(self.module_root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join(parts)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.module_root).as_posix()


def is_test_path(rel: str) -> bool:
    """True for a test module or anything inside a test folder (`test/`, `tests/`, `testing/`, conftest)."""
    parts = rel.split("/")
    name = parts[-1]
    return (any(p in {"test", "tests", "testing", "unittests"} for p in parts[:-1]) or name.startswith("test_")
            or name.endswith("_test.py") or name in {"conftest.py", "test.py", "tests.py"})


def python_files(root: Path, tests: bool) -> list[Path]:
    """`.py` files under `root`, sorted by path; `tests` picks test modules only (True) or no test modules."""
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if SKIPPED_DIRS.intersection(rel.split("/")[:-1]) or not path.is_file():
            continue
        if is_test_path(rel) == tests:
            out.append(path)
    return out


def distribution_licence(dist_name: str) -> str:
    """The licence a distribution's metadata declares: License-Expression, else a one-line License field, else
    its 'License ::' trove classifiers joined with ' / '. '' when it declares none."""
    meta = metadata.metadata(dist_name)
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    if text and "\n" not in text and len(text) <= 60 and text.lower() not in {"dual license", "unknown"}:
        return text
    if classifiers:
        return " / ".join(classifiers)
    return text.splitlines()[0] if text else ""


def is_permissive(licence: str) -> bool:
    low = licence.lower()
    return any(k in low for k in PERMISSIVE) and not any(k in low for k in COPYLEFT)


def stdlib_tree(tests: bool = False) -> SourceTree:
    """The standard library of the running interpreter: without tests, every module outside `test/` (and the
    folders in SKIPPED_DIRS); with tests, the modules of the `test` package."""
    root = Path(sysconfig.get_paths()["stdlib"])
    version = ".".join(map(str, sys.version_info[:3]))
    tree = SourceTree(STDLIB, version, STDLIB_LICENCE, root)
    if tests:
        test_dir = root / "test"
        tree.files = [p for p in sorted(test_dir.rglob("test_*.py")) if p.is_file()] if test_dir.is_dir() else []
    else:
        tree.files = python_files(root, tests=False)
    return tree


def package_tree(import_name: str, dist_name: str, tests: bool = False) -> SourceTree | str:
    """An installed package's tree, or the reason it is skipped (not installed, licence not permissive)."""
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return "not installed"
    licence = distribution_licence(dist_name)
    if not is_permissive(licence):
        return f"licence '{licence}' is not on the permissive list"
    package_dir = Path(str(dist.locate_file(import_name)))
    if not package_dir.is_dir():
        return f"no folder {package_dir}"
    tree = SourceTree(import_name, dist.version, licence, package_dir.parent)
    tree.files = python_files(package_dir, tests=tests)
    return tree


def collect_trees(packages: tuple[tuple[str, str], ...], tests: bool) -> tuple[list[SourceTree], dict[str, str]]:
    """The stdlib plus each package in `packages`: (trees, {package: why it was skipped})."""
    trees, skipped = [stdlib_tree(tests=tests)], {}
    for import_name, dist_name in packages:
        tree = package_tree(import_name, dist_name, tests=tests)
        if isinstance(tree, str):
            skipped[import_name] = tree
        else:
            trees.append(tree)
    return trees, skipped
