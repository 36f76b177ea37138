"""Offline source `tiny-gemma3`: a random-init model with Gemma 3's architecture (2 layers, hidden 64) and a
byte-level BPE tokenizer trained locally in about a second. For tests and pipeline checks, not for quality."""

from __future__ import annotations

from pathlib import Path

from cookbook.models.gemma_template import END, GEMMA_CHAT_TEMPLATE, START
from cookbook.paths import cached_build

# -v2: Gemma 3's system-folding chat template and <end_of_turn> as a generation stop; weights unchanged.
FOLDER = "tiny-gemma3-v2"
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", START, END]

# A fixed corpus keeps the tokenizer (and so the cache) identical on every machine.
_CORPUS = """
The network operator configures routing, switching and radio access for millions of subscribers.
OSPF and IS-IS are link-state interior gateway protocols; BGP exchanges routes between autonomous systems.
MPLS forwards packets by label; LDP and RSVP-TE distribute labels. Segment routing encodes the path.
The 5G core has an AMF, an SMF and a UPF; the gNB connects over N2 and N3 interfaces.
Quality of service marks packets with DSCP values and queues them by class. Latency, jitter and loss matter.
A firewall filters traffic; IPsec and TLS encrypt it. Telemetry streams counters to a collector.
def add(a, b):\n    return a + b\n
Patients were admitted, treated with medication and discharged home in stable condition.
the quick brown fox jumps over the lazy dog 0 1 2 3 4 5 6 7 8 9 . , ; : ! ? ( ) [ ] { } - + = / * % _
"""


def build_tokenizer(target: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    bos_id = tok.token_to_id("<bos>")
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A", pair="<bos> $A $B", special_tokens=[("<bos>", bos_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>",
        additional_special_tokens=[START, END],
    )
    fast.chat_template = GEMMA_CHAT_TEMPLATE
    fast.save_pretrained(str(target))
    return fast


def _fill(work: Path) -> None:
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    tok = build_tokenizer(work)
    config = Gemma3TextConfig(
        vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=1024,
        sliding_window=64, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    model = Gemma3ForCausalLM(config)
    # Like the real Gemma source: a chat reply ends at the model's end-of-turn as well as at <eos>.
    model.generation_config.eos_token_id = [tok.eos_token_id, tok.convert_tokens_to_ids(END)]
    model.save_pretrained(str(work), safe_serialization=True)


def ensure() -> Path:
    return cached_build(FOLDER, _fill)
