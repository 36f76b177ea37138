"""The offline base `musicgen-corpus-base`: a small MusicGen pretrained by the cookbook on the base split of the
modal corpus (no MusicGen, EnCodec or audio-embedding weights ship offline). Built once into the cache, in three
resumable stages (checkpoints in the build's scratch folder; a killed build picks up where it stopped):

  1. a word-level tokenizer trained on the corpus' descriptions (all splits: the held-out modes' names are words
     of the vocabulary, their audio is never seen);
  2. the EnCodec codec (16 kHz, hop 320 = 50 frames/s, 4 codebooks of 256) trained to reconstruct base-split clips
     (cookbook/tasks/audio_lm/codec_train.py);
  3. the T5 text encoder and the MusicGen decoder trained together on the base split's (description, codes) pairs
     with the codec frozen (cookbook/tasks/audio_lm/pretrain.py).

Its record (plan, losses, seconds, codec reconstruction and sample scores) is pretrain.json inside the cached
folder; every run card on it says what it is. `python -m domains.music.base_model` builds it (or, with --out and
smaller settings, a check-sized one into a folder of your choice)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from cookbook.models.sources import MODEL_SOURCES, OfflineSource, register
from cookbook.models.tiny_musicgen import MusicgenSize, musicgen_config, save_musicgen, train_word_tokenizer
from cookbook.paths import cached_build
from cookbook.tasks.audio_lm.codec_train import CodecPlan
from cookbook.tasks.audio_lm.pretrain import LmPlan
from domains.music import data

NAME = "musicgen-corpus-base"
SIZE = MusicgenSize(sampling_rate=16000, upsampling_ratios=(8, 5, 4, 2), codebook_size=256, num_codebooks=4,
                    codec_filters=8, codec_hidden=64, text_hidden=128, text_layers=2, decoder_hidden=256,
                    decoder_layers=4, decoder_heads=4, max_positions=512)


@dataclass
class PretrainPlan:
    codec: CodecPlan = field(default_factory=lambda: CodecPlan(steps=500, batch_size=8, crop_s=1.0))
    lm: LmPlan = field(default_factory=lambda: LmPlan(steps=500, batch_size=8, lr=1e-3))
    vocab_size: int = 256
    corpus_seed: int = 0
    seed: int = 0
    samples: int = 5  # clips generated at the end (one per base mode) and scored: the record's sample check


# Sized for 20-40 minutes of a 2-core CPU at full speed. Codec: measured 3.69 CPU s a step (8 x 1 s crops at 16 kHz,
# 8 filters; a first build at load 9-17), so ~1.9 s a step on two idle cores: 500 steps ~ 16 min. Decoder + text
# encoder: not measured yet; by FLOP count ~4.7M weights x 8 clips x 203 positions x 6 = ~46 GFLOP a step, ~2 s a
# step at 25 GFLOP/s: 500 steps ~ 17 min. The step log prints wall and CPU s/step: check it on an idle machine.
PLAN = PretrainPlan()
FOLDER = f"{NAME}-v1-codec{PLAN.codec.steps}-lm{PLAN.lm.steps}"


def _log(message: str) -> None:
    print(f"[{NAME}] {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def _clips(corpus: Path, rows: list[dict], rate: int):
    import torch

    from cookbook.tasks.audio_lm.audio import load_clip

    return torch.stack([torch.from_numpy(load_clip(corpus / r["audio"], rate)) for r in rows])


def _codec_check(model, corpus: Path, rows: list[dict], rate: int) -> dict:
    """How well the trained codec keeps a clip's pitch content: PCP distance to the mode of originals vs
    reconstructions, and the multi-resolution STFT loss of the reconstructions."""
    import numpy as np
    import torch

    from cookbook.tasks.audio_lm.codec_train import reconstruct, stft_loss
    from domains.music.metrics import score_clip

    audio = _clips(corpus, rows, rate)
    with torch.no_grad():
        recon = reconstruct(model.audio_encoder, audio)
        loss = float(stft_loss(recon, audio))

    def pcp(clips):
        return round(float(np.mean([score_clip(a.numpy(), rate, r["mode"], r["tonic_hz"])["pcp_distance"]
                                    for a, r in zip(clips, rows, strict=True)])), 4)

    return {"clips": len(rows), "stft_loss": round(loss, 4), "pcp_distance_original": pcp(audio),
            "pcp_distance_reconstructed": pcp(recon)}


def _sample_check(model, tokenizer, rows: list[dict], rate: int, n: int, seed: int) -> dict:
    """Generate one 4-second clip for the first test description of each of `n` modes and score it."""
    import numpy as np
    import torch

    from domains.music.metrics import score_clip

    picked = list({r["mode"]: r for r in reversed(rows)}.values())[:n]
    torch.manual_seed(seed)
    enc = tokenizer([r["text"] for r in picked], return_tensors="pt", padding=True)
    frames = int(round(data.DURATION_S * model.config.audio_encoder.frame_rate))
    t0 = time.time()
    with torch.inference_mode():
        audio = model.generate(**enc, do_sample=True, guidance_scale=3.0,
                               max_new_tokens=frames + model.decoder.num_codebooks - 1)
    scores = [score_clip(a[0].numpy(), rate, r["mode"], r["tonic_hz"], r["tempo_bpm"])
              for a, r in zip(audio, picked, strict=True)]
    return {"clips": len(picked), "generate_s": round(time.time() - t0, 1),
            **{k: round(float(np.mean([s[k] for s in scores])), 4)
               for k in ("pcp_distance", "in_scale", "mode_accuracy", "silent")}}


def pretrain(work: Path, plan: PretrainPlan = PLAN, size: MusicgenSize = SIZE, corpus: Path | None = None) -> dict:
    """Build and pretrain the model into `work` (stage checkpoints in work/stages: rerun to resume); returns the
    record also written to work/pretrain.json."""
    import torch
    from transformers import MusicgenForConditionalGeneration

    from cookbook.tasks.audio_lm.codec_train import train_codec
    from cookbook.tasks.audio_lm.codes import encode_audio
    from cookbook.tasks.audio_lm.pretrain import held_out_loss, pretrain_lm

    t0 = time.time()
    corpus = Path(corpus) if corpus else data.build_corpus(seed=plan.corpus_seed)
    splits = {s: data.load_split(corpus, s) for s in data.SPLITS}
    stages = work / "stages"
    stages.mkdir(parents=True, exist_ok=True)
    tokenizer = train_word_tokenizer([r["text"] for rows in splits.values() for r in rows], work, plan.vocab_size)
    torch.manual_seed(plan.seed)
    model = MusicgenForConditionalGeneration(musicgen_config(size, len(tokenizer)))  # same init on every resume
    rate = size.sampling_rate
    _log(f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters; {len(splits['base_train'])} "
         f"base_train clips; torch threads {torch.get_num_threads()}")
    codec_record = train_codec(model.audio_encoder, _clips(corpus, splits["base_train"], rate), rate, plan.codec,
                               stages / "codec.pt", _log)
    model.audio_encoder.eval()
    codec_record["check_base_test"] = _codec_check(model, corpus, splits["base_test"][:: max(1, len(
        splits["base_test"]) // 10)], rate)
    _log(f"codec done: {codec_record}")

    def items(split):
        audio = _clips(corpus, splits[split], rate)
        codes = torch.cat([encode_audio(model, audio[i:i + 16]) for i in range(0, len(audio), 16)])  # bounded memory
        return [{"text": r["text"], "codes": c} for r, c in zip(splits[split], codes, strict=True)]

    train_items = items("base_train")
    lm_record = pretrain_lm(model, tokenizer, train_items, plan.lm, stages / "lm.pt", _log)
    lm_record["held_out_loss"] = {s: held_out_loss(model, tokenizer, items(s)) for s in ("base_test", "heldout_test")}
    _log(f"lm done: {lm_record}")
    save_musicgen(model, work, size)
    samples = _sample_check(model, tokenizer, splits["base_test"], rate, plan.samples, plan.seed)
    record = {"what": f"{NAME}: a small MusicGen (EnCodec codec, T5 text encoder, decoder) pretrained by the "
                      "cookbook on the base split of the synthesised modal corpus; not facebook/musicgen weights",
              "plan": asdict(plan), "size": asdict(size),
              "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 3),
              "base_train_clips": len(splits["base_train"]), "codec": codec_record, "lm": lm_record,
              "samples_base_test": samples, "total_seconds_this_process": round(time.time() - t0, 1),
              "torch_threads": torch.get_num_threads()}
    (work / "pretrain.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    _log(f"done: {json.dumps(samples)}")
    return record


def ensure() -> Path:
    return cached_build(FOLDER, lambda work: pretrain(work), resume=True)


CARD_NOTE = (f"{NAME} is a small MusicGen (16 kHz EnCodec with 4 codebooks of 256, 2-layer T5 text encoder, 4-layer "
             "decoder of width 256) pretrained by the cookbook on the base split of the synthesised modal corpus "
             "(domains/music/base_model.py; record in its pretrain.json); it is not facebook/musicgen.")
if NAME not in MODEL_SOURCES:
    register(NAME, OfflineSource(kind="audio-lm", instruction_tuned=False, ensure=ensure, card_note=CARD_NOTE,
                                 description="small MusicGen pretrained by the cookbook on the modal corpus' base "
                                             "split (built once, resumable; about half an hour of a 2-core CPU)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"Build {NAME} into the cache, or a smaller one into --out.")
    parser.add_argument("--out", default="", help="build into this folder instead of the cache (resumable too)")
    parser.add_argument("--codec-steps", type=int, default=PLAN.codec.steps)
    parser.add_argument("--lm-steps", type=int, default=PLAN.lm.steps)
    parser.add_argument("--batch-size", type=int, default=PLAN.lm.batch_size)
    args = parser.parse_args(argv)
    if not args.out:
        print(ensure())
        return 0
    plan = replace(PLAN, codec=replace(PLAN.codec, steps=args.codec_steps, batch_size=args.batch_size),
                   lm=replace(PLAN.lm, steps=args.lm_steps, batch_size=args.batch_size))
    print(json.dumps(pretrain(Path(args.out), plan), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
