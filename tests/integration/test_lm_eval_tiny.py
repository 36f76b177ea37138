"""`make lm-eval` with the hf backend on the tiny run: lm-eval in-process, base and tuned (peft=adapter), two
questions; results JSON and summary land in RUN/lm_eval/."""

import json
import math
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration


def lm_eval_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "judges.lm_eval_run", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def _stops() -> list[str]:
    from cookbook.models import load_tokenizer, resolve_model
    from cookbook.models.prompt_format import prompt_format

    return prompt_format(load_tokenizer(resolve_model("tiny-gemma3"))).stop_strings()


def test_hf_backend_writes_results_and_summary(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run, ignore=shutil.ignore_patterns("checkpoints", "eval", "lm_eval"))
    proc = lm_eval_cli("--domain", "telecom", "--run", str(run), "--backend", "hf", "--limit", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]

    report = json.loads((run / "lm_eval" / "results_hf.json").read_text())
    assert report["backend"] == "hf" and report["limit"] == 2 and set(report["systems"]) == {"base", "tuned"}
    assert report["task"] == "telecom" and report["include_path"] == "domains/telecom/lm_eval"
    stops = _stops()
    for name, system in report["systems"].items():
        assert system["metrics"] == ["rougeL", "token_f1"], name  # read from lm-eval's results for the task
        assert system["gen_kwargs"]["until"] == stops, name  # the model's own stop strings, not the YAML's
        argv = shlex.split(system["command"])
        assert argv[argv.index("--include_path") + 1] == "domains/telecom/lm_eval"
        assert argv[argv.index("--system_instruction") + 1] == report["system_instruction"] != ""
        assert json.loads(argv[argv.index("--gen_kwargs") + 1]) == system["gen_kwargs"]
        overall = system["overall"]
        assert overall["n"] == 2 and len(system["answers"]) == 2, name
        for metric in ("rougeL", "token_f1"):
            assert isinstance(overall[metric], float) and 0.0 <= overall[metric] <= 1.0, (name, metric)
            # the overall score is the mean of the per-answer scores lm-eval logged
            per_answer = [a[metric] for a in system["answers"]]
            assert math.isclose(overall[metric], sum(per_answer) / 2, abs_tol=1e-9)
        assert system["by_group"] == {"network_fundamentals": {**system["by_group"]["network_fundamentals"],
                                                               "n": 2}}
        assert (run / "lm_eval" / "cache" / f"hf_{name}_rank0.db").is_file()
    assert "peft=" in report["systems"]["tuned"]["model_args"]
    assert "peft=" not in report["systems"]["base"]["model_args"]
    assert set(report["delta"]) == {"rougeL", "token_f1"}

    summary = (run / "lm_eval" / "summary.md").read_text()
    assert "| base | 2 |" in summary and "| tuned | 2 |" in summary and "lm_eval --model hf" in summary



def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    import socket
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, "transformers serve exited early"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"transformers serve did not listen on {port} in {timeout} s")


def _serve_available() -> bool:
    from transformers.utils.import_utils import is_serve_available

    return is_serve_available()


@pytest.mark.skipif(not _serve_available(), reason="`transformers serve` needs transformers[serving] installed")
def test_server_backend_against_transformers_serve(tiny_run, tmp_path):
    """The server path for real: a `transformers serve` we start on loopback (not pinned to a model), a state file
    like `make judge-server` writes, the base by its folder and the tuned system as the merged copy."""
    from cookbook.models.resolve import resolve_model

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run, ignore=shutil.ignore_patterns("checkpoints", "eval", "lm_eval"))
    port = _free_port()
    serve = subprocess.Popen([str(Path(sys.executable).with_name("transformers")), "serve", "--host", "127.0.0.1",
                              "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, serve)
        state = tmp_path / "state.json"
        state.write_text(json.dumps({"url": f"http://127.0.0.1:{port}", "model": resolve_model("tiny-gemma3").path,
                                     "pid": serve.pid, "backend": "transformers", "lora_modules": {}}))
        proc = lm_eval_cli("--domain", "telecom", "--run", str(run), "--backend", "server",
                           "--server-state", str(state), "--limit", "2")
        assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    report = json.loads((run / "lm_eval" / "results_server.json").read_text())
    assert report["server"]["engine"] == "transformers"
    assert report["systems"]["tuned"]["served_model"] == str((run / "lm_eval" / "merged").resolve())
    assert (run / "lm_eval" / "merged" / "config.json").is_file()
    for system in report["systems"].values():
        assert system["overall"]["n"] == 2 and system["model"] == "local-chat-completions"
        assert system["gen_kwargs"]["until"] == _stops()  # sent as the request's `stop`
        assert all(isinstance(a["answer"], str) and a["answer"] for a in system["answers"])
    assert "local-chat-completions" in (run / "lm_eval" / "summary.md").read_text()
