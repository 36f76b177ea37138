"""Gemma's turn format, supplied by us: the GGUF release of Gemma 3 270M is the base model and ships no
chat template. Prompts for training and inference are rendered by `render_prompt`, and the same format is
installed as the tokenizer's `chat_template` so `apply_chat_template` and OpenAI-style servers agree."""

START, END = "<start_of_turn>", "<end_of_turn>"

GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "{% if role == 'system' %}{% set role = 'user' %}{% endif %}"
    "<start_of_turn>{{ role }}\n{{ message['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def render_prompt(user_text: str, system: str = "") -> str:
    """The text before the model's answer (without BOS: the tokenizer adds it)."""
    body = f"{system.strip()}\n\n{user_text.strip()}" if system else user_text.strip()
    return f"{START}user\n{body}{END}\n{START}model\n"


def completion_text(answer: str) -> str:
    return f"{answer.strip()}{END}"


def strip_answer(generated: str) -> str:
    """Cut a generation at the first turn marker, identically for base and tuned models."""
    for marker in (END, START):
        generated = generated.split(marker, 1)[0]
    return generated.strip()
