import pytest
import torch

from cookbook.errors import ModelSourceError
from cookbook.models import (
    MODEL_SOURCES,
    SOURCE_KINDS,
    OfflineSource,
    describe_sources,
    load_model,
    load_tokenizer,
    resolve_model,
)
from cookbook.models.gemma_template import END, START
from cookbook.models.resolve import weights_sha256


def test_tiny_gemma3_resolves_loads_and_generates():
    resolved = resolve_model("tiny-gemma3")
    assert resolved.source == "offline:tiny-gemma3"
    model, tok = load_model(resolved), load_tokenizer(resolved)
    assert model.config.model_type == "gemma3_text" and model.config.num_hidden_layers == 2
    ids = tok.apply_chat_template([{"role": "user", "content": "What is BGP?"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)
    assert ids.input_ids[0, 0].item() == tok.bos_token_id
    assert (ids.input_ids[0] == tok.bos_token_id).sum().item() == 1  # the template adds BOS once, not twice
    assert tok.convert_tokens_to_ids(START) != tok.unk_token_id and tok.convert_tokens_to_ids(END) != tok.unk_token_id
    out = model.generate(**ids, max_new_tokens=4, min_new_tokens=4, do_sample=False)
    assert out.shape[1] == ids.input_ids.shape[1] + 4


def test_tiny_gemma3_stops_at_end_of_turn():
    resolved = resolve_model("tiny-gemma3")
    tok = load_tokenizer(resolved)
    assert load_model(resolved).generation_config.eos_token_id == [tok.eos_token_id, tok.convert_tokens_to_ids(END)]


def test_gemma_template_folds_the_system_prompt_into_the_first_user_turn():
    tok = load_tokenizer(resolve_model("tiny-gemma3"))
    system, user, answer = "  You answer telecom questions.\n", "\nWhat is BGP? ", " A routing protocol.\n"
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert prompt == (tok.bos_token + "<start_of_turn>user\n" + system.strip() + "\n\n" + user.strip()
                      + "<end_of_turn>\n<start_of_turn>model\n")
    full = tok.apply_chat_template([*messages, {"role": "assistant", "content": answer}], tokenize=False)
    assert full.startswith(prompt) and full[len(prompt):] == answer.strip() + "<end_of_turn>\n"


def test_gemma_template_without_system_prompt_and_over_several_turns():
    tok = load_tokenizer(resolve_model("tiny-gemma3"))
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."},
                {"role": "user", "content": "Bye"}]
    assert tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == (
        tok.bos_token + "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
        "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n")


def test_local_folder_resolves_and_hash_is_stable(tmp_path):
    tiny = resolve_model("tiny-gemma3")
    local = resolve_model(tiny.path)
    assert local.source == "local"
    assert weights_sha256(local) == weights_sha256(tiny) and len(weights_sha256(local)) == 64


def test_folder_without_config_is_rejected(tmp_path):
    with pytest.raises(ModelSourceError, match="not a model folder"):
        resolve_model(str(tmp_path))


def test_unreachable_hub_id_says_how_to_use_a_local_copy(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelSourceError) as err:
        resolve_model("some-org/some-model-that-is-not-cached")
    assert "MODEL=/path/to/folder" in str(err.value)


def test_tiny_model_is_deterministic():
    a = load_model(resolve_model("tiny-gemma3"))
    b = load_model(resolve_model("tiny-gemma3"))
    x = torch.tensor([[2, 10, 20, 30]])
    assert torch.equal(a(x).logits, b(x).logits)


def test_every_source_says_what_it_is():
    assert {"gemma-3-270m", "qwen2.5-coder-0.5b-instruct", "tiny-gemma3", "whisper-tiny.en", "whisper-base",
            "tiny-whisper"} <= set(MODEL_SOURCES.names())
    kinds = {name: (MODEL_SOURCES.get(name).kind, MODEL_SOURCES.get(name).instruction_tuned)
             for name in MODEL_SOURCES.names()}
    assert kinds["qwen2.5-coder-0.5b-instruct"] == ("text", True)
    assert kinds["gemma-3-270m"] == ("text", False) and kinds["whisper-base"] == ("asr", False)
    assert all(kind in SOURCE_KINDS for kind, _ in kinds.values())
    lines = describe_sources()
    for name, line in zip(MODEL_SOURCES.names(), lines, strict=True):
        kind, tuned = kinds[name]
        assert line.split()[:3] == [name, kind, "instruct" if tuned else "base"], line


def test_unknown_source_kind_is_rejected():
    with pytest.raises(ValueError, match="not one of text, asr, audio-lm, diffusion"):
        OfflineSource(kind="vision", instruction_tuned=False, description="x", ensure=lambda: None)


def test_provenance_names_what_a_spec_is(tmp_path):
    from cookbook.models import provenance

    assert provenance("gemma-3-270m").startswith("Gemma 3 270M is the base")  # the card note where there is one
    assert provenance("tiny-gemma3") == MODEL_SOURCES.get("tiny-gemma3").description
    assert provenance(str(tmp_path)) == f"a local model folder ({tmp_path})"
    assert provenance("someone/some-model") == "the Hugging Face Hub id someone/some-model"
