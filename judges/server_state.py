"""The judge server's state file, and the one place that knows its path and schema. judges.server writes it when
it starts a server and removes it when it stops one; everything that talks to the server (the judge commands,
`make lm-eval LM_EVAL_BACKEND=server`) reads it here, validated, as a `ServerState`.

Path: runs/judge-server/state.json under the working directory, or $JUDGE_SERVER_STATE. Content: one JSON object
with the fields of `ServerState` (url, model and backend required; unknown keys are ignored)."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cookbook.errors import CookbookError
from cookbook.runs import write_json

ENV = "JUDGE_SERVER_STATE"
DEFAULT_STATE = Path("runs") / "judge-server" / "state.json"
BACKENDS = ("vllm", "transformers")
PROMPT_STYLES = ("chat", "completion")


def state_path(path: str | Path | None = None) -> Path:
    """`path` when given, else $JUDGE_SERVER_STATE, else runs/judge-server/state.json."""
    return Path(path) if path else Path(os.environ.get(ENV) or DEFAULT_STATE)


@contextlib.contextmanager
def private_state(folder: Path):
    """Within the block the state file is `folder`/state.json: a server started there (a calibration's, one per
    judge) leaves the user's own judge server and its state file alone."""
    old = os.environ.get(ENV)
    os.environ[ENV] = str(Path(folder) / "state.json")
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = old


@dataclass
class ServerState:
    url: str  # the server's base URL, e.g. http://127.0.0.1:8000/v1 (written with /v1; read with or without it)
    model: str  # the `model` requests name for the judge: vLLM's --served-model-name, or transformers' folder
    backend: str  # "vllm" | "transformers"
    pid: int = 0  # the server's process (leader of its own process group); 0 = not started by judges.server
    model_spec: str = ""  # what was asked for ($JUDGE_MODEL): an offline source name, a folder or a hub id
    model_path: str = ""  # the local folder (or hub id) that spec resolved to, i.e. the weights served
    lora_modules: dict[str, str] = field(default_factory=dict)  # name -> adapter folder (vLLM only)
    continuous_batching: bool = True
    prompt_style: str = "chat"  # how judges.client talks to it: "chat" | "completion" (base-model judges)
    end_token_ids: list[int] | None = None  # completion style on transformers serve: ids that end a verdict
    command: list[str] = field(default_factory=list)  # the server's command line
    log: str = ""  # where its output goes

    def __post_init__(self):
        self.model_spec = self.model_spec or self.model

    @property
    def api_url(self) -> str:
        """The OpenAI API root, always ending in /v1."""
        base = self.url.rstrip("/")
        return base if base.endswith("/v1") else f"{base}/v1"

    @property
    def chat_url(self) -> str:
        return f"{self.api_url}/chat/completions"

    def to_dict(self) -> dict:
        return asdict(self)


def _problem(data: dict) -> tuple[str, str] | None:
    """(field, problem) for the first invalid field, or None."""
    for key in ("url", "model", "backend"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            return key, "missing or not a string"
    if data["backend"] not in BACKENDS:
        return "backend", f"'{data['backend']}' is not one of {', '.join(BACKENDS)}"
    pid = data.get("pid", 0)
    if isinstance(pid, bool) or not isinstance(pid, int | None):
        return "pid", f"expected an integer, got {pid!r}"
    for key in ("model_spec", "model_path", "log"):
        if not isinstance(data.get(key) or "", str):
            return key, f"expected a string, got {type(data[key]).__name__}"
    modules = data.get("lora_modules") or {}
    if not isinstance(modules, dict | list):
        return "lora_modules", "expected an object {name: path} or a list of name=path"
    if isinstance(modules, list) and not all(isinstance(m, str) and "=" in m for m in modules):
        return "lora_modules", "expected a list of name=path strings"
    if not isinstance(data.get("continuous_batching", True), bool):
        return "continuous_batching", f"expected true or false, got {data['continuous_batching']!r}"
    if data.get("prompt_style", "chat") not in PROMPT_STYLES:
        return "prompt_style", f"'{data['prompt_style']}' is not one of {', '.join(PROMPT_STYLES)}"
    ends = data.get("end_token_ids")
    if ends is not None and not (isinstance(ends, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                                                for i in ends)):
        return "end_token_ids", "expected a list of token ids or null"
    command = data.get("command") or []
    if not (isinstance(command, list) and all(isinstance(c, str) for c in command)):
        return "command", "expected a list of strings"
    return None


def _from_dict(data: dict) -> ServerState:
    modules = data.get("lora_modules") or {}
    if isinstance(modules, list):  # also accept vLLM's own "name=path" spelling
        modules = dict(m.split("=", 1) for m in modules)
    return ServerState(
        url=data["url"], model=data["model"], backend=data["backend"], pid=int(data.get("pid") or 0),
        model_spec=data.get("model_spec") or "", model_path=data.get("model_path") or "",
        lora_modules={str(k): str(v) for k, v in modules.items()},
        continuous_batching=data.get("continuous_batching", True), prompt_style=data.get("prompt_style", "chat"),
        end_token_ids=data.get("end_token_ids"), command=list(data.get("command") or []), log=data.get("log") or "")


def load_state(path: str | Path | None = None) -> ServerState | None:
    """The state in the file, or None when there is no file. A file that is not valid JSON or has a bad field is
    a CookbookError `file: field: problem`."""
    path = state_path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CookbookError(f"{path}: not valid JSON ({getattr(exc, 'msg', exc)}); stop the server with "
                            "`make judge-server-stop` (which removes the file) and start it again") from None
    if not isinstance(data, dict):
        raise CookbookError(f"{path}: expected a JSON object, got {type(data).__name__}")
    if problem := _problem(data):
        raise CookbookError(f"{path}: {problem[0]}: {problem[1]}")
    return _from_dict(data)


def read_state(path: str | Path | None = None, hint: str = "") -> ServerState:
    """Like load_state, but a missing file is an error too, saying how to start a server (`hint` is appended)."""
    state = load_state(path)
    if state is None:
        raise CookbookError(f"{state_path(path)}: no judge server state; start one with `make judge-server`{hint}")
    return state


def write_state(state: ServerState, path: str | Path | None = None) -> Path:
    """Atomically (a reader never sees half a file)."""
    path = state_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, state.to_dict())
    return path


def remove_state(path: str | Path | None = None) -> None:
    state_path(path).unlink(missing_ok=True)
