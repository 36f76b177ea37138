"""Prompts in the model's own chat format. The format comes from the tokenizer's chat template
(`apply_chat_template`); a model that ships none (Gemma 3 270M base) gets one installed when its source is
built. Completions end with the template's own end-of-turn text, and generation stops at the model's EOS and at
the special tokens its template uses to delimit turns, identically for base and tuned models."""

from __future__ import annotations

from dataclasses import dataclass, field

from cookbook.errors import ModelSourceError

_PROBE_USER, _PROBE_ANSWER = "PROBE-USER-TEXT", "PROBE-ANSWER-TEXT"


@dataclass
class PromptFormat:
    tokenizer: object
    end_of_turn: str  # what the template writes right after an assistant message, e.g. "<|im_end|>"
    turn_tokens: list[str] = field(default_factory=list)  # special tokens that open or close a turn

    def prompt(self, user: str, system: str = "", shots: tuple[tuple[str, str], ...] = ()) -> str:
        """The text before the model's answer, without a leading BOS (the tokenizer adds it). `shots`: earlier
        (user, assistant) turns shown first, as in-context examples."""
        messages = ([{"role": "system", "content": system.strip()}] if system else [])
        for shot_user, shot_answer in shots:
            messages += [{"role": "user", "content": shot_user.strip()},
                         {"role": "assistant", "content": shot_answer.strip()}]
        messages.append({"role": "user", "content": user.strip()})
        return self._strip_bos(self.tokenizer.apply_chat_template(messages, tokenize=False,
                                                                  add_generation_prompt=True))

    def completion(self, answer: str, continues: bool = False) -> str:
        """The answer as training text: the model must learn to end its turn. `continues`: the answer continues
        text already in the prompt (an answer prefix), so its leading whitespace is part of it."""
        return (answer.rstrip() if continues else answer.strip()) + self.end_of_turn

    def stop_token_ids(self) -> list[int]:
        tok = self.tokenizer
        ids = [tok.eos_token_id]
        for text in self.turn_tokens:
            tid = tok.convert_tokens_to_ids(text)
            if isinstance(tid, int) and tid != tok.unk_token_id:
                ids.append(tid)
        return sorted({i for i in ids if i is not None})

    def stop_strings(self) -> list[str]:
        """The same stops as text (for servers and lm-eval's `until`)."""
        return list(dict.fromkeys(t for t in [self.end_of_turn.strip(), *self.turn_tokens] if t))

    def clean(self, generated: str) -> str:
        """Cut a decoded generation at the first turn delimiter."""
        for marker in self.stop_strings():
            generated = generated.split(marker, 1)[0]
        return generated.strip()

    def _strip_bos(self, text: str) -> str:
        bos = self.tokenizer.bos_token
        return text[len(bos):] if bos and text.startswith(bos) else text


def prompt_format(tokenizer) -> PromptFormat:
    """Derive the format from the tokenizer's chat template by rendering one probe conversation."""
    if not getattr(tokenizer, "chat_template", None):
        raise ModelSourceError(
            f"{getattr(tokenizer, 'name_or_path', 'the tokenizer')}: no chat template, so prompts cannot be built "
            "in the model's own format; use an instruction-tuned model or one whose source installs a template")
    user = [{"role": "user", "content": _PROBE_USER}]
    prompt = tokenizer.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(user + [{"role": "assistant", "content": _PROBE_ANSWER}], tokenize=False)
    at = full.find(_PROBE_ANSWER)
    if at < 0 or not full.startswith(prompt.rstrip()):
        raise ModelSourceError(f"{tokenizer.name_or_path}: its chat template does not render an assistant turn "
                               "after the generation prompt; cannot train completions in its format")
    end_of_turn = full[at + len(_PROBE_ANSWER):].rstrip()
    specials = set(tokenizer.all_special_tokens) | {
        t.content for t in getattr(tokenizer, "added_tokens_decoder", {}).values() if t.special}
    turn_tokens = sorted(t for t in specials if t and t != tokenizer.bos_token and t != tokenizer.pad_token
                         and t in full and t not in (_PROBE_USER, _PROBE_ANSWER))
    # Order: the end-of-turn marker first, then the rest (how clean() cuts does not depend on it).
    turn_tokens.sort(key=lambda t: (t != end_of_turn, t))
    return PromptFormat(tokenizer, end_of_turn, turn_tokens)
