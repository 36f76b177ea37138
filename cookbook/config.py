"""Typed run configuration: dataclasses loaded from YAML, with dotted command-line overrides.

The dataclasses are the schema. An unknown key, a value of the wrong type or one outside a field's
`choices` fails with a ConfigError naming the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cookbook.errors import ConfigError


def choice(default, *choices, doc: str = ""):
    return field(default=default, metadata={"choices": choices, "doc": doc})


@dataclass
class ModelConfig:
    # A model source: a name from `cookbook ls` (e.g. gemma-3-270m, tiny-gemma3), a local HF folder, or a hub id.
    source: str = "gemma-3-270m"


@dataclass
class DataConfig:
    train_file: str = ""
    test_file: str = ""
    max_train_samples: int = 0  # 0 = all
    eval_samples: int = 24  # held-out rows used for eval loss during training
    max_seq_len: int = 256
    corpus_seed: int = 0  # domains with a generated corpus: the seed it is synthesized from
    source_domain: str = ""  # domains built from another domain's data (a judge adapter): that domain's name
    # domains that synthesise their rows (a judge adapter): kind -> units per source row, e.g. {wrong: 0.8, echo: 0.4}
    mix: dict[str, float] = field(default_factory=dict)
    # domains that synthesise their rows from source text: the model that rewrites that text in other words ("" =
    # none; a judge adapter's right answers then copy the reference word for word)
    paraphrase_model: str = ""
    max_audio_s: float = 0.0  # audio-LM kinds: crop each clip to this many seconds (0 = the whole clip)
    # domains that accept a published corpus in place of their own generated one (FLORA, for fashion sketches): its
    # folder as published; "" = the generated corpus
    flora_dir: str = ""


@dataclass
class PeftConfig:
    # `auto` lets the domain recipe pick (telecom: qlora where bitsandbytes runs 4-bit, else lora).
    method: str = "auto"
    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=list)  # empty = the architecture's defaults
    num_virtual_tokens: int = 20  # prompt tuning only
    # s2lora only: weight of the L1 term on the rank coefficients; how it is applied (proximal: a soft threshold of
    # lr * l1_weight after each optimizer step, exact zeros; penalty: added to the loss); the coefficients' own
    # learning rate (0 = train.lr). See cookbook/peft_methods/s2lora/config.py for why proximal.
    l1_weight: float = 1e-3
    s2lora_sparsity: str = choice("proximal", "proximal", "penalty")
    s2lora_coef_lr: float = 0.0
    # nera only: B-spline grid intervals, spline order, span of the grid, knot init, whether knots are trained
    nera_grid_size: int = 5
    nera_spline_order: int = 3
    nera_grid_range: list[float] = field(default_factory=lambda: [-3.0, 3.0])
    nera_knot_init: str = choice("uniform", "uniform", "random")
    nera_learnable_knots: bool = True
    # lokr only: peft's decompose_factor (-1: factors near the square root of each side). On narrow layers the
    # parameter count of the default ignores r (the second factor is kept whole), so matching another method's
    # budget means choosing the factorisation: 2 leaves a large second factor that r then controls.
    lokr_decompose_factor: int = -1
    calibration_batches: int = 8  # methods that calibrate on training data (gift_sw, sct): batches forwarded once
    num_salient: int = 128  # gift_sw: salient input columns tuned per layer (the paper's 128)
    noise_scale: float = 1.0  # gift_sw: noise std on frozen columns, in units of 4-bit quantisation noise std
    channel_fraction: float = 0.125  # sct: fraction of each layer's output channels tuned (the paper's 1/8)
    target_sparsity: float = 0.3  # apt: fraction of attention heads and of FFN neurons pruned by the schedule
    # conv_adapter / transformer_adapter only: size preset (by parameter count), the decoder layers they follow
    # (empty = every layer) and the convolution's kernel
    adapter_size: str = choice("medium", "small", "medium", "large")
    adapter_layers: list[int] = field(default_factory=list)
    adapter_kernel: int = 5


@dataclass
class TrainConfig:
    max_steps: int = 100
    batch_size: int = 8
    grad_accum: int = 1
    lr: float = 2e-4
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    save_steps: int = 25
    eval_steps: int = 50
    logging_steps: int = 5
    seed: int = 42
    # chunked: loss on completion tokens only, logits computed in chunks and never for the whole batch.
    # standard: the library's forward (full logits), as a plain TRL script does.
    loss: str = choice("chunked", "chunked", "standard")
    loss_chunk_size: int = 256  # rows per output-layer chunk (`python -m cookbook.bench_flops chunks` times them)
    # With a frozen output layer (every adapter method), compute the loss's or log-probabilities' hidden-state
    # gradient in the forward, one pass per chunk (cookbook/tasks/text/fused_head.py); false: recompute in backward.
    fused_head: bool = True
    # > 0: the fused head takes the vocabulary this many output rows at a time with an online softmax (exact, one
    # pass over the weights, no rows x vocab buffer; 1.4-1.5x faster than whole rows on Gemma 3's and Qwen2.5's heads,
    # reports/bench/head*.json from `python -m cookbook.bench_head`); 0: whole rows of loss_chunk_size
    loss_vocab_block: int = 8192
    # peft LoRA layers compute the adapter term with the scaling folded into addmm (cookbook/tasks/text/lean_lora.py;
    # same parameters and adapter files); false: peft's own forward.
    lean_lora: bool = True
    # Pack each batch into one row without padding (TRL's padding-free collator, per-sequence causal attention:
    # cookbook/tasks/text/packed_attention.py). Off by default: not yet measured faster here.
    padding_free: bool = False
    group_by_length: bool = True
    gradient_checkpointing: bool = False
    cfg_dropout: float = 0.1  # audio-LM kinds: probability a row trains without its text (classifier-free guidance)
    resume: str = choice("auto", "auto", "always", "never")
    # Kinds that train in stages (preference: SFT, then DPO from the SFT adapter): which to run. `both` runs every
    # stage not yet finished; a single-stage kind (text, asr) has one stage and ignores this.
    stage: str = choice("both", "both", "sft", "dpo")


@dataclass
class DpoConfig:
    """The DPO stage of the `preference` kind, which continues the SFT stage's adapter; `train:` is the SFT stage's
    schedule, and these keys take the place of its namesakes for the DPO stage (seed, loss_chunk_size and
    gradient_checkpointing are shared)."""

    beta: float = 0.1  # strength of the pull towards the reference (the SFT policy); TRL's default
    max_steps: int = 50
    batch_size: int = 4  # preference pairs per step per process (each a chosen and a rejected sequence)
    grad_accum: int = 1
    lr: float = 5e-5
    warmup_ratio: float = 0.1
    save_steps: int = 25
    eval_steps: int = 50
    logging_steps: int = 5
    eval_pairs: int = 16  # held-out pairs for the DPO eval loss and reward accuracy (0 = none)
    # chunked: log-probabilities of completion tokens only, output layer in row chunks of train.loss_chunk_size.
    # standard: TRL's fused head (every position of the batch, prompt and padding included), as a plain script has.
    logprobs: str = choice("chunked", "chunked", "standard")
    # true: each training step runs its sequences one at a time, each cut to its own length, with TRL's loss
    # (cookbook/tasks/preference/per_sequence.py); false: TRL's batched step (all 2 x batch_size rows padded together)
    per_sequence: bool = True


@dataclass
class DiffusionConfig:
    """Text-to-image training (the `diffusion` kind): the noise-prediction loss and the sample grids."""

    resolution: int = 0  # image side in pixels; 0 = the pipeline's own (its VAE's sample_size)
    min_snr_gamma: float = 0.0  # min-SNR loss weighting (Hang et al. 2023; 5.0 is theirs); 0 = plain MSE
    caption_dropout: float = 0.1  # share of captions replaced by "" while training (for classifier-free guidance)
    sample_every: int = 0  # save a sample grid every N optimizer steps (RUN/samples/); 0 = only at the end
    sample_prompts: int = 4  # prompts in a grid (the first test rows)
    inference_steps: int = 20  # DDIM steps per image
    guidance_scale: float = 3.0  # classifier-free guidance; 1.0 = none
    sample_seed: int = 0


@dataclass
class PreferenceDataConfig:
    """Which preference pairs the DPO stage trains on. The domain names the kinds of rejected answer it can make
    (and refuses others); {} = its own default mix."""

    mix: dict[str, float] = field(default_factory=dict)  # rejected kind -> weight, e.g. {omission: 1, leak: 0.5}
    pairs_per_prompt: int = 1
    seed: int = 0


@dataclass
class EvalConfig:
    max_samples: int = 0  # 0 = the whole test split
    max_new_tokens: int = 96
    batch_size: int = 16
    # Applied identically to base and tuned models: a small model decoding greedily loops otherwise.
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    # Kinds that score several samples per prompt (pass@k): how many, and how they are drawn. 1 = one greedy answer.
    samples: int = 1
    temperature: float = 0.8
    top_p: float = 0.95
    shots: int = 3  # in-context examples of the few-shot baseline (`cookbook compare`, recipes with few_shot_splits)


@dataclass
class RunConfig:
    domain: str = ""
    output_dir: str = ""  # empty = runs/<domain>/<timestamp>/
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    peft: PeftConfig = field(default_factory=PeftConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    dpo: DpoConfig = field(default_factory=DpoConfig)
    preferences: PreferenceDataConfig = field(default_factory=PreferenceDataConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)


def _type_name(tp) -> str:
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list of {_type_name(item_tp)}, got {value!r}")
        return [_coerce(v, item_tp, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        key_tp, value_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping of {_type_name(key_tp)} to {_type_name(value_tp)}, "
                              f"got {value!r}")
        return {_coerce(k, key_tp, f"{key}"): _coerce(v, value_tp, f"{key}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else _coerce(value, args[0], key)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads `1e-4` (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
        raise ConfigError(f"{key}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    raise ConfigError(f"{key}: unsupported type {tp}")


def from_dict(cls, data: dict, prefix: str = ""):
    """Build dataclass `cls` from a plain dict, checking keys, types and choices."""
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key '{prefix}{unknown[0]}'; valid keys: {', '.join(prefix + k for k in fields)}")
    kwargs = {}
    for name, value in data.items():
        tp, key = hints[name], prefix + name
        if dataclasses.is_dataclass(tp):
            kwargs[name] = from_dict(tp, value or {}, key + ".")
            continue
        value = _coerce(value, tp, key)
        allowed = fields[name].metadata.get("choices")
        if allowed and value not in allowed:
            raise ConfigError(f"{key}: '{value}' is not allowed; valid: {', '.join(allowed)}")
        kwargs[name] = value
    return cls(**kwargs)


def to_dict(cfg) -> dict:
    return dataclasses.asdict(cfg)


def parse_overrides(items: list[str]) -> dict:
    """['train.lr=1e-4', 'peft.method=lora'] -> nested dict, values parsed as YAML scalars."""
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"override '{item}' must look like section.key=value")
        dotted, raw = item.split("=", 1)
        value = yaml.safe_load(raw) if raw != "" else ""
        node = out
        *parents, last = dotted.strip().split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override '{item}' conflicts with another override")
        node[last] = value
    return out


def deep_merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for k, v in extra.items():
        merged[k] = deep_merge(merged[k], v) if isinstance(v, dict) and isinstance(merged.get(k), dict) else v
    return merged


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    return data


def load_config(path: str | Path, overrides: list[str] | None = None) -> RunConfig:
    """Load a recipe YAML (optionally `base: other.yaml` relative to it) and apply dotted overrides."""
    data = read_yaml(path)
    base = data.pop("base", None)
    if base:
        data = deep_merge(read_yaml(Path(path).parent / base), data)
        data.pop("base", None)
    data = deep_merge(data, parse_overrides(overrides or []))
    try:
        return from_dict(RunConfig, data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def save_config(cfg: RunConfig, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")
