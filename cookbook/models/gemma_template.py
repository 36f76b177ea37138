"""Gemma's turn format, supplied by us: the GGUF release of Gemma 3 270M is the base model and ships no chat
template. We install Gemma 3's official template as the tokenizer's `chat_template`, so `apply_chat_template`,
training prompts and OpenAI-style servers all render the same text.

Gemma has no system role: like the official template, a leading system message is folded into the first user
turn (its trimmed text, a blank line, then the user's text).
"""

START, END = "<start_of_turn>", "<end_of_turn>"

# Gemma 3's official template (tokenizer_config.json of google/gemma-3-*-it), text parts only: our sources carry
# no images. `| trim` binds tighter than `+`, so the prefix is added to the trimmed user text.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% if messages[0]['role'] == 'system' %}"
    "{% set first_user_prefix = messages[0]['content'] | trim + '\n\n' %}"
    "{% set loop_messages = messages[1:] %}"
    "{% else %}"
    "{% set first_user_prefix = '' %}"
    "{% set loop_messages = messages %}"
    "{% endif %}"
    "{% for message in loop_messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "<start_of_turn>{{ role }}\n{{ (first_user_prefix if loop.first else '') + message['content'] | trim }}"
    "<end_of_turn>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
