"""Turning a mined test into a standalone pytest function: unittest's `self.assertX(...)` calls become plain
`assert` statements (or `pytest.raises` / `pytest.warns` blocks) where the rewrite is exact, `self.subTest`
blocks are inlined, and a test that still needs the test case (`self`) is refused. Also: the names a test uses
without defining them, and cutting a long test down to a prefix of its statements."""

from __future__ import annotations

import ast
import builtins
import copy

BINARY = {"assertEqual": ast.Eq, "assertNotEqual": ast.NotEq, "assertIs": ast.Is, "assertIsNot": ast.IsNot,
          "assertIn": ast.In, "assertNotIn": ast.NotIn, "assertLess": ast.Lt, "assertLessEqual": ast.LtE,
          "assertGreater": ast.Gt, "assertGreaterEqual": ast.GtE, "assertListEqual": ast.Eq,
          "assertTupleEqual": ast.Eq, "assertDictEqual": ast.Eq, "assertSetEqual": ast.Eq,
          "assertMultiLineEqual": ast.Eq}
UNARY = {"assertTrue", "assertFalse", "assertIsNone", "assertIsNotNone"}
CONTEXTS = {"assertRaises": "raises", "assertRaisesRegex": "raises", "assertWarns": "warns",
            "assertWarnsRegex": "warns"}
BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}


class Unconvertible(Exception):
    """The test can't be made a standalone function (the message says why)."""


def _self_method(node: ast.AST) -> str:
    """'assertEqual' for `self.assertEqual(...)`, '' for anything else."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "self"):
        return node.func.attr
    return ""


def _message(call: ast.Call, n_args: int) -> ast.expr | None:
    """The optional `msg` of an assert call with `n_args` operands; Unconvertible for any other keyword."""
    extra = call.args[n_args:]
    keywords = {k.arg: k.value for k in call.keywords}
    if set(keywords) - {"msg"} or len(extra) > 1 or (extra and keywords):
        raise Unconvertible("assert call with unsupported arguments")
    return extra[0] if extra else keywords.get("msg")


def _assert_of(call: ast.Call, method: str) -> ast.stmt:
    if method in BINARY:
        if len(call.args) < 2 or any(isinstance(a, ast.Starred) for a in call.args):
            raise Unconvertible(f"{method} with fewer than two operands")
        test = ast.Compare(left=call.args[0], ops=[BINARY[method]()], comparators=[call.args[1]])
        return ast.Assert(test=test, msg=_message(call, 2))
    if method in UNARY:
        if not call.args or isinstance(call.args[0], ast.Starred):
            raise Unconvertible(f"{method} without an operand")
        value = call.args[0]
        test = {"assertTrue": value, "assertFalse": ast.UnaryOp(op=ast.Not(), operand=value),
                "assertIsNone": ast.Compare(left=value, ops=[ast.Is()], comparators=[ast.Constant(None)]),
                "assertIsNotNone": ast.Compare(left=value, ops=[ast.IsNot()], comparators=[ast.Constant(None)]),
                }[method]
        return ast.Assert(test=test, msg=_message(call, 1))
    if method in {"assertIsInstance", "assertNotIsInstance"}:
        if len(call.args) < 2:
            raise Unconvertible(f"{method} with fewer than two operands")
        test = ast.Call(func=ast.Name("isinstance", ast.Load()), args=call.args[:2], keywords=[])
        if method == "assertNotIsInstance":
            test = ast.UnaryOp(op=ast.Not(), operand=test)
        return ast.Assert(test=test, msg=_message(call, 2))
    if method == "assertAlmostEqual":
        keywords = {k.arg: k.value for k in call.keywords}
        if len(call.args) != 2 or set(keywords) - {"places"}:
            raise Unconvertible("assertAlmostEqual with delta, msg or extra operands")
        difference = ast.Call(func=ast.Name("abs", ast.Load()),
                              args=[ast.BinOp(left=call.args[0], op=ast.Sub(), right=call.args[1])], keywords=[])
        rounded = ast.Call(func=ast.Name("round", ast.Load()),
                           args=[difference, keywords.get("places", ast.Constant(7))], keywords=[])
        return ast.Assert(test=ast.Compare(left=rounded, ops=[ast.Eq()], comparators=[ast.Constant(0)]), msg=None)
    if method in CONTEXTS and len(call.args) >= 2 and not method.endswith("Regex") and not call.keywords:
        # self.assertRaises(E, f, *args) -> with pytest.raises(E): f(*args)
        body = [ast.Expr(ast.Call(func=call.args[1], args=call.args[2:], keywords=[]))]
        return ast.With(items=[ast.withitem(_pytest_context(CONTEXTS[method], call.args[:1], []))], body=body)
    raise Unconvertible(f"self.{method} has no plain-assert form")


def _pytest_context(kind: str, args: list[ast.expr], match: list[ast.expr]) -> ast.Call:
    keywords = [ast.keyword(arg="match", value=match[0])] if match else []
    return ast.Call(func=ast.Attribute(ast.Name("pytest", ast.Load()), kind, ast.Load()), args=args,
                    keywords=keywords)


class _Rewriter(ast.NodeTransformer):
    def __init__(self):
        self.uses_pytest = False
        self.context_names: set[str] = set()

    def visit_Expr(self, node: ast.Expr):
        method = _self_method(node.value)
        if not method.startswith("assert"):
            return self.generic_visit(node)
        new = _assert_of(node.value, method)
        self.uses_pytest |= isinstance(new, ast.With)
        return self.generic_visit(new)

    def visit_With(self, node: ast.With):
        if len(node.items) == 1 and _self_method(node.items[0].context_expr) == "subTest":
            return [self.visit(stmt) for stmt in node.body]
        for item in node.items:
            method = _self_method(item.context_expr)
            if method not in CONTEXTS:
                continue
            call = item.context_expr
            regex = method.endswith("Regex")
            if call.keywords or len(call.args) != (2 if regex else 1):
                raise Unconvertible(f"self.{method} block with unsupported arguments")
            item.context_expr = _pytest_context(CONTEXTS[method], call.args[:1], call.args[1:])
            self.uses_pytest = True
            if isinstance(item.optional_vars, ast.Name):
                self.context_names.add(item.optional_vars.id)
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute):
        # `cm.exception` of unittest's context manager is `.value` on pytest's ExceptionInfo
        if isinstance(node.value, ast.Name) and node.value.id in self.context_names and node.attr == "exception":
            node.attr = "value"
        return self.generic_visit(node)


def rewrite_method(method: ast.FunctionDef) -> tuple[ast.FunctionDef, bool]:
    """A unittest method as a plain test function without `self`: (function, uses pytest). Unconvertible when it
    takes other arguments or still uses `self` after the rewrite. The method's statements are rewritten in place
    (a deep copy of every test costs more than mining it), so don't reuse `method` afterwards."""
    func = copy.copy(method)
    func.args = copy.copy(method.args)
    args = func.args
    if (len(args.args) != 1 or args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs
            or args.args[0].arg != "self"):
        raise Unconvertible("test method takes arguments besides self")
    func.args.args = []
    rewriter = _Rewriter()
    func.body = [rewriter.visit(stmt) for stmt in func.body]
    func.body = [s for stmt in func.body for s in (stmt if isinstance(stmt, list) else [stmt])]
    if any(isinstance(n, ast.Name) and n.id == "self" for n in ast.walk(func)):
        raise Unconvertible("uses the test case (self)")
    ast.fix_missing_locations(func)
    return func, rewriter.uses_pytest


