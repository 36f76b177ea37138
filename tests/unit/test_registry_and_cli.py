import re

import pytest

from cookbook.discovery import load_domains
from cookbook.errors import ConfigError
from cookbook.models import MODEL_SOURCES
from cookbook.peft_methods import PEFT_METHODS
from cookbook.registry import Registry
from tests.conftest import run_cli


def test_registry_lists_and_rejects_unknown():
    reg = Registry("thing")
    reg.register("b")(2)
    reg.register("a")(1)
    assert reg.names() == ["a", "b"] and reg.get("a") == 1
    with pytest.raises(ConfigError, match="unknown thing 'c'; valid: a, b"):
        reg.get("c")
    with pytest.raises(ValueError):
        reg.register("a")(3)


def test_builtin_registries():
    assert {"lora", "qlora", "dora", "ia3", "prompt_tuning", "adalora"} <= set(PEFT_METHODS.names())
    assert {"gemma-3-270m", "tiny-gemma3"} <= set(MODEL_SOURCES.names())
    assert "telecom" in load_domains().names()


def test_cookbook_ls_lists_everything():
    proc = run_cli("ls")
    assert proc.returncode == 0, proc.stderr
    for name in ("telecom", "qlora", "prompt_tuning", "gemma-3-270m", "tiny-gemma3"):
        assert name in proc.stdout


def test_cookbook_ls_shows_each_method_with_the_task_kinds_it_trains_in_and_its_paper():
    from cookbook.tasks import get_task, load_tasks

    out = run_cli("ls").stdout
    section = out[out.index("methods ["):out.index("model sources")].splitlines()[1:]
    lines = {line.split()[0]: line for line in section}
    assert set(lines) == set(PEFT_METHODS.names())
    for name, line in lines.items():
        method = PEFT_METHODS.get(name)
        shown = re.search(r"\[([^\]]*)\]", line).group(1).split(", ")
        # the same rule training and `compare` apply: a kind that trains as another takes that kind's methods
        assert set(shown) == {k for k in load_tasks().names() if method.supports(get_task(k).method_kind)}, name
        assert re.search(r"\((?:[^()]*, )?[A-Z][\w-]+(?: [\w-]+)* et al\. (?:19|20)\d\d, arXiv:\d{4}\.\d{4,5}\)",
                         line), f"{name}: no paper (authors, year, arXiv id) in its description"
    assert "program" in lines["lora"] and "preference" in lines["gift_sw"] and "text" not in lines["bitfit"]


def test_unknown_domain_lists_valid_names():
    proc = run_cli("train", "astrology", "--config", "tiny")
    assert proc.returncode == 2
    assert "unknown domain 'astrology'; valid: " in proc.stderr and "telecom" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_method_lists_valid_names(tmp_path):
    proc = run_cli("train", "telecom", "--config", "tiny", "peft.method=magic", f"output_dir={tmp_path / 'r'}")
    assert proc.returncode == 2
    assert "'magic'" in proc.stderr and "lora" in proc.stderr and "Traceback" not in proc.stderr
