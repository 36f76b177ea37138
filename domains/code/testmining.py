"""Unit-test-generation pairs: prompt = a focal function's source after the import line a test uses for it,
completion = one standalone pytest test of it. Tests come from test modules (the stdlib's `test` package,
tests shipped in site-packages); a test is paired with a focal function when it calls a public top-level function
that its imports resolve to readable source (following re-exports such as `from .digits import digits`), and that
function's name is in the test's name (or in its test class's name)."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from domains.code.decontam import code_tokens
from domains.code.mining import MAX_ROW_CODE_TOKENS, CodePair, dedent_lines, is_trivial_body, parse_module
from domains.code.sources import SourceTree
from domains.code.testrewrite import (
    BUILTIN_NAMES,
    Unconvertible,
    free_names,
    has_assert,
    rewrite_method,
    statement_prefix,
)

MAX_FOCAL_CHARS = 800  # the prompt: import line + focal function
MAX_TEST_CHARS = 700  # the completion: imports + one test function
MAX_UNITTEST_TOTAL_CHARS = 1300  # and at most MAX_ROW_CODE_TOKENS code tokens together (mining.py)
MAX_TESTS_PER_FOCAL = 4
SETUP_METHODS = {"setUp", "setUpClass", "setup_method", "setup_class", "setup", "asyncSetUp"}
HELPER_MODULES = ("test", "unittest")  # imports from these are the test suite's own machinery


@dataclass
class ModuleSource:
    tree: SourceTree
    path: Path
    is_package: bool
    _parsed: tuple[ast.Module, list[str]] | None = None
    _failed: bool = False

    def parsed(self) -> tuple[ast.Module, list[str]] | None:
        if self._parsed is None and not self._failed:
            text = self.path.read_text(encoding="utf-8", errors="replace")
            module = parse_module(text)
            self._failed = module is None
            self._parsed = None if module is None else (module, text.splitlines(keepends=True))
        return self._parsed


@dataclass
class Focal:
    module: str  # where it is defined
    node: ast.FunctionDef
    source: ModuleSource


class ModuleIndex:
    """Dotted module name -> readable source, over the (non-test) files of the given trees."""

    def __init__(self, trees: list[SourceTree]):
        self.modules: dict[str, ModuleSource] = {}
        self._resolved: dict[tuple[str, str], Focal | None] = {}
        self._defined: dict[str, set[str]] = {}  # module -> classes and variables it defines at top level
        for tree in trees:
            for path in tree.files:
                self.modules.setdefault(tree.module_name(path), ModuleSource(tree, path, path.name == "__init__.py"))

    def _other_names(self, module: str, tree: ast.Module) -> set[str]:
        if module not in self._defined:
            names = set()
            for node in tree.body:
                if isinstance(node, ast.ClassDef | ast.AsyncFunctionDef):
                    names.add(node.name)
                elif isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
            self._defined[module] = names
        return self._defined[module]

    def absolute(self, module: str, level: int, target: str | None) -> str:
        """The absolute name of `from <level dots><target> import ...` written in `module`."""
        if not level:
            return target or ""
        parts = module.split(".")
        if not self.modules[module].is_package:
            parts = parts[:-1]
        parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
        return ".".join(parts + ([target] if target else []))

    def resolve(self, module: str, name: str, depth: int = 0) -> Focal | None:
        """The top-level function `name` as `module` exposes it, following `from x import name` re-exports and star
        imports (up to 6 modules deep). None for anything else (a class, a module, unreadable source)."""
        key = (module, name)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(module, name, depth)
        return self._resolved[key]

    def _resolve(self, module: str, name: str, depth: int) -> Focal | None:
        source = self.modules.get(module)
        if depth > 6 or name.startswith("_") or source is None or source.parsed() is None:
            return None
        tree = source.parsed()[0]
        # the last definition: the implementation after any @overload stubs
        defined = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
        if defined:
            return None if is_stub(defined[-1]) else Focal(module, defined[-1], source)
        if name in self._other_names(module, tree):
            return None  # a class or a variable defined here: not a function, and not re-exported from elsewhere
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                target = self.absolute(module, node.level, node.module)
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        return self.resolve(target, alias.name, depth + 1)
                if any(a.name == "*" for a in node.names):
                    found = self.resolve(target, name, depth + 1)
                    if found:
                        return found
        return None


def is_stub(node: ast.FunctionDef) -> bool:
    """A body with nothing to test: empty after its docstring, or one pass / `...` / raise statement (a short
    `return expr` is a real, if small, focal function)."""
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return is_trivial_body(body) and not (body and isinstance(body[0], ast.Return))


def module_imports(tree: ast.Module) -> dict[str, ast.stmt]:
    """name bound at the test module's top level -> a statement that binds it alone (`import a.b as c`,
    `from m import n`, or a plain assignment such as `x, y = symbols('x y')`)."""
    bound = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                key = alias.asname or alias.name.split(".")[0]
                bound.setdefault(key, ast.Import(names=[alias]))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    bound.setdefault(alias.asname or alias.name, ast.ImportFrom(node.module, [alias], 0))
        elif isinstance(node, ast.Assign):
            targets = [n for t in node.targets for n in ast.walk(t)]
            if all(isinstance(n, ast.Name | ast.Tuple | ast.List | ast.Store | ast.Load) for n in targets):
                for n in targets:
                    if isinstance(n, ast.Name):
                        bound.setdefault(n.id, node)
    return bound


def called_functions(func: ast.AST, bound: dict[str, ast.stmt], index: ModuleIndex) -> list[tuple[Focal, str]]:
    """(focal, the import line that reaches it) for each distinct readable function the test calls, in call
    order."""
    found, seen = [], set()
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        chain, f = [], node.func
        while isinstance(f, ast.Attribute):
            chain.insert(0, f.attr)
            f = f.value
        if not isinstance(f, ast.Name) or f.id not in bound:
            continue
        stmt = bound[f.id]
        if isinstance(stmt, ast.ImportFrom):
            dotted = [*stmt.module.split("."), stmt.names[0].name, *chain]
        elif isinstance(stmt, ast.Import):
            alias = stmt.names[0]
            dotted = (alias.name.split(".") if alias.asname else [alias.name.split(".")[0]]) + chain
        else:
            continue
        if len(dotted) < 2 or dotted[0] in HELPER_MODULES:
            continue
        focal = index.resolve(".".join(dotted[:-1]), dotted[-1])
        if focal and (focal.module, focal.node.name) not in seen:
            seen.add((focal.module, focal.node.name))
            found.append((focal, ast.unparse(stmt)))
    return found


def choose_focal(test_name: str, class_name: str, called: list[tuple[Focal, str]]) -> tuple[Focal, str] | None:
    """The called function whose name is in the test's name (the longest such name), else in its class's name
    (`WrapTestCase.test_long_words` -> `wrap`); None when neither names one."""
    for owner in (test_name.lower().removeprefix("test"), class_name.lower()):
        named = [c for c in called if len(c[0].node.name) >= 3 and c[0].node.name.lower() in owner]
        if named:
            return max(named, key=lambda c: len(c[0].node.name))
    return None


def needed_statements(func: ast.AST, bound: dict[str, ast.stmt], uses_pytest: bool) -> list[str] | None:
    """The import / assignment lines the test needs to run alone, in a fixed order; None if it needs a helper
    defined in its test module (a function or class) or the test suite's own packages."""
    imports, assignments, todo, done = set(), [], list(free_names(func, builtins_too=True)), set()
    if uses_pytest:
        imports.add("import pytest")
    while todo:
        name = todo.pop(0)
        if name in done:
            continue
        done.add(name)
        stmt = bound.get(name)
        if stmt is None:
            if name in BUILTIN_NAMES or (name == "pytest" and uses_pytest):
                continue
            return None
        if isinstance(stmt, ast.Assign):
            line = ast.unparse(stmt)
            if line not in assignments:
                assignments.insert(0, line)
            todo.extend(free_names(ast.Module(body=[stmt], type_ignores=[]), builtins_too=True))
            continue
        module = stmt.module if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
        if module.split(".")[0] in HELPER_MODULES:
            return None
        imports.add(ast.unparse(stmt))
    if len(assignments) > 3:
        return None
    ordered = sorted(imports, key=lambda line: (line.startswith("from "), line))  # `import x` first
    return ordered + ([""] if imports and assignments else []) + assignments


