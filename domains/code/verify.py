"""Checking that mined unit tests pass on their own: each test is written to a file of its own in a scratch folder
and one pytest process runs them all (the tests come from the test suites of the stdlib and of the installed
packages, which this environment already trusts); only the ones that pass are kept."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

PER_TEST_TIMEOUT_S = 60
TOTAL_TIMEOUT_S = 1800


def pytest_available() -> bool:
    return importlib.util.find_spec("pytest") is not None


def passing_tests(sources: list[str], import_roots: list[Path] = ()) -> list[bool]:
    """For each test module source, whether every test in it passed (False for errors, skips and failures).
    `import_roots`: folders the tests import from that are not on sys.path already."""
    if not sources:
        return []
    with tempfile.TemporaryDirectory(prefix="code-tests-") as tmp:
        folder = Path(tmp)
        names = [f"test_mined_{i:05d}" for i in range(len(sources))]
        for name, source in zip(names, sources, strict=True):
            (folder / f"{name}.py").write_text(source, encoding="utf-8")
        (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        report = folder / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
                   f"--junitxml={report}", "-o", "addopts=", "-W", "ignore"]
        if importlib.util.find_spec("pytest_timeout") is not None:
            command.append(f"--timeout={PER_TEST_TIMEOUT_S}")
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        env.pop("PYTEST_ADDOPTS", None)
        extra = [str(r) for r in import_roots if str(r) not in sys.path]
        if extra:
            env["PYTHONPATH"] = os.pathsep.join(extra + [p for p in [env.get("PYTHONPATH", "")] if p])
        try:
            subprocess.run(command + [f"{n}.py" for n in names], cwd=folder, env=env, capture_output=True,
                           timeout=TOTAL_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return [False] * len(sources)
        return _outcomes(report, names)


def _outcomes(report: Path, names: list[str]) -> list[bool]:
    if not report.is_file():
        return [False] * len(names)
    passed = {name: None for name in names}
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")[-1]
        if module not in passed:
            continue
        ok = not any(child.tag in {"failure", "error", "skipped"} for child in case)
        passed[module] = ok if passed[module] is None else passed[module] and ok
    return [bool(passed[name]) for name in names]
