"""How `make lm-eval` calls lm-eval: model_args for `hf` and `local-chat-completions`, the judge server's state
file (judges/server_state.py), which model name each server gets, decoding settings and stops, the recorded command,
metrics read from lm-eval's results, the telecom task's functions and prompt."""

import json
import shlex
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from cookbook.config import EvalConfig
from cookbook.errors import CookbookError
from judges import lm_eval_backends as backends
from judges import server_state
from judges.lm_eval_run import cli_command, main, plan_system

BASE = "/models/gemma-3-270m-fp32"
STOPS = ["<end_of_turn>", "<start_of_turn>"]


def telecom_recipe():
    from cookbook.discovery import get_recipe

    return get_recipe("telecom")


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
    state = server_state.read_state(write_state(tmp_path, url="http://127.0.0.1:8123/v1/"))
    assert state.chat_url == "http://127.0.0.1:8123/v1/chat/completions"
    assert (state.backend, state.pid, state.lora_modules) == ("transformers", 4242, {})
    listed = server_state.read_state(write_state(tmp_path, backend="vllm", lora_modules=["telecom=/r/adapter"]))
    assert listed.lora_modules == {"telecom": "/r/adapter"} and listed.chat_url.endswith(":8123/v1/chat/completions")


@pytest.mark.parametrize("fields, expected", [
    ({"backend": "tgi"}, "backend: 'tgi' is not one of vllm, transformers"),
    ({"url": ...}, "url: missing"),
    ({"lora_modules": "telecom"}, "lora_modules: expected an object"),
])
def test_bad_state_files_name_the_field(tmp_path, fields, expected):
    path = write_state(tmp_path, **fields)
    with pytest.raises(CookbookError, match=expected) as err:
        server_state.read_state(path)
    assert str(err.value).startswith(str(path))


def test_missing_state_file_says_how_to_start_the_server(tmp_path):
    with pytest.raises(CookbookError, match="make judge-server"):
        server_state.read_state(tmp_path / "nope.json")


def test_vllm_serves_the_tuned_system_as_the_runs_lora_module(tmp_path):
    run = make_run(tmp_path)
    other = make_run(tmp_path / "other")
    state = server_state.read_state(write_state(
        tmp_path, backend="vllm", lora_modules={"other": str(other / "adapter"), "telecom-main": str(run / "adapter")}))
    assert backends.served_model_name(state, "tuned", run, BASE) == "telecom-main"
    assert backends.served_model_name(state, "base", run, BASE) == BASE
    state.lora_modules.pop("telecom-main")
    with pytest.raises(CookbookError, match="no LoRA module for .*restart `make judge-server`"):
        backends.served_model_name(state, "tuned", run, BASE)
    with pytest.raises(CookbookError, match="serves /models/gemma-3-270m-fp32, but .* was trained on /models/phi"):
        backends.served_model_name(state, "base", run, "/models/phi")


def test_vllm_started_by_judge_server_is_matched_by_the_weights_it_serves(tmp_path):
    # judges.server.start writes vLLM's served name as `model` and the resolved folder as `model_path`.
    run = make_run(tmp_path)
    state = server_state.read_state(write_state(tmp_path, backend="vllm", model="gemma-3-270m", model_path=BASE,
                                                lora_modules={"run": str(run / "adapter")}))
    assert backends.served_model_name(state, "base", run, BASE) == "gemma-3-270m"
    assert backends.served_model_name(state, "tuned", run, BASE) == "run"
    with pytest.raises(CookbookError, match=f"serves {BASE}, but"):
        backends.served_model_name(state, "base", run, "/models/phi")


def test_transformers_serve_gets_the_merged_folder_for_the_tuned_system(tmp_path):
    run = make_run(tmp_path)
    state = server_state.read_state(write_state(tmp_path))
    assert backends.served_model_name(state, "tuned", run, BASE) == str((run / "lm_eval" / "merged").resolve())
    assert backends.served_model_name(state, "base", run, BASE) == BASE


def test_hf_model_args_load_the_base_folder_and_the_adapter_with_peft():
    tuned = backends.hf_model_args(BASE, Path("runs/x/adapter"), "cpu", 16)
    assert tuned == (f"pretrained={BASE},peft=runs/x/adapter,tokenizer=runs/x/adapter,dtype=float32,device=cpu,"
                     "batch_size=16")
    assert backends.hf_model_args(BASE, None, "cuda", 8) == f"pretrained={BASE},dtype=auto,device=cuda,batch_size=8"


def test_server_model_args_are_accepted_by_lm_evals_chat_model(tmp_path):
    from lm_eval.api.registry import get_model

    state = server_state.read_state(write_state(tmp_path))
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


