"""The core (cookbook/) and the judge layer (judges/) never name a domain: no import of a domain's package, and no
string that is a domain's name or points into its folder or app. A domain is found by discovery, so adding one
edits nothing here. (Comments and docstrings may give a domain as an example.)"""

import ast
from pathlib import Path

from cookbook.discovery import load_domains

REPO = Path(__file__).resolve().parents[2]
# each layer, with the nouns of its own that a domain's name may share (the judge-adapter domain is named "judge")
LAYERS = {"cookbook": frozenset(), "judges": frozenset({"judge"})}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def domain_mentions(path: Path, names: set[str], own_words: frozenset[str] = frozenset()) -> list[str]:
    """Imports of a domain's package and strings naming a domain (`own_words`: a layer's own nouns that a domain
    happens to share, as "judge" is both the judge layer's word and the judge-adapter domain's name: as a bare
    string only, never as an import or a path)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip, found = _docstrings(tree), []
    prefixes = tuple(f"{root}{sep}{n}" for n in names for root in ("domains", "apps") for sep in "./")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{path}:{node.lineno}: imports {m}" for m in modules if m.startswith(prefixes)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value.strip()
            if (text in names and text not in own_words) or text.startswith(prefixes):
                found.append(f"{path}:{node.lineno}: names {text!r}")
    return found


def test_core_and_judges_never_name_a_domain():
    names = set(load_domains().names())
    assert {"telecom", "clinical"} <= names
    files = [p for layer in LAYERS for p in sorted((REPO / layer).rglob("*.py"))]
    assert len(files) > 50
    problems = [m for p in files for m in domain_mentions(p, names, LAYERS[p.relative_to(REPO).parts[0]])]
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_domain_named_in_code(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('"""telecom is fine in a docstring."""\nfrom domains.telecom import recipe\n'
                   'NAME = "clinical"\nAPP = "apps.telecom"\n# telecom in a comment is fine\n', encoding="utf-8")
    found = domain_mentions(bad, {"telecom", "clinical"})
    assert len(found) == 3 and "imports domains.telecom" in found[0]
    assert len(domain_mentions(bad, {"telecom", "clinical"}, frozenset({"clinical"}))) == 2
