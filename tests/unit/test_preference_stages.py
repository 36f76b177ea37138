"""The preference kind's configuration sections and stage logic, without training: typed dpo / preferences
sections, the mix the clinical recipe makes of them, which stages run, when a finished stage is skipped, and the
one-line refusal of a DPO stage without a finished SFT stage."""

import json

import pytest

from cookbook.config import load_config, save_config
from cookbook.discovery import get_recipe
from cookbook.errors import ConfigError
from cookbook.paths import repo_root
from cookbook.tasks.preference.stages import (
    REFERENCE_FILE,
    adapter_fingerprint,
    finished,
    requested_stages,
    require_sft,
    stage_config,
    trained_stages,
    write_reference,
)

CLINICAL = repo_root() / "domains" / "clinical" / "configs"


def test_dpo_and_preference_sections_load_typed_with_overrides():
    cfg = load_config(CLINICAL / "tiny.yaml", ["preferences.mix.leak=0", "dpo.beta=0.25", "train.stage=dpo"])
    assert cfg.model.source == "tiny-gemma3" and cfg.dpo.max_steps == 2  # tiny over default through `base:`
    assert cfg.preferences.mix == {"omission": 1.0, "invented": 1.0, "leak": 0.0, "verbose": 1.0}
    assert all(isinstance(v, float) for v in cfg.preferences.mix.values())
    assert cfg.dpo.beta == 0.25 and cfg.train.stage == "dpo"


