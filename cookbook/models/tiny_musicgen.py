"""MusicGen models built from configs: a small T5 text encoder + EnCodec + MusicGen decoder, with a word-level
tokenizer trained locally (no T5 tokenizer ships offline). `tiny-musicgen` is a random one for tests and pipeline
checks; a domain can build a larger one the same way (`build_musicgen`) and pretrain it.

Pitfall (OFFLINE_MODELS.md): EnCodec's codebook count is 1000 * bandwidth // (frame_rate * log2(codebook_size));
an unlucky config gives 0 and MusicGen crashes with an index error, so `musicgen_config` derives the bandwidth from
the codebook count it is asked for and checks the result."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cookbook.paths import cached_build

FOLDER = "tiny-musicgen-v2"  # v2: neutral word list (v1's named its use)
# Neutral words for the tiny random model's tokenizer: cookbook/ never names a domain or its vocabulary; a domain
# that wants its own words trains its tokenizer on its texts (`build_musicgen(folder, size, texts)`).
GENERIC_TEXT = ("a an the slow fast quick calm bright dark warm cold soft loud high low long short happy sad small "
                "large in on with over under and of to from sound tone clip noise loop sample "
                "0 1 2 3 4 5 6 7 8 9")


@dataclass(frozen=True)
class MusicgenSize:
    sampling_rate: int = 32000
    upsampling_ratios: tuple[int, ...] = (8, 5, 4, 4)  # hop 640 -> 50 frames/s at 32 kHz, as musicgen-small
    codebook_size: int = 64
    num_codebooks: int = 4
    codec_filters: int = 4
    codec_hidden: int = 16
    text_hidden: int = 32
    text_layers: int = 1
    decoder_hidden: int = 32
    decoder_layers: int = 2
    decoder_heads: int = 2
    max_positions: int = 512


def train_word_tokenizer(texts: list[str], folder: Path, vocab_size: int = 512):
    """A word-level tokenizer (lower-cased, punctuation split off) with T5's special ids: pad 0, eos 1, unk 2."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(True)])
    tok.train_from_iterator(texts, trainers.WordLevelTrainer(vocab_size=vocab_size,
                                                             special_tokens=["<pad>", "</s>", "<unk>"]))
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   model_max_length=64)
    fast.save_pretrained(str(folder))
    return fast


def musicgen_config(size: MusicgenSize, text_vocab: int):
    from transformers import EncodecConfig, MusicgenConfig, MusicgenDecoderConfig, T5Config

    hop = math.prod(size.upsampling_ratios)
    frame_rate = math.ceil(size.sampling_rate / hop)
    bandwidth = size.num_codebooks * frame_rate * math.ceil(math.log2(size.codebook_size)) / 1000
    codec = EncodecConfig(sampling_rate=size.sampling_rate, upsampling_ratios=list(size.upsampling_ratios),
                          target_bandwidths=[bandwidth], codebook_size=size.codebook_size,
                          num_filters=size.codec_filters, hidden_size=size.codec_hidden, codebook_dim=size.codec_hidden,
                          num_lstm_layers=1, chunk_length_s=None, overlap=None)
    if codec.num_quantizers != size.num_codebooks:
        raise ValueError(f"EnCodec config gives {codec.num_quantizers} codebooks, {size.num_codebooks} wanted")
    text = T5Config(vocab_size=text_vocab, d_model=size.text_hidden, d_kv=8, d_ff=2 * size.text_hidden,
                    num_layers=size.text_layers, num_heads=2, pad_token_id=0, eos_token_id=1,
                    decoder_start_token_id=0)
    decoder = MusicgenDecoderConfig(vocab_size=size.codebook_size, num_codebooks=size.num_codebooks,
                                    hidden_size=size.decoder_hidden, ffn_dim=4 * size.decoder_hidden,
                                    num_hidden_layers=size.decoder_layers, num_attention_heads=size.decoder_heads,
                                    max_position_embeddings=size.max_positions, pad_token_id=size.codebook_size,
                                    bos_token_id=size.codebook_size, dropout=0.0)
    return MusicgenConfig(text_encoder=text, audio_encoder=codec, decoder=decoder)


def build_musicgen(folder: Path, size: MusicgenSize, texts: list[str], seed: int = 0, vocab_size: int = 512):
    """A random MusicGen of `size` with a tokenizer trained on `texts`, saved (model, tokenizer, feature extractor,
    generation config) into `folder` so that `load_musicgen` reads it like a real checkpoint."""
    import torch
    from transformers import MusicgenForConditionalGeneration

    tokenizer = train_word_tokenizer(texts, folder, vocab_size)
    config = musicgen_config(size, len(tokenizer))
    torch.manual_seed(seed)
    model = MusicgenForConditionalGeneration(config)
    save_musicgen(model, folder, size)
    return model


def save_musicgen(model, folder: Path, size: MusicgenSize) -> None:
    """Save a MusicGen with the generation settings and feature extractor a real checkpoint has (sampling,
    guidance 3, the decoder's pad as start token) so that it loads by path like one."""
    from transformers import EncodecFeatureExtractor

    gen, config = model.generation_config, model.config
    gen.decoder_start_token_id = gen.pad_token_id = config.decoder.pad_token_id
    gen.bos_token_id = config.decoder.bos_token_id
    gen.do_sample, gen.guidance_scale, gen.max_length = True, 3.0, size.max_positions
    model.save_pretrained(str(folder), safe_serialization=True)
    EncodecFeatureExtractor(feature_size=1, sampling_rate=size.sampling_rate, padding_value=0.0).save_pretrained(
        str(folder))


def _fill(work: Path) -> None:
    build_musicgen(work, MusicgenSize(), [GENERIC_TEXT], seed=0, vocab_size=128)


def ensure() -> Path:
    return cached_build(FOLDER, _fill)
