"""Bad input found by trying, through the CLI: a one-row file whose instruction is 2 MB trains (the prompt keeps its
end, one summary line) instead of crashing with IndexError; a row whose answer cannot fit is refused with
`file:line: field: ...` (exit 2); a data set that selection leaves empty stops with one line (exit 2)."""

import json
import textwrap

import pytest

from tests.conftest import read_metrics, run_cli
from tests.integration.test_run_safety import error_line

pytestmark = pytest.mark.integration
QUESTION = "Which protocol exchanges reachability information between autonomous systems?"


def write_rows(path, *rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def row(instruction: str, response: str, id_: str = "big-1") -> dict:
    return {"id": id_, "use_case": "ip_routing", "instruction": instruction, "response": response}


def test_a_2mb_instruction_is_cut_to_its_end_and_trains(tmp_path):
    data = write_rows(tmp_path / "train.jsonl", row("Background on routing. " * 90_000 + QUESTION, "BGP."))
    assert data.stat().st_size > 2_000_000
    proc = run_cli("train", "telecom", "--config", "tiny", f"output_dir={tmp_path / 'run'}",
                   f"data.train_file={data}", "train.max_steps=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if "data: train:" in line]
    assert len(lines) == 1 and "1 of 1 rows are longer than data.max_seq_len=128 tokens" in lines[0]
    assert "kept its end" in lines[0] and f"{data}:1" in lines[0]
    assert read_metrics(tmp_path / "run")["completed"] is True


def test_an_answer_that_cannot_fit_is_refused_with_its_line(tmp_path):
    data = write_rows(tmp_path / "train.jsonl", row("What is a gNB?", "A 5G base station.", "ok-1"),
                      row("Background on routing. " * 90_000, "A very long answer. " * 300))
    proc = run_cli("train", "telecom", "--config", "tiny", f"output_dir={tmp_path / 'run'}",
                   f"data.train_file={data}")
    assert proc.returncode == 2
    assert error_line(proc.stderr).startswith(f"{data}:2: response: longer than data.max_seq_len=128 tokens")
    assert not (tmp_path / "run" / "metrics.json").exists()  # stopped before the model loaded


def test_a_data_set_left_empty_by_selection_stops_with_one_line(tmp_path):
    """A domain whose own filters select nothing for training (an outside domain, $COOKBOOK_DOMAINS_PATH)."""
    domain = tmp_path / "domains" / "emptied"
    (domain / "configs").mkdir(parents=True)
    (domain / "recipe.py").write_text(textwrap.dedent('''
        from pathlib import Path

        from cookbook.recipe import Recipe
        from cookbook.tasks.text.examples import TextExample


        def load_examples(cfg, split):
            rows = [TextExample(id="a", prompt="What is a gNB?", reference="A 5G base station.", group="ran")]
            return [r for r in rows if r.group == "core"] if split == "train" else rows  # filters leave nothing


        RECIPE = Recipe(name="emptied", description="selects no training rows", task="text",
                        config_dir=Path(__file__).parent / "configs", load_examples=load_examples,
                        score=lambda predictions, examples: {"overall": {}, "by_group": {}, "per_example": []})
    '''))
    (domain / "configs" / "tiny.yaml").write_text("model:\n  source: tiny-gemma3\npeft:\n  method: lora\n")
    proc = run_cli("train", "emptied", "--config", "tiny", f"output_dir={tmp_path / 'run'}",
                   env={"COOKBOOK_DOMAINS_PATH": str(tmp_path / "domains")})
    assert proc.returncode == 2
    assert "no training examples left after the domain's selection" in error_line(proc.stderr)
    assert not (tmp_path / "run" / "metrics.json").exists()