def focal_text(focal: Focal) -> str | None:
    module, lines = focal.source.parsed()
    node = focal.node
    start = min([d.lineno for d in node.decorator_list] + [node.lineno])
    return dedent_lines(lines[start - 1:node.end_lineno], node.col_offset)


def test_candidates(tree: ast.Module) -> list[tuple[ast.FunctionDef, bool, str]]:
    """(test function, is a method, its class or '') for test functions and methods of classes without setup
    code, undecorated."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            out.append((node, False, ""))
        elif isinstance(node, ast.ClassDef) and not node.decorator_list:
            methods = [m for m in node.body if isinstance(m, ast.FunctionDef)]
            if SETUP_METHODS.intersection(m.name for m in methods):
                continue
            out.extend((m, True, node.name) for m in methods if m.name.startswith("test"))
    return out


def render_test(func: ast.FunctionDef, header: list[str], original: str | None) -> str:
    body = original if original is not None else ast.unparse(func) + "\n"
    return ("\n".join(header) + "\n\n\n" if header else "") + body


def original_prefix(func: ast.FunctionDef, full: ast.FunctionDef, lines: list[str]) -> str | None:
    """The source text of `func` (a statement prefix of `full`, not rewritten) as written, comments included."""
    end = func.body[-1].end_lineno
    start = min([d.lineno for d in full.decorator_list] + [full.lineno])
    return dedent_lines(lines[start - 1:end], full.col_offset)


def mine_test_file(tree: SourceTree, path: Path, index: ModuleIndex, rejected: Counter) -> list[CodePair]:
    """The unit-test pairs of one test module; each rejected test adds one to `rejected[reason]`."""
    text = path.read_text(encoding="utf-8", errors="replace")
    module = parse_module(text)
    if module is None:
        rejected["file does not parse"] += 1
        return []
    lines = text.splitlines(keepends=True)
    bound = module_imports(module)
    rel = tree.relative(path)
    pairs = []
    for node, is_method, class_name in test_candidates(module):
        if node.decorator_list:
            rejected["decorated test"] += 1
            continue
        try:
            func, uses_pytest = rewrite_method(node) if is_method else (node, False)
        except Unconvertible:
            rejected["needs the test case"] += 1
            continue
        if not is_method and (node.args.args or node.args.vararg or node.args.kwonlyargs):
            rejected["takes fixtures"] += 1
            continue
        chosen = choose_focal(node.name, class_name, called_functions(func, bound, index))
        if chosen is None:
            rejected["no focal function"] += 1
            continue
        focal, import_line = chosen
        source = focal_text(focal)
        prompt = f"{import_line}\n\n\n{source}" if source else None
        if prompt is None or len(prompt) > MAX_FOCAL_CHARS:
            rejected["focal function too long"] += 1
            continue
        header = needed_statements(func, bound, uses_pytest)
        if header is None:
            rejected["needs a test-module helper"] += 1
            continue

        def render(candidate, header=header, func=func, node=node, is_method=is_method):
            original = None if is_method else original_prefix(candidate, node, lines)
            return render_test(candidate, header, original)

        def fits(candidate, prompt=prompt, render=render):
            return unittest_size_problem(prompt, render(candidate)) == ""

        if not has_assert(func.body):
            rejected["checks nothing"] += 1
            continue
        kept = statement_prefix(func, fits)
        if kept is None:
            rejected["test too long"] += 1
            continue
        completion = render(kept)
        if parse_module(completion) is None or parse_module(prompt) is None:
            rejected["does not parse"] += 1
            continue
        name = f"{focal.module}.{focal.node.name} <- {rel}::{class_name + '.' if class_name else ''}{node.name}"
        focal_licence = focal.source.tree.licence
        licence = tree.licence if focal_licence == tree.licence else f"{tree.licence} (test) + {focal_licence} (focal)"
        pairs.append(CodePair("unittest", prompt, completion, tree.name, licence, rel, node.lineno, name))
    return pairs


def unittest_size_problem(prompt: str, completion: str) -> str:
    """'' when a unit-test pair fits the size limits, else `field: problem`."""
    if len(prompt) > MAX_FOCAL_CHARS:
        return f"prompt: {len(prompt)} characters, over {MAX_FOCAL_CHARS}"
    if len(completion) > MAX_TEST_CHARS:
        return f"completion: {len(completion)} characters, over {MAX_TEST_CHARS}"
    if len(prompt) + len(completion) > MAX_UNITTEST_TOTAL_CHARS:
        return f"completion: prompt + completion are {len(prompt) + len(completion)} characters, over " \
               f"{MAX_UNITTEST_TOTAL_CHARS}"
    n_tokens = len(code_tokens(prompt + completion))
    if n_tokens > MAX_ROW_CODE_TOKENS:
        return f"completion: prompt + completion are {n_tokens} code tokens, over {MAX_ROW_CODE_TOKENS}"
    return ""


def cap_per_focal(pairs: list[CodePair], limit: int = MAX_TESTS_PER_FOCAL) -> tuple[list[CodePair], int]:
    """At most `limit` tests for one focal function (the first ones, in order); and how many were dropped."""
    counts, kept = Counter(), []
    for pair in pairs:
        focal = pair.name.split(" <- ")[0]
        counts[focal] += 1
        if counts[focal] <= limit:
            kept.append(pair)
    return kept, len(pairs) - len(kept)