@pytest.mark.parametrize("override, message", [
    ("preferences.mix=3", r"preferences.mix: expected a mapping of str to float"),
    ("preferences.mix.leak=lots", r"preferences.mix.leak: expected a number"),
    ("train.stage=rlhf", r"train.stage: 'rlhf' is not allowed; valid: both, sft, dpo"),
    ("dpo.logprobs=fast", r"dpo.logprobs: 'fast' is not allowed; valid: chunked, standard"),
    ("dpo.betta=1", r"unknown key 'dpo.betta'"),
])
def test_bad_preference_settings_are_named(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(CLINICAL / "tiny.yaml", [override])


def test_clinical_mix_from_config_and_unknown_kind():
    from cookbook.config import PreferenceDataConfig
    from domains.clinical.recipe import preference_config

    # An override merges into the YAML's mapping, as every section does: the kinds it does not name keep theirs.
    cfg = load_config(CLINICAL / "default.yaml", ["preferences.mix={omission: 2, leak: 0}", "preferences.seed=3"])
    pref = preference_config(cfg.preferences)
    assert (pref.omission, pref.invented, pref.leak, pref.verbose, pref.seed) == (2.0, 1.0, 0.0, 1.0, 3)
    # A mix names the kinds it wants; the others get none.
    pref = preference_config(PreferenceDataConfig(mix={"invented": 1.0}, pairs_per_prompt=2))
    assert (pref.omission, pref.invented, pref.leak, pref.verbose) == (0.0, 1.0, 0.0, 0.0)
    assert pref.pairs_per_admission == 2
    with pytest.raises(ConfigError, match=r"preferences.mix.typo: not a kind of rejected summary"):
        preference_config(load_config(CLINICAL / "default.yaml", ["preferences.mix.typo=1"]).preferences)


def test_stage_configs_take_the_dpo_schedule_and_name_their_stage(tmp_path):
    cfg = load_config(CLINICAL / "default.yaml")
    assert requested_stages(cfg) == ["sft", "dpo"]
    sft, dpo = stage_config(cfg, "sft", tmp_path), stage_config(cfg, "dpo", tmp_path)
    assert (sft.train.max_steps, sft.train.lr, sft.train.stage) == (cfg.train.max_steps, cfg.train.lr, "sft")
    assert (dpo.train.max_steps, dpo.train.lr, dpo.train.batch_size) == (cfg.dpo.max_steps, cfg.dpo.lr,
                                                                        cfg.dpo.batch_size)
    assert dpo.train.stage == "dpo" and dpo.data.eval_samples == cfg.dpo.eval_pairs
    assert dpo.output_dir == str(tmp_path / "dpo")
    # Asked for together or one by one, a stage's configuration is the same.
    one = load_config(CLINICAL / "default.yaml", ["train.stage=dpo"])
    assert requested_stages(one) == ["dpo"] and stage_config(one, "dpo", tmp_path) == dpo


def _fake_stage(run_dir, stage_cfg, stage, completed=True):
    """A stage directory as training leaves it: config.yaml, metrics.json, adapter/."""
    folder = run_dir / stage
    (folder / "adapter").mkdir(parents=True)
    (folder / "adapter" / "adapter_config.json").write_text(json.dumps({"stage": stage}))
    (folder / "adapter" / "adapter_model.safetensors").write_bytes(stage.encode() * 10)
    save_config(stage_cfg, folder / "config.yaml")
    (folder / "metrics.json").write_text(json.dumps({"completed": completed, "method": "lora"}))


def test_finished_stage_is_skipped_until_its_config_or_its_sft_adapter_changes(tmp_path):
    cfg = load_config(CLINICAL / "tiny.yaml")
    cfg.domain, cfg.peft.method = "clinical", "lora"
    sft, dpo = stage_config(cfg, "sft", tmp_path), stage_config(cfg, "dpo", tmp_path)
    _fake_stage(tmp_path, sft, "sft")
    assert trained_stages(tmp_path) == ["sft"] and finished(sft, tmp_path, "sft")
    assert not finished(dpo, tmp_path, "dpo")
    _fake_stage(tmp_path, dpo, "dpo")
    assert trained_stages(tmp_path) == ["sft"]  # no reference.json: not known to continue this SFT adapter
    write_reference(tmp_path, tmp_path / "sft" / "adapter", adapter_fingerprint(tmp_path / "sft" / "adapter"))
    assert json.loads((tmp_path / "dpo" / REFERENCE_FILE).read_text())["sft_adapter"] == "sft/adapter"
    assert trained_stages(tmp_path) == ["sft", "dpo"] and finished(dpo, tmp_path, "dpo")
    # What resuming may change (logging, eval settings) keeps a stage finished; what changes the weights does not.
    chatty = load_config(CLINICAL / "tiny.yaml", ["dpo.logging_steps=7", "eval.max_new_tokens=5"])
    chatty.domain, chatty.peft.method = "clinical", "lora"
    assert finished(stage_config(chatty, "dpo", tmp_path), tmp_path, "dpo")
    stronger = load_config(CLINICAL / "tiny.yaml", ["dpo.beta=0.5"])
    stronger.domain, stronger.peft.method = "clinical", "lora"
    assert not finished(stage_config(stronger, "dpo", tmp_path), tmp_path, "dpo")
    assert finished(stage_config(stronger, "sft", tmp_path), tmp_path, "sft")  # the SFT stage never reads dpo.*
    retrain = load_config(CLINICAL / "tiny.yaml", ["train.resume=never"])
    retrain.domain, retrain.peft.method = "clinical", "lora"
    assert not finished(stage_config(retrain, "sft", tmp_path), tmp_path, "sft")
    # A retrained SFT adapter leaves the old DPO stage behind: no longer finished.
    (tmp_path / "sft" / "adapter" / "adapter_model.safetensors").write_bytes(b"retrained")
    assert trained_stages(tmp_path) == ["sft"] and not finished(dpo, tmp_path, "dpo")


def test_interrupted_stage_is_not_finished(tmp_path):
    cfg = load_config(CLINICAL / "tiny.yaml")
    cfg.domain, cfg.peft.method = "clinical", "lora"
    _fake_stage(tmp_path, stage_config(cfg, "sft", tmp_path), "sft", completed=False)
    assert trained_stages(tmp_path) == []
    with pytest.raises(ConfigError) as err:
        require_sft(tmp_path)
    assert err.value.exit_code == 2 and "\n" not in str(err.value) and "STAGE=sft" in str(err.value)


def test_dpo_stage_without_sft_refuses_in_one_line_before_anything(tmp_path):
    from cookbook.tasks.preference.train import train_preference

    recipe = get_recipe("clinical")
    cfg = recipe.load_config("tiny", ["train.stage=dpo", f"output_dir={tmp_path}"])
    with pytest.raises(ConfigError) as err:
        train_preference(cfg, recipe, tmp_path)
    assert err.value.exit_code == 2 and "\n" not in str(err.value)
    assert "no finished SFT stage" in str(err.value)
    assert not (tmp_path / "metrics.json").exists() and not (tmp_path / "dpo").exists()
