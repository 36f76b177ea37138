"""peft's own methods (lora, qlora, dora, ia3, prompt_tuning, adalora) and our S2-LoRA, registered with the
hooks that carry their behaviour (AdaLoRA's budget callback, S2-LoRA's coefficient optimizer group and proximal L1
step, QLoRA's 4-bit base)."""

from __future__ import annotations

from cookbook.config import PeftConfig
from cookbook.peft_methods.method import PEFT_METHODS, PeftMethod, register

# Linear projections per architecture (model_type). "All linear projections" is QLoRA's recipe.
ARCH_TARGETS = {
    "gemma3_text": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "gemma3": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "qwen2": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "phi3": ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"],
    # Whisper: every attention projection and both FFN layers, in encoder and decoder. For S2-LoRA this gives three
    # shape groups (d x d for q/k/v/out_proj, d -> 4d for fc1, 4d -> d for fc2), each with its own shared A/B.
    "whisper": ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"],
    # A diffusers UNet (the diffusion kind passes this model type): its attention projections, self and cross.
    "sd-unet": ["to_q", "to_k", "to_v", "to_out.0"],
    # MusicGen: the decoder's self- and cross-attention projections and FFN (its T5 encoder names them q/k/v/o,
    # wi/wo and EnCodec has none, so these names reach the decoder only).
    "musicgen": ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"],
}
# peft's task type per architecture: Whisper takes `input_features`, which peft's seq2seq wrapper does not know
# about, so it gets the plain PeftModel (task_type None), as in peft's own Whisper examples.
TASK_TYPES = {"whisper": None, "sd-unet": None, "musicgen": None}
IA3_FEEDFORWARD = {"gemma3_text": ["down_proj"], "gemma3": ["down_proj"], "llama": ["down_proj"],
                   "qwen2": ["down_proj"], "phi3": ["down_proj"], "whisper": ["fc2"]}


def target_modules_for(cfg: PeftConfig, model_type: str) -> list[str] | str:
    if cfg.target_modules:
        return list(cfg.target_modules)
    return ARCH_TARGETS.get(model_type, "all-linear")


def task_type_for(model_type: str) -> str | None:
    return TASK_TYPES.get(model_type, "CAUSAL_LM")


def _lora(cfg: PeftConfig, model_type: str, total_steps: int, **extra):
    from peft import LoraConfig

    return LoraConfig(task_type=task_type_for(model_type), r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                      target_modules=target_modules_for(cfg, model_type), **extra)


def _dora(cfg, model_type, total_steps):
    return _lora(cfg, model_type, total_steps, use_dora=True)


def _ia3(cfg, model_type, total_steps):
    from peft import IA3Config

    ff = IA3_FEEDFORWARD.get(model_type, [])
    targets = cfg.target_modules or (["k_proj", "v_proj", *ff] if ff else "all-linear")
    return IA3Config(task_type=task_type_for(model_type), target_modules=targets,
                     feedforward_modules=[m for m in ff if m in targets] if ff else None)


def _prompt_tuning(cfg, model_type, total_steps):
    from peft import PromptTuningConfig

    return PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=cfg.num_virtual_tokens)


