import pytest

from cookbook.config import RunConfig, load_config, parse_overrides
from cookbook.errors import ConfigError
from cookbook.paths import repo_root

TELECOM = repo_root() / "domains" / "telecom" / "configs"


def test_default_config_loads_with_types():
    cfg = load_config(TELECOM / "default.yaml")
    assert isinstance(cfg, RunConfig)
    assert cfg.model.source == "qwen2.5-coder-0.5b-instruct"
    assert isinstance(cfg.train.lr, float) and cfg.train.max_steps > 0


def test_tiny_inherits_default_and_overrides():
    cfg = load_config(TELECOM / "tiny.yaml")
    assert cfg.model.source == "tiny-gemma3"
    assert cfg.data.train_file == "domains/telecom/data/train.jsonl"  # from default.yaml through `base:`


def test_dotted_overrides_apply_with_yaml_types():
    cfg = load_config(TELECOM / "tiny.yaml", ["train.max_steps=3", "train.lr=1e-4", "peft.target_modules=q_proj,v_proj",
                                              "train.group_by_length=false"])
    assert cfg.train.max_steps == 3 and cfg.train.lr == pytest.approx(1e-4)
    assert cfg.peft.target_modules == ["q_proj", "v_proj"]
    assert cfg.train.group_by_length is False


def test_unknown_key_names_key_and_valid_keys():
    with pytest.raises(ConfigError) as err:
        load_config(TELECOM / "tiny.yaml", ["train.max_stepz=3"])
    msg = str(err.value)
    assert "train.max_stepz" in msg and "train.max_steps" in msg


def test_bad_choice_lists_allowed_values():
    with pytest.raises(ConfigError, match=r"train.loss: 'fused' is not allowed; valid: chunked, standard"):
        load_config(TELECOM / "tiny.yaml", ["train.loss=fused"])


def test_bad_type_is_named():
    with pytest.raises(ConfigError, match=r"train.batch_size: expected an integer"):
        load_config(TELECOM / "tiny.yaml", ["train.batch_size=many"])


def test_override_syntax_error():
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_overrides(["train.max_steps"])
