"""How `make lm-eval` calls lm-eval: model_args for `hf` and `local-chat-completions`, the judge server's state
file, which model name each server gets, decoding settings, the telecom task's functions."""

import json
import shlex
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from cookbook.config import EvalConfig
from cookbook.errors import CookbookError
from judges import lm_eval_backends as backends
from judges.lm_eval_run import cli_command, main, plan_system

BASE = "/models/gemma-3-270m-fp32"


def write_state(tmp_path, **fields) -> Path:
    data = {"url": "http://127.0.0.1:8123", "model": BASE, "pid": 4242, "backend": "transformers",
            "lora_modules": {}, **fields}
    path = tmp_path / "state.json"
    path.write_text(json.dumps({k: v for k, v in data.items() if v is not ...}))
    return path


def make_run(tmp_path) -> Path:
    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    return run


def test_state_file_is_read_and_url_normalised(tmp_path):
    state = backends.read_server_state(write_state(tmp_path, url="http://127.0.0.1:8123/v1/"))
    assert state.chat_url == "http://127.0.0.1:8123/v1/chat/completions"
    assert (state.backend, state.pid, state.lora_modules) == ("transformers", 4242, {})
    listed = backends.read_server_state(write_state(tmp_path, backend="vllm", lora_modules=["telecom=/r/adapter"]))
    assert listed.lora_modules == {"telecom": "/r/adapter"} and listed.chat_url.endswith(":8123/v1/chat/completions")


@pytest.mark.parametrize("fields, expected", [
    ({"backend": "tgi"}, "backend: 'tgi' is not one of vllm, transformers"),
    ({"url": ...}, "url: missing"),
    ({"lora_modules": "telecom"}, "lora_modules: expected an object"),
])
def test_bad_state_files_name_the_field(tmp_path, fields, expected):
    path = write_state(tmp_path, **fields)
    with pytest.raises(CookbookError, match=expected) as err:
        backends.read_server_state(path)
    assert str(err.value).startswith(str(path))


def test_missing_state_file_says_how_to_start_the_server(tmp_path):
    with pytest.raises(CookbookError, match="make judge-server"):
        backends.read_server_state(tmp_path / "nope.json")


def test_vllm_serves_the_tuned_system_as_the_runs_lora_module(tmp_path):
    run = make_run(tmp_path)
    other = make_run(tmp_path / "other")
    state = backends.read_server_state(write_state(
        tmp_path, backend="vllm", lora_modules={"other": str(other / "adapter"), "telecom-main": str(run / "adapter")}))
    assert backends.served_model_name(state, "tuned", run, BASE) == "telecom-main"
    assert backends.served_model_name(state, "base", run, BASE) == BASE
    state.lora_modules.pop("telecom-main")
    with pytest.raises(CookbookError, match="no LoRA module for .*restart `make judge-server`"):
        backends.served_model_name(state, "tuned", run, BASE)
    with pytest.raises(CookbookError, match="serves /models/gemma-3-270m-fp32, but .* was trained on /models/phi"):
        backends.served_model_name(state, "base", run, "/models/phi")


def test_transformers_serve_gets_the_merged_folder_for_the_tuned_system(tmp_path):
    run = make_run(tmp_path)
    state = backends.read_server_state(write_state(tmp_path))
    assert backends.served_model_name(state, "tuned", run, BASE) == str((run / "lm_eval" / "merged").resolve())
    assert backends.served_model_name(state, "base", run, BASE) == BASE


def test_hf_model_args_load_the_base_folder_and_the_adapter_with_peft():
    tuned = backends.hf_model_args(BASE, Path("runs/x/adapter"), "cpu", 16)
    assert tuned == (f"pretrained={BASE},peft=runs/x/adapter,tokenizer=runs/x/adapter,dtype=float32,device=cpu,"
                     "batch_size=16")
    assert backends.hf_model_args(BASE, None, "cuda", 8) == f"pretrained={BASE},dtype=auto,device=cuda,batch_size=8"


def test_server_model_args_are_accepted_by_lm_evals_chat_model(tmp_path):
    from lm_eval.api.registry import get_model

    state = backends.read_server_state(write_state(tmp_path))
    args = backends.server_model_args(state, "/runs/x/lm_eval/merged")
    lm = get_model("local-chat-completions").create_from_arg_string(args)  # builds without contacting the server
    assert (lm.model, lm.base_url) == ("/runs/x/lm_eval/merged", "http://127.0.0.1:8123/v1/chat/completions")
    assert lm.tokenizer_backend is None