def test_plans_and_recorded_commands(tmp_path, monkeypatch):
    run = make_run(tmp_path)
    cfg = EvalConfig(max_new_tokens=64, no_repeat_ngram_size=4)
    recipe = telecom_recipe()
    hf = plan_system("tuned", "hf", run, BASE, cfg, 8, "cpu", None, STOPS)
    assert hf["model"] == "hf" and f"peft={run / 'adapter'}" in hf["model_args"]
    assert hf["gen_kwargs"] == {"max_gen_toks": 64, "no_repeat_ngram_size": 4, "until": STOPS}
    command = cli_command(hf["model"], hf["model_args"], recipe.lm_eval, hf["gen_kwargs"], 20, recipe.system_prompt)
    argv = shlex.split(command)
    assert argv[:3] == ["lm_eval", "--model", "hf"] and argv[argv.index("--tasks") + 1] == "telecom"
    assert argv[argv.index("--include_path") + 1] == "domains/telecom/lm_eval" and "--apply_chat_template" in argv
    assert argv[argv.index("--system_instruction") + 1] == recipe.system_prompt
    assert json.loads(argv[argv.index("--gen_kwargs") + 1]) == hf["gen_kwargs"]
    assert argv[argv.index("--limit") + 1] == "20"
    # batch_size and device move to their own flags (lm-eval's command line always passes both; the model refuses
    # to get one twice)
    assert argv[argv.index("--batch_size") + 1] == "8" and argv[argv.index("--device") + 1] == "cpu"
    assert argv[argv.index("--model_args") + 1] == hf["model_args"].replace(",device=cpu,batch_size=8", "")
    # lm-eval's own command line reads the recorded command back to the same settings.
    from lm_eval._cli import HarnessCLI

    monkeypatch.setattr("sys.argv", argv)
    parsed = HarnessCLI().parse_args()
    assert parsed.gen_kwargs == hf["gen_kwargs"] and parsed.system_instruction == recipe.system_prompt
    assert parsed.include_path == "domains/telecom/lm_eval" and parsed.apply_chat_template
    assert str(parsed.batch_size) == "8" and parsed.device == "cpu"
    assert "batch_size" not in str(parsed.model_args) and "device" not in str(parsed.model_args)

    state = server_state.read_state(write_state(tmp_path, backend="vllm",
                                                   lora_modules={"tel": str(run / "adapter")}))
    served = plan_system("tuned", "server", run, BASE, cfg, 8, "cpu", state, STOPS)
    assert served["model"] == "local-chat-completions" and served["served_model"] == "tel"
    assert served["model_args"].startswith("model=tel,base_url=http://127.0.0.1:8123/v1/chat/completions")
    assert served["gen_kwargs"] == {"max_gen_toks": 64, "until": STOPS}


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
        state = server_state.read_state(write_state(tmp_path, url=f"http://127.0.0.1:{server.server_port}"))
        with pytest.raises(CookbookError, match="refused model '/m/merged' \\(HTTP 400: .*pinned"):
            backends.preflight(state, "/m/merged", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(CookbookError, match="not reachable.*make judge-server"):
        backends.preflight(state, "/m/merged", timeout=10)


def test_task_prompt_through_lm_eval_is_the_training_prompt():
    """lm-eval's prompt (doc_to_text as the user turn, the recipe's system prompt as its system instruction, rendered
    by the tokenizer's chat template with a system message) is PromptFormat.prompt(instruction, system): what
    training and `cookbook eval` use, for any model with a chat template."""
    from lm_eval.tasks import TaskManager

    from cookbook.models import load_tokenizer, resolve_model
    from cookbook.models.prompt_format import prompt_format
    from domains.telecom.lm_eval import utils

    recipe = telecom_recipe()
    tok = load_tokenizer(resolve_model("tiny-gemma3"))
    fmt = prompt_format(tok)

    split = utils.load_test_split()["test"]
    assert len(split) == 100 and {"id", "use_case", "instruction", "response"} <= set(split.column_names)
    doc = split[0]
    assert utils.doc_to_text(doc) == doc["instruction"].strip()  # the bare instruction, no system line folded in
    expected = fmt.prompt(doc["instruction"], recipe.system_prompt)

    messages = [{"role": "system", "content": recipe.system_prompt.strip()},
                {"role": "user", "content": utils.doc_to_text(doc)}]
    rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert rendered.removeprefix(tok.bos_token or "") == expected

    # The same through lm-eval's own prompt builder, as simple_evaluate(system_instruction=..., apply_chat_template)
    # calls it (the hf model's chat_template is the tokenizer's apply_chat_template).
    manager = TaskManager(include_path=str(recipe.lm_eval.folder), include_defaults=False)
    task = manager.load([recipe.lm_eval.name])["tasks"][recipe.lm_eval.name]
    seen = []

    def chat_template(chat, add_generation_prompt=True):
        seen.append(chat)
        return tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=add_generation_prompt)

    context = task.fewshot_context(doc=task.test_docs()[0], num_fewshot=0,
                                   system_instruction=recipe.system_prompt.strip(), apply_chat_template=True,
                                   chat_template=chat_template)
    assert seen == [messages] and context.removeprefix(tok.bos_token or "") == expected
    # No model's turn markers in the task: stops come from the model (gen_kwargs `until`).
    assert task.config.generation_kwargs["until"] == []


