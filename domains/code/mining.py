"""Code-generation pairs from real source: prompt = a function's `def` line(s) and docstring, completion = the rest
of its body, for top-level functions and methods of top-level classes. `mine_codegen_file` applies the filters and
counts why each candidate was rejected; `dedupe` keeps one pair per normalised body."""

from __future__ import annotations

import ast
import hashlib
from collections import Counter
from dataclasses import asdict, dataclass

from domains.code.decontam import code_tokens

# Sizes: a row (prompt + completion) must fit a 512-token budget with room for a chat template. Characters
# alone don't bound BPE tokens for symbol-dense code, so the row's code tokens (decontam.code_tokens: identifiers,
# numbers, single symbols) are bounded too; on the built data these limits keep every row under about 450 tokens
# of the Qwen2.5-Coder tokenizer (README).
MAX_PROMPT_CHARS = 800
MAX_COMPLETION_CHARS = 800
MAX_TOTAL_CHARS = 1200
MAX_ROW_CODE_TOKENS = 350
MIN_BODY_LINES = 2
MAX_BODY_LINES = 30
MAX_LINE_CHARS = 120
MIN_DOCSTRING_CHARS = 20

KINDS = ("codegen", "unittest")


@dataclass
class CodePair:
    kind: str  # one of KINDS
    prompt: str
    completion: str
    package: str  # SourceTree.name: "stdlib", "networkx", ...
    licence: str
    path: str  # the mined file, relative to its tree's module root ("json/decoder.py")
    line: int  # the def line of the function (codegen) or of the test (unittest)
    name: str  # qualified name: "JSONDecoder.decode"; unittest: "focal_module.focal <- test_file::test"

    @property
    def origin(self) -> str:
        return f"{self.package}:{self.path}:{self.line}"

    def row(self, row_id: str) -> dict:
        data = asdict(self)
        data["id"] = row_id
        return data


def parse_module(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def normalised_hash(source: str) -> str:
    """Hash of the code with formatting and comments normalised away (ast.unparse); the raw text if it does not
    parse."""
    tree = parse_module(source)
    text = ast.unparse(tree) if tree is not None else source
    return hashlib.sha256(text.encode()).hexdigest()


def is_trivial_body(body: list[ast.stmt]) -> bool:
    """Nothing to learn from: empty, or a single pass / `...` / constant / raise / return statement."""
    if not body:
        return True
    if len(body) > 1:
        return False
    only = body[0]
    if isinstance(only, ast.Pass | ast.Raise | ast.Return):
        return True
    return isinstance(only, ast.Expr) and isinstance(only.value, ast.Constant)


def dedent_lines(lines: list[str], indent: int) -> str | None:
    """`lines` with `indent` leading spaces removed from each; None if a non-blank line is indented less or with
    tabs (docstrings written flush left, mixed indentation)."""
    out = []
    for line in lines:
        if not line.strip():
            out.append("\n")
            continue
        head = line[:indent]
        if head != " " * indent or "\t" in line[: len(line) - len(line.lstrip())]:
            return None
        out.append(line[indent:])
    return "".join(out)


def function_candidates(module: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str, str]]:
    """(function node, qualified name, enclosing class name or '') for top-level functions and methods of
    top-level classes, in source order."""
    out = []
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append((node, node.name, ""))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    out.append((item, f"{node.name}.{item.name}", node.name))
    return out


def reject_reason(node: ast.FunctionDef | ast.AsyncFunctionDef, class_name: str) -> str:
    """Why a function is not a training pair ('' = keep), before its text is cut out."""
    name = node.name
    if name.startswith("_") or class_name.startswith("_"):
        return "private"
    if name.lower().startswith("test") or class_name.startswith("Test") or class_name.endswith("Test"):
        return "test"
    docstring = ast.get_docstring(node, clean=True)
    if docstring is None:
        return "no docstring"
    if len(docstring.strip()) < MIN_DOCSTRING_CHARS:
        return "short docstring"
    if is_trivial_body(node.body[1:]):
        return "trivial body"
    if node.body[1].lineno <= node.body[0].end_lineno:
        return "body on the docstring's line"
    return ""


