import pytest
import torch

from cookbook.errors import ModelSourceError
from cookbook.models import load_model, load_tokenizer, resolve_model
from cookbook.models.chat_template import END, START, render_prompt, strip_answer
from cookbook.models.resolve import weights_sha256


def test_tiny_gemma3_resolves_loads_and_generates():
    resolved = resolve_model("tiny-gemma3")
    assert resolved.source == "offline:tiny-gemma3"
    model, tok = load_model(resolved), load_tokenizer(resolved)
    assert model.config.model_type == "gemma3_text" and model.config.num_hidden_layers == 2
    ids = tok(render_prompt("What is BGP?"), return_tensors="pt")
    assert ids.input_ids[0, 0].item() == tok.bos_token_id  # the tokenizer adds BOS; the prompt must not
    assert tok.convert_tokens_to_ids(START) != tok.unk_token_id and tok.convert_tokens_to_ids(END) != tok.unk_token_id
    out = model.generate(**ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] == ids.input_ids.shape[1] + 4


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


def test_chat_template_matches_render_prompt():
    tok = load_tokenizer(resolve_model("tiny-gemma3"))
    rendered = tok.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False,
                                       add_generation_prompt=True)
    assert rendered == tok.bos_token + render_prompt("Hi")
    assert strip_answer(f"An answer.{END}\n{START}user\nmore") == "An answer."


def test_tiny_model_is_deterministic():
    a = load_model(resolve_model("tiny-gemma3"))
    b = load_model(resolve_model("tiny-gemma3"))
    x = torch.tensor([[2, 10, 20, 30]])
    assert torch.equal(a(x).logits, b(x).logits)