@pytest.mark.parametrize("engine, expected", [
    ("hf", {"max_gen_toks": 96, "no_repeat_ngram_size": 4, "repetition_penalty": 1.2}),
    ("transformers", {"max_gen_toks": 96, "frequency_penalty": 0.2}),
    ("vllm", {"max_gen_toks": 96, "repetition_penalty": 1.2}),
])
def test_decoding_settings_per_engine(engine, expected):
    assert backends.gen_kwargs_for(engine, 96, 1.2, 4) == expected
    assert backends.gen_kwargs_for(engine, 32, 1.0, 0) == {"max_gen_toks": 32}


def test_plans_and_recorded_commands(tmp_path):
    run = make_run(tmp_path)
    cfg = EvalConfig(max_new_tokens=64, no_repeat_ngram_size=4)
    hf = plan_system("tuned", "hf", run, BASE, cfg, 8, "cpu", None)
    assert hf["model"] == "hf" and f"peft={run / 'adapter'}" in hf["model_args"]
    argv = shlex.split(cli_command(hf["model"], hf["model_args"], "telecom", hf["gen_kwargs"], 20))
    assert argv[:3] == ["lm_eval", "--model", "hf"] and argv[argv.index("--tasks") + 1] == "telecom"
    assert argv[argv.index("--include_path") + 1] == "domains/telecom/lm_eval" and "--apply_chat_template" in argv
    assert argv[argv.index("--gen_kwargs") + 1] == "max_gen_toks=64,no_repeat_ngram_size=4"
    assert argv[argv.index("--limit") + 1] == "20"

    state = backends.read_server_state(write_state(tmp_path, backend="vllm",
                                                   lora_modules={"tel": str(run / "adapter")}))
    served = plan_system("tuned", "server", run, BASE, cfg, 8, "cpu", state)
    assert served["model"] == "local-chat-completions" and served["served_model"] == "tel"
    assert served["model_args"].startswith("model=tel,base_url=http://127.0.0.1:8123/v1/chat/completions")
    assert served["gen_kwargs"] == {"max_gen_toks": 64}


class _Refuse(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802  (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(400)
        self.end_headers()
        self.wfile.write(b'{"detail": "Server is pinned to \'/m/judge\'"}')

    def log_message(self, *args):
        pass


def test_preflight_turns_a_refusal_or_no_server_into_one_line(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        state = backends.read_server_state(write_state(tmp_path, url=f"http://127.0.0.1:{server.server_port}"))
        with pytest.raises(CookbookError, match="refused model '/m/merged' \\(HTTP 400: .*pinned"):
            backends.preflight(state, "/m/merged", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(CookbookError, match="not reachable.*make judge-server"):
        backends.preflight(state, "/m/merged", timeout=10)


def test_task_functions_render_the_training_prompt_and_score_with_the_cookbook_metrics():
    from cookbook.models import load_tokenizer, resolve_model
    from cookbook.models.prompt_format import prompt_format
    from domains.telecom.lm_eval import utils
    from domains.telecom.prompts import SYSTEM

    fmt = prompt_format(load_tokenizer(resolve_model("tiny-gemma3")))

    split = utils.load_test_split()["test"]
    assert len(split) == 100 and {"id", "use_case", "instruction", "response"} <= set(split.column_names)
    doc = split[0]
    # with the chat template, lm-eval's single user turn is exactly what training and `cookbook eval` use
    assert fmt.prompt(utils.doc_to_text(doc)) == fmt.prompt(doc["instruction"], SYSTEM)
    assert utils.process_results(doc, [doc["response"]]) == {"rougeL": 1.0, "token_f1": 1.0}
    scores = utils.process_results(doc, ["An unrelated sentence about cooking pasta."])
    assert scores["rougeL"] < 0.2 and scores["token_f1"] < 0.2


@pytest.mark.parametrize("argv, expected", [
    (["--run", "{tmp}/missing"], "missing: not a finished run directory"),
    (["--run", "{run}", "--systems", "best"], "systems: best; expected some of base, tuned"),
    (["--run", "{run}", "--domain", "cooking"], "no lm-eval task for domain 'cooking'"),
])
def test_bad_input_is_one_line_and_exit_1(tmp_path, capsys, argv, expected):
    run = make_run(tmp_path)
    (run / "adapter" / "adapter_config.json").write_text("{}")
    (run / "metrics.json").write_text(json.dumps({"base_model": "tiny-gemma3"}))
    assert main([a.format(tmp=tmp_path, run=run) for a in argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and expected in err and len(err.splitlines()) == 1