def pair_problem(prompt: str, completion: str) -> str:
    """What is wrong with a (prompt, completion) text pair ('' = nothing): it must parse back into one function
    and fit the size limits. Also used when loading rows."""
    if len(prompt) > MAX_PROMPT_CHARS:
        return f"prompt: {len(prompt)} characters, over {MAX_PROMPT_CHARS}"
    if len(completion) > MAX_COMPLETION_CHARS:
        return f"completion: {len(completion)} characters, over {MAX_COMPLETION_CHARS}"
    if len(prompt) + len(completion) > MAX_TOTAL_CHARS:
        return f"completion: prompt + completion are {len(prompt) + len(completion)} characters, over {MAX_TOTAL_CHARS}"
    n_tokens = len(code_tokens(prompt + completion))
    if n_tokens > MAX_ROW_CODE_TOKENS:
        return f"completion: prompt + completion are {n_tokens} code tokens, over {MAX_ROW_CODE_TOKENS}"
    n_lines = completion.count("\n")
    if not MIN_BODY_LINES <= n_lines <= MAX_BODY_LINES:
        return f"completion: {n_lines} lines, outside {MIN_BODY_LINES}..{MAX_BODY_LINES}"
    if max(len(line) for line in (prompt + completion).splitlines()) > MAX_LINE_CHARS:
        return f"completion: a line is longer than {MAX_LINE_CHARS} characters"
    module = parse_module(prompt + completion)
    if module is None:
        return "completion: prompt + completion do not parse"
    if len(module.body) != 1 or not isinstance(module.body[0], ast.FunctionDef | ast.AsyncFunctionDef):
        return "completion: prompt + completion are not exactly one function"
    return ""


def problem_kind(problem: str) -> str:
    """A rejection count's key for a pair_problem() message: 'too long', 'too short', 'does not parse', ..."""
    if "over" in problem:
        return "too long"
    if "outside" in problem:
        return "body lines out of range"
    if "longer than" in problem:
        return "long line"
    return "does not parse" if "parse" in problem else "not one function"


def cut_pair(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, str] | None:
    """(def line(s) + docstring, body after the docstring), dedented to column 0; None if the text can't be cut
    cleanly. Decorators are left out of the prompt."""
    indent = node.col_offset
    prompt = dedent_lines(lines[node.lineno - 1:node.body[0].end_lineno], indent)
    body = lines[node.body[0].end_lineno:node.end_lineno]
    while body and not body[-1].strip():
        body.pop()
    completion = dedent_lines(body, indent)
    if prompt is None or completion is None:
        return None
    if not completion.endswith("\n"):
        completion += "\n"
    return prompt, completion


def mine_codegen_file(text: str, package: str, licence: str, path: str,
                      rejected: Counter) -> list[CodePair]:
    """The code-generation pairs of one source file; each rejected candidate adds one to `rejected[reason]`."""
    module = parse_module(text)
    if module is None:
        rejected["file does not parse"] += 1
        return []
    lines = text.splitlines(keepends=True)
    pairs = []
    for node, qualname, class_name in function_candidates(module):
        reason = reject_reason(node, class_name)
        if reason:
            rejected[reason] += 1
            continue
        cut = cut_pair(lines, node)
        if cut is None:
            rejected["irregular indentation"] += 1
            continue
        problem = pair_problem(*cut)
        if problem:
            rejected[problem_kind(problem)] += 1
            continue
        pairs.append(CodePair("codegen", cut[0], cut[1], package, licence, path, node.lineno, qualname))
    return pairs


def dedupe(pairs: list[CodePair], key) -> tuple[list[CodePair], int]:
    """The first pair for each `key(pair)`, in order; and how many were dropped."""
    seen, kept = set(), []
    for pair in pairs:
        k = key(pair)
        if k not in seen:
            seen.add(k)
            kept.append(pair)
    return kept, len(pairs) - len(kept)


def body_key(pair: CodePair) -> str:
    """A code-generation pair's normalised body: the body under a fixed `def`, unparsed."""
    return normalised_hash("def f():\n" + pair.completion)