def test_stops_are_the_models_own(tmp_path):
    from cookbook.models import load_tokenizer, resolve_model
    from cookbook.models.prompt_format import prompt_format

    src = resolve_model("tiny-gemma3")
    assert backends.stop_strings(src.path) == prompt_format(load_tokenizer(src)).stop_strings()
    assert backends.stop_strings(src.path)[0] == prompt_format(load_tokenizer(src)).end_of_turn.strip()


def test_task_functions_score_with_the_cookbook_metrics():
    from domains.telecom.lm_eval import utils

    doc = utils.load_test_split()["test"][0]
    assert utils.process_results(doc, [doc["response"]]) == {"rougeL": 1.0, "token_f1": 1.0}
    scores = utils.process_results(doc, ["An unrelated sentence about cooking pasta."])
    assert scores["rougeL"] < 0.2 and scores["token_f1"] < 0.2


def _fake_results(task: str) -> dict:
    docs = [{"id": "a", "use_case": "wifi"}, {"id": "b", "use_case": "qos"}, {"id": "c", "use_case": "wifi"}]
    scores = [(1.0, 0.5), (0.0, 0.25), (0.5, 1.0)]
    return {"results": {task: {"alias": task, "exact,none": 0.5, "exact_stderr,none": 0.1, "f1,none": 0.58,
                               "f1_stderr,none": "N/A"}},
            "samples": {task: [{"doc_id": i, "doc": d, "filter": "none", "filtered_resps": [f"answer {i}"],
                                "exact": e, "f1": f} for i, (d, (e, f)) in enumerate(zip(docs, scores, strict=True))]}}


def test_metrics_and_groups_come_from_lm_evals_results_and_the_recipe(tmp_path):
    from cookbook.recipe import LmEvalTask
    from judges.lm_eval_run import summarize_samples, task_metrics
    from judges.lm_eval_summary import write_summary

    task = LmEvalTask(folder=tmp_path, name="quiz", group_field="use_case", group_label="topic")
    results = _fake_results("quiz")
    assert task_metrics(results["results"]["quiz"]) == ("none", ["exact", "f1"])
    metrics, overall, by_group, rows = summarize_samples(task, results)
    assert metrics == ["exact", "f1"]
    assert overall == {"exact": 0.5, "f1": 0.58, "exact_stderr": 0.1, "f1_stderr": None, "n": 3}
    assert by_group == {"qos": {"exact": 0.0, "f1": 0.25, "n": 1}, "wifi": {"exact": 0.75, "f1": 0.75, "n": 2}}
    assert rows[1] == {"id": "b", "group": "qos", "answer": "answer 1", "exact": 0.0, "f1": 0.25}

    system = {"metrics": metrics, "overall": overall, "by_group": by_group, "gen_kwargs": {"until": STOPS},
              "command": "lm_eval ...", "runtime_s": 1.0}
    report = {"domain": "quiz", "task": "quiz", "include_path": "domains/quiz/lm_eval", "group_label": "topic",
              "system_instruction": "Be brief.", "backend": "hf", "device": "cpu", "limit": None,
              "systems": {"base": system, "tuned": system}, "delta": {"exact": 0.0, "f1": 0.0}}
    (tmp_path / "results_hf.json").write_text(json.dumps(report))
    md = write_summary(tmp_path).read_text()
    assert "| system | n | exact | f1 | time (s) |" in md and "| base | 3 | 0.5000 ± 0.1000 | 0.5800 | 1.0 |" in md
    assert "| tuned − base | | +0.0000 | +0.0000 | |" in md
    assert "| topic | base exact | base f1 | tuned exact | tuned f1 |" in md and "| wifi | 0.7500 |" in md
    assert "rougeL" not in md and "use-case" not in md and '"Be brief."' in md


@pytest.mark.parametrize("argv, expected", [
    (["--domain", "telecom", "--run", "{tmp}/missing"], "missing: not a finished run directory"),
    (["--domain", "telecom", "--run", "{run}", "--systems", "best"], "systems: best; expected some of base, tuned"),
    (["--run", "{run}", "--domain", "cooking"], "no lm-eval task for domain 'cooking'"),
])
def test_bad_input_is_one_line_and_exit_1(tmp_path, capsys, argv, expected):
    run = make_run(tmp_path)
    (run / "adapter" / "adapter_config.json").write_text("{}")
    (run / "metrics.json").write_text(json.dumps({"base_model": "tiny-gemma3"}))
    assert main([a.format(tmp=tmp_path, run=run) for a in argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and expected in err and len(err.splitlines()) == 1


def test_domain_is_required(tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        main(["--run", str(tmp_path)])
    assert err.value.code == 2 and "--domain" in capsys.readouterr().err