def bound_names(func: ast.AST) -> set[str]:
    """Names a function binds itself (arguments, assignments, loop / with / except targets, comprehension
    variables, nested defs and imports), ignoring scopes: a good-enough over-approximation."""
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node is not func:
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
    return names


def free_names(node: ast.AST, builtins_too: bool = False) -> list[str]:
    """Names `node` reads but does not bind, sorted; builtins left out unless `builtins_too` (a test module may
    rebind one: `from fnmatch import filter`)."""
    loaded = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return sorted(loaded - bound_names(node) - (set() if builtins_too else BUILTIN_NAMES))


def has_assert(nodes: list[ast.stmt]) -> bool:
    """True when some statement checks something: an assert, a pytest.raises/warns block, or sympy's raises()."""
    for node in (n for stmt in nodes for n in ast.walk(stmt)):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in {"raises", "warns"}:
                return True
    return False


def statement_prefix(func: ast.FunctionDef, fits) -> ast.FunctionDef | None:
    """The longest prefix of `func`'s top-level statements for which `fits(function)` holds and that still checks
    something (a prefix of a passing test passes too: nothing it runs depends on what comes later). None if no
    prefix does. `fits` must be monotone (a shorter prefix fits if a longer one does): the longest fitting prefix
    is found by bisection."""

    def prefix(n: int) -> ast.FunctionDef:
        candidate = copy.copy(func)
        candidate.body = func.body[:n]
        return candidate

    lo, hi = 0, len(func.body)  # prefix(lo) fits (the empty one trivially), prefix(hi + 1) does not
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(prefix(mid)):
            lo = mid
        else:
            hi = mid - 1
    for n in range(lo, 0, -1):
        if has_assert(func.body[:n]):
            return prefix(n)
    return None
