"""GIFT-SW, SCT and APT through the tiny telecom recipe, as `make finetune DOMAIN=telecom CONFIG=tiny METHOD=...`
runs them: train (with the calibration pass or the pruning schedule), reload the adapter with no data, evaluate;
and a killed GIFT-SW run resumes with the channel choice of its first segment."""

import pytest
import torch
from safetensors.torch import load_file

from cookbook.models import load_model, resolve_model
from cookbook.peft_methods import PEFT_METHODS
from tests.conftest import read_metrics, run_cli

pytestmark = pytest.mark.integration
OVERRIDES = {"gift_sw": ["peft.num_salient=8"], "sct": [], "apt": ["peft.target_sparsity=0.5"]}


def train(out, method, env=None):
    return run_cli("train", "telecom", "--config", "tiny", f"peft.method={method}", *OVERRIDES[method],
                   f"output_dir={out}", env=env)


@pytest.mark.parametrize("method", ["gift_sw", "sct", "apt"])
def test_trains_reloads_and_evaluates(tmp_path, method):
    out = tmp_path / "run"
    proc = train(out, method)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read_metrics(out)
    assert m["completed"] is True and m["method"] == method and 0 < m["trainable_params"] < m["total_params"]
    if method == "apt":
        units = m["apt"]["units"]
        assert units["heads"]["kept"] < units["heads"]["total"] and units["neurons"]["kept"] < units["neurons"]["total"]
    else:
        assert m["calibration"]["batches"] == 8 and m["calibration"]["tokens"] > 0

    adapted = PEFT_METHODS.get(method).load(load_model(resolve_model("tiny-gemma3")), out / "adapter")
    x = torch.tensor([[2, 40, 50, 60, 70, 80]])
    with torch.no_grad():
        tuned = adapted.model(input_ids=x).logits
        with adapted.base_mode():
            base = adapted.model(input_ids=x).logits
    assert not torch.allclose(tuned, base, atol=1e-5), "the reloaded adapter changes the model"

    proc = run_cli("eval", "telecom", "--run", str(out), "eval.max_samples=4", "eval.max_new_tokens=8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "eval" / "report.md").is_file()


def test_killed_gift_sw_run_resumes_with_its_calibrated_columns(tmp_path):
    out = tmp_path / "run"
    first = train(out, "gift_sw", env={"COOKBOOK_FAULT": "3:KILL"})
    assert first.returncode == -9, first.stderr[-2000:]
    second = train(out, "gift_sw")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "calibration:" in first.stderr and "calibration:" not in second.stderr
    checkpoint = load_file(str(out / "checkpoints" / "checkpoint-3" / "adapter_model.safetensors"))
    final = load_file(str(out / "adapter" / "adapter_model.safetensors"))
    index_keys = [k for k in final if "gift_sw_index" in k]
    assert index_keys and all(torch.equal(final[k], checkpoint[k]) for k in index_keys)
    assert any(not torch.equal(final[k], torch.arange(8)) for k in index_keys), "calibrated, not the default"
