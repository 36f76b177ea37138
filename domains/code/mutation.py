"""Mutants of one focal function, made on its AST: the faults a good unit test should catch.

Our own mutator rather than cosmic-ray: cosmic-ray 8.7 installs here and `cosmic_ray.mutating.mutate_code(code,
operator, occurrence)` works offline, but it pulls in twelve packages (aiohttp, sqlalchemy, gitpython, ...), mutates
the whole module (no way to stay inside one function short of filtering by position), and has neither a dropped-
statement nor a return-value operator. This module needs nothing beyond `ast`.

    mutants(source, "clamp") -> [Mutant(operator, line, description, source), ...]

Operators (`OPERATORS`, in the order they are tried at each node):
  compare     < <= > >= each to its boundary neighbour and to its negation (< -> <=, < -> >=), == <-> !=,
              is <-> is not, in <-> not in
  constant    an int literal c -> c + 1 and c - 1 (`-1` is one literal; bools are not ints here)
  boolean     and <-> or; `not x` -> `x`
  arithmetic  + <-> -, * <-> /, // -> *, % -> // (also in augmented assignments: += -> -=)
  statement   a statement -> `pass` (not a docstring, a `pass`, or a `return`: the return operator covers those)
  return      `return True` <-> `return False`; any other `return X` -> `return None`
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass

OPERATORS = ("compare", "constant", "boolean", "arithmetic", "statement", "return")
DEFAULT_MAX_MUTANTS = 60  # a focal function of the benchmark gives 10-70; the cap bounds the odd large one

_COMPARE = {ast.Lt: (ast.LtE, ast.GtE), ast.LtE: (ast.Lt, ast.Gt), ast.Gt: (ast.GtE, ast.LtE),
            ast.GtE: (ast.Gt, ast.Lt), ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.Is: (ast.IsNot,),
            ast.IsNot: (ast.Is,), ast.In: (ast.NotIn,), ast.NotIn: (ast.In,)}
_ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult,
               ast.Mod: ast.FloorDiv}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
           ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
           ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.And: "and", ast.Or: "or"}
_BODIES = ("body", "orelse", "finalbody")


@dataclass(frozen=True)
class Mutant:
    operator: str  # one of OPERATORS
    line: int  # first line of the statement holding the change, in the original source
    description: str  # "`value < low` -> `value <= low`"
    source: str  # the whole module with the function mutated


def _nodes(func: ast.FunctionDef) -> list[tuple[ast.AST, int]]:
    """Every node of the function body with the line of the statement it belongs to, in source order (a
    deep copy of the function lists its nodes in the same order, which is how a change finds its node)."""
    out = []

    def visit(node: ast.AST, stmt_line: int) -> None:
        line = node.lineno if isinstance(node, ast.stmt) else stmt_line
        out.append((node, line))
        if _int_value(node) is not None:  # `-1` is one constant: its `1` is not mutated on its own
            return
        for child in ast.iter_child_nodes(node):
            visit(child, line)

    for arg_default in [*func.args.defaults, *[d for d in func.args.kw_defaults if d is not None]]:
        visit(arg_default, func.lineno)
    for stmt in func.body:
        visit(stmt, stmt.lineno)
    return out


def _is_docstring(stmt: ast.stmt, parent_body: list, func: ast.FunctionDef) -> bool:
    return (parent_body is func.body and stmt is func.body[0] and isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str))


def _changes(node: ast.AST, func: ast.FunctionDef) -> list[tuple]:
    """(operator, description, edit[, line]) for each way to mutate `node`; `edit(copy_of_node)` applies the
    change and returns the replacement node (or None when it changed the node in place); `line`, where given, is
    the line of the statement a change drops (the change itself is made on the block holding it)."""
    out = []
    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            for new in _COMPARE.get(type(op), ()):
                out.append(("compare", f"`{_SYMBOL[type(op)]}` -> `{_SYMBOL[new]}`", _set_compare(k, new)))
    elif _int_value(node) is not None:
        value = _int_value(node)
        for delta in (1, -1):
            out.append(("constant", f"`{value}` -> `{value + delta}`", lambda n, v=value + delta: ast.Constant(v)))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append(("boolean", f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[new]}`", _set_op(new)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("boolean", f"`{ast.unparse(node)}` -> `{ast.unparse(node.operand)}`", lambda n: n.operand))
    elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in _ARITHMETIC:
        new = _ARITHMETIC[type(node.op)]
        out.append(("arithmetic", f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[new]}`", _set_op(new)))
    if isinstance(node, ast.Return):
        out.extend(_return_changes(node))
    for field in _BODIES:
        body = getattr(node, field, None)
        if not isinstance(body, list):
            continue
        for k, stmt in enumerate(body):
            if isinstance(stmt, ast.Pass | ast.Return) or _is_docstring(stmt, body, func):
                continue
            first = ast.unparse(stmt).splitlines()[0]
            out.append(("statement", f"`{first}` -> `pass`", _drop(field, k), stmt.lineno))
    return out


def _int_value(node: ast.AST) -> int | None:
    """The value of an int literal, `-1` included (bools are not ints here); None for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_value(node.operand) if isinstance(node.operand, ast.Constant) else None
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _return_changes(node: ast.Return) -> list[tuple[str, str, object]]:
    value = node.value
    if isinstance(value, ast.Constant) and type(value.value) is bool:
        return [("return", f"`return {value.value}` -> `return {not value.value}`",
                 lambda n: ast.Return(ast.Constant(not n.value.value)))]
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return []
    return [("return", f"`return {ast.unparse(value)}` -> `return None`", lambda n: ast.Return(ast.Constant(None)))]