def _adalora(cfg, model_type, total_steps):
    from peft import AdaLoraConfig

    # AdaLoRA starts at init_r and prunes to target_r over the middle of training.
    steps = max(total_steps, 10)
    return AdaLoraConfig(task_type=task_type_for(model_type), init_r=cfg.r + 4, target_r=cfg.r, lora_alpha=cfg.alpha,
                         lora_dropout=cfg.dropout, target_modules=target_modules_for(cfg, model_type),
                         total_step=steps, tinit=steps // 10, tfinal=steps // 5)


def _s2lora(cfg, model_type, total_steps):
    from cookbook.peft_methods.s2lora import S2LoraConfig

    return S2LoraConfig(task_type=task_type_for(model_type), r=cfg.r, lora_alpha=cfg.alpha,
                        s2lora_dropout=cfg.dropout, l1_weight=cfg.l1_weight, sparsity=cfg.s2lora_sparsity,
                        coef_lr=cfg.s2lora_coef_lr or None, target_modules=target_modules_for(cfg, model_type))


def _lokr(cfg, model_type, total_steps):
    from peft import LoKrConfig

    return LoKrConfig(task_type=task_type_for(model_type), r=cfg.r, alpha=cfg.alpha, module_dropout=cfg.dropout,
                      decompose_factor=cfg.lokr_decompose_factor, target_modules=target_modules_for(cfg, model_type))


def _loha(cfg, model_type, total_steps):
    from peft import LoHaConfig

    return LoHaConfig(task_type=task_type_for(model_type), r=cfg.r, alpha=cfg.alpha, module_dropout=cfg.dropout,
                      target_modules=target_modules_for(cfg, model_type))


def _nera(cfg, model_type, total_steps):
    from cookbook.peft_methods.nera import NeraConfig

    return NeraConfig(task_type=task_type_for(model_type), r=cfg.r, nera_alpha=cfg.alpha, nera_dropout=cfg.dropout,
                      grid_size=cfg.nera_grid_size, spline_order=cfg.nera_spline_order,
                      grid_range=list(cfg.nera_grid_range), knot_init=cfg.nera_knot_init,
                      learnable_knots=cfg.nera_learnable_knots, target_modules=target_modules_for(cfg, model_type))


def _adalora_callbacks(model) -> list:
    from cookbook.peft_methods.callbacks import AdaLoraBudgetCallback

    return [AdaLoraBudgetCallback(model)]


def _adalora_summary(model) -> dict:
    from cookbook.peft_methods.ranks import adalora_ranks

    return {"rank_distribution": adalora_ranks(model)}


def _s2lora_penalty(model):
    """S2-LoRA's L1 on its rank coefficients in the loss, for sparsity="penalty" (model: the unwrapped PeftModel, not
    a DDP wrapper); "proximal" applies it as a soft threshold after each step instead (_s2lora_callbacks)."""
    if not model.training or model.peft_config[model.active_adapter].sparsity != "penalty":
        return 0.0
    return model.base_model.s2lora_l1_penalty()


def _s2lora_param_groups(model) -> list:
    """The rank coefficients in a group of their own: coef_lr, no weight decay, tagged for the proximal step."""
    return model.base_model.s2lora_param_groups()


def _s2lora_callbacks(model) -> list:
    from cookbook.peft_methods.callbacks import S2LoraProximalCallback

    return [S2LoraProximalCallback(model)]


def _s2lora_summary(model) -> dict:
    from cookbook.peft_methods.ranks import s2lora_ranks

    return {"rank_distribution": s2lora_ranks(model)}


def _bnb_4bit() -> tuple[bool, str]:
    from cookbook.models.resolve import bnb_4bit_available

    return bnb_4bit_available()


TEXT, ASR, DIFFUSION, AUDIO_LM = "text", "asr", "diffusion", "audio_lm"
register(PeftMethod("lora", "LoRA (Hu et al. 2021, arXiv:2106.09685): a trainable low-rank update of each of the "
                    "architecture's linear projections", _lora, (TEXT, ASR, DIFFUSION, AUDIO_LM)))
register(PeftMethod("qlora", "QLoRA (Dettmers et al. 2023, arXiv:2305.14314): LoRA on every linear projection of a "
                    "4-bit NF4 base (double quantization, bitsandbytes)", _lora, (TEXT,), quantize_4bit=True,
                    available=_bnb_4bit))
register(PeftMethod("dora", "DoRA (Liu et al. 2024, arXiv:2402.09353): weight-decomposed LoRA (magnitude + "
                    "direction)", _dora, (TEXT, ASR, DIFFUSION, AUDIO_LM)))
register(PeftMethod("ia3", "(IA)3 (Liu et al. 2022, arXiv:2205.05638): learned rescaling of keys, values and FFN "
                    "inputs", _ia3, (TEXT, ASR)))
register(PeftMethod("prompt_tuning", "prompt tuning (Lester et al. 2021, arXiv:2104.08691): trainable soft-prompt "
                    "embeddings", _prompt_tuning, (TEXT,)))
register(PeftMethod("s2lora", "S2-LoRA (Liu et al. 2023, arXiv:2309.11756): sparsely shared LoRA, A and B shared per "
                    "shape group, a sparse (L1, proximal) rank-coefficient vector per layer", _s2lora, (TEXT, ASR),
                    penalty=_s2lora_penalty, summary=_s2lora_summary, param_groups=_s2lora_param_groups,
                    callbacks=_s2lora_callbacks))
register(PeftMethod("adalora", "AdaLoRA (Zhang et al. 2023, arXiv:2303.10512): LoRA with an SVD-style adaptive rank "
                    "budget", _adalora, (TEXT, ASR), callbacks=_adalora_callbacks, summary=_adalora_summary))

register(PeftMethod("lokr", "LoKr (LyCORIS, Yeh et al. 2023, arXiv:2309.14859): the update as a Kronecker product of "
                    "small factors (peft)", _lokr, (DIFFUSION,)))
register(PeftMethod("loha", "LoHa (FedPara, Hyeon-Woo et al. 2021, arXiv:2108.06098): the update as a Hadamard "
                    "product of two low-rank products (peft)", _loha, (DIFFUSION,)))
register(PeftMethod("nera", "NeRA (Deshmukh et al. 2024, arXiv:2411.13901): a B-spline (KAN) down-projection to rank "
                    "r and a linear read-out; nonlinear, not mergeable", _nera, (DIFFUSION,)))


def build_peft_config(cfg: PeftConfig, method: str, model_type: str, total_steps: int):
    return PEFT_METHODS.get(method).build(cfg, model_type, total_steps)
