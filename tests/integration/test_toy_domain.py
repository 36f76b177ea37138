"""A domain is one folder: a toy domain written into a temporary folder on the domain search path is listed,
trains its tiny config, is evaluated with its own metric key, and is graded by the judge pipeline (against a
scripted OpenAI-compatible server) without any file of the repository being touched."""

import json
import subprocess
import textwrap

import pytest
from fastapi import FastAPI

from tests.conftest import REPO, run_cli
from tests.scripted_server import serve_in_thread

pytestmark = pytest.mark.integration

RECIPE = '''
"""Toy domain for the core's discovery test: capitals of a few made-up countries."""
from pathlib import Path

from cookbook.data import load_jsonl
from cookbook.recipe import JudgeAssets, Recipe
from cookbook.tasks.text.examples import TextExample

HERE = Path(__file__).parent


def load_examples(data_cfg, split):
    rows = load_jsonl(HERE / "data" / f"{split}.jsonl", {"id": str, "q": str, "a": str, "kind": str})
    return [TextExample(r["id"], r["q"], r["a"], r["kind"]) for r in rows]


def score(predictions, examples):
    per = [{"capital_hit": float(e.reference.lower() in p.lower()), "words": float(len(p.split()))}
           for p, e in zip(predictions, examples, strict=True)]
    def mean(rows, k):
        return sum(r[k] for r in rows) / len(rows) if rows else 0.0
    groups = sorted({e.group for e in examples})
    return {"overall": {"capital_hit": mean(per, "capital_hit"), "words": mean(per, "words"), "n": len(per)},
            "by_group": {g: {"capital_hit": mean([r for r, e in zip(per, examples) if e.group == g], "capital_hit"),
                             "words": mean([r for r, e in zip(per, examples) if e.group == g], "words"),
                             "n": sum(e.group == g for e in examples)} for g in groups},
            "per_example": per}


RECIPE = Recipe(name="toyland", description="toy capitals quiz (test only)", task="text",
                config_dir=HERE / "configs", load_examples=load_examples, score=score,
                primary_metric="capital_hit", system_prompt="Answer with the capital only.",
                judge=JudgeAssets(subject="answers about toy capitals", group_label="region"))
'''

TINY = '''
model:
  source: tiny-gemma3
data:
  eval_samples: 2
  max_seq_len: 64
peft:
  method: lora
  r: 2
  alpha: 4
train:
  max_steps: 2
  batch_size: 2
  save_steps: 1
  eval_steps: 2
  logging_steps: 1
eval:
  max_new_tokens: 6
  batch_size: 4
'''


def write_toy_domain(root):
    folder = root / "toyland"
    (folder / "configs").mkdir(parents=True)
    (folder / "data").mkdir()
    (folder / "recipe.py").write_text(textwrap.dedent(RECIPE))
    (folder / "configs" / "tiny.yaml").write_text(TINY)
    rows = [{"id": f"t{i}", "q": f"What is the capital of Land{i}?", "a": f"Town{i}", "kind": "north" if i % 2 else
             "south"} for i in range(6)]
    for split, part in (("train", rows[:4]), ("test", rows[4:])):
        (folder / "data" / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))


def repo_state() -> tuple[str, list[str]]:
    """Changed or new files in the repository, and what lies under the (git-ignored) runs/ folder."""
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    return status, sorted(str(p) for p in (REPO / "runs").rglob("*")) if (REPO / "runs").is_dir() else []


@pytest.fixture
def scripted_judge(tmp_path, monkeypatch):
    """A chat judge that gives 4s to answers naming a town and 1s otherwise; pairwise always 'tie'."""
    app = FastAPI()
    seen = []

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    def chat(body: dict):
        system, user = body["messages"][0]["content"], body["messages"][1]["content"]
        seen.append(system)
        if "<candidate_a>" in user:
            verdict = {"winner": "tie", "explanation": "same"}
        else:
            s = 4 if "Town" in user.split("<candidate>")[-1] else 1
            verdict = {"correctness": s, "completeness": s, "instruction_following": s, "explanation": "x"}
        return {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": json.dumps(verdict)}}]}

    with serve_in_thread(app) as port:
        state = tmp_path / "judge-state.json"
        state.write_text(json.dumps({"url": f"http://127.0.0.1:{port}/v1", "model": "scripted",
                                     "model_spec": "scripted", "pid": -1, "backend": "transformers",
                                     "lora_modules": {}, "prompt_style": "chat"}))
        monkeypatch.setenv("JUDGE_SERVER_STATE", str(state))
        yield seen


def test_toy_domain_folder_is_discovered_trained_evaluated_and_judged(tmp_path, monkeypatch, scripted_judge):
    before = repo_state()
    domains = tmp_path / "my_domains"
    write_toy_domain(domains)
    monkeypatch.setenv("COOKBOOK_DOMAINS_PATH", str(domains))
    env = {"COOKBOOK_DOMAINS_PATH": str(domains)}

    listed = run_cli("ls", env=env)
    assert listed.returncode == 0, listed.stderr[-2000:]
    line = next(ln for ln in listed.stdout.splitlines() if "toyland" in ln)
    assert "[text]" in line and "toy capitals quiz" in line

    run = tmp_path / "run"
    trained = run_cli("train", "toyland", "--config", "tiny", f"output_dir={run}", env=env)
    assert trained.returncode == 0, trained.stderr[-3000:]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["completed"] is True and metrics["domain"] == "toyland" and metrics["steps"] == 2

    evaluated = run_cli("eval", "toyland", "--run", str(run), env=env)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    report = json.loads((run / "eval" / "report.json").read_text())
    assert report["metrics"] == ["capital_hit", "words"] and report["primary_metric"] == "capital_hit"
    assert set(report["systems"]["tuned"]["by_group"]) == {"north", "south"}
    assert "capital_hit" in (run / "eval" / "report.md").read_text()
    assert (run / "eval" / "capital_hit_by_group.png").stat().st_size > 1000

    from judges.cli import main as judge_main

    assert judge_main(["judge", "--domain", "toyland", "--run", str(run)]) == 0
    judged = json.loads((run / "judge" / "report.json").read_text())["judged_eval"]
    assert judged["n_questions"] == 2 and judged["pairwise"]["win_tie_loss"]["tie"] == 2
    assert all("answers about toy capitals" in system for system in scripted_judge)

    assert repo_state() == before, "the toy domain run wrote into the repository"