def _set_compare(k: int, new: type):
    def edit(n: ast.Compare):
        n.ops[k] = new()

    return edit


def _set_op(new: type):
    def edit(n):
        n.op = new()

    return edit


def _drop(field: str, k: int):
    def edit(n):
        getattr(n, field)[k] = ast.Pass()

    return edit


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    raise ValueError(f"no top-level function {name!r} in the source")


def _splice(lines: list[str], func: ast.FunctionDef, new_func: ast.AST) -> str:
    """The module's text with the function's lines (decorators included) replaced by the unparsed mutant:
    the rest of the module stays as written."""
    start = min([func.lineno, *(d.lineno for d in func.decorator_list)])
    return "".join(lines[:start - 1]) + ast.unparse(ast.fix_missing_locations(new_func)) + "\n" + \
        "".join(lines[func.end_lineno:])


def mutants(source: str, name: str, *, max_mutants: int | None = DEFAULT_MAX_MUTANTS, seed: int = 0) -> list[Mutant]:
    """The mutants of top-level function `name` in module `source`, in source order (node by node, operators
    in the order above). Mutants that unparse to the original function, or to the same text as an earlier
    mutant, are dropped (equivalent by text). Over `max_mutants`, a seeded sample of that many, in order."""
    tree = ast.parse(source)
    func = _function(tree, name)
    lines = source.splitlines(keepends=True)
    original = ast.unparse(func)
    seen, out = {original}, []
    for index, (node, line) in enumerate(_nodes(func)):
        for operator, description, edit, *dropped in _changes(node, func):
            new_func = copy.deepcopy(func)
            target = _nodes(new_func)[index][0]
            replacement = edit(target)
            if replacement is not None:
                _replace(new_func, target, ast.copy_location(replacement, target))
            text = ast.unparse(new_func)
            if text in seen:
                continue
            seen.add(text)
            out.append(Mutant(operator, dropped[0] if dropped else line, description,
                              _splice(lines, func, new_func)))
    if max_mutants is not None and len(out) > max_mutants:
        keep = sorted(random.Random(seed).sample(range(len(out)), max_mutants))
        out = [out[i] for i in keep]
    return out


def _replace(root: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put `new` where `old` is, in whichever field (or list) of its parent holds it."""
    for parent in ast.walk(root):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = new
                        return
    raise ValueError("node to replace not found")  # cannot happen: the node came from this tree
