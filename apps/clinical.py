"""Clinical discharge-summary demo: `make demo DOMAIN=clinical RUN=runs/clinical/<run>`; also a tab of the hub.

Pick a held-out admission (or paste a record in record.py's format); the base model, the SFT adapter and the
SFT+DPO adapter (whichever stages the run has, cookbook/tasks/preference/) each write its discharge summary,
greedy, with the run's eval settings. Each sentence is linked to the record lines that support it and a sentence
that states a fact the record does not hold is highlighted (domains/clinical/evidence.py, the metrics' own
matching); the reference summary and a summary of your own are checked the same way. Identifiers are redacted
before display by default (domains/clinical/redact.py), with a count of what the filter caught and of what the
leak metric still finds in the shown text."""

from __future__ import annotations

import html
import threading
from pathlib import Path

from apps.launch import LoadOnce, command_line, serve
from cookbook.discovery import get_recipe
from cookbook.runs import finished_run, load_run_config
from cookbook.tasks.text.generate import decoding_settings, generate, load_run
from domains.clinical import summary as reference_summary
from domains.clinical.evidence import Sentence, link, unscored_categories
from domains.clinical.facts import Admission
from domains.clinical.metrics import leaks, score_one
from domains.clinical.record import RecordError, parse
from domains.clinical.redact import redact

TITLES = {"reference": "Reference summary (built from the record's facts)", "base": "Base model",
          "sft": "SFT adapter", "dpo": "SFT+DPO adapter", "tuned": "Tuned adapter", "yours": "Your summary"}
STYLE = {"supported": "background:#e3f6e3;border-bottom:2px solid #3a9a3a;",
         "unsupported": "background:#ffd9d9;border-bottom:2px solid #c62828;", "none": ""}
_LOCK = threading.Lock()  # one shared model; the active adapter is switched per system


def run_systems(run_dir: Path) -> tuple[list[str], object]:
    """(the run's systems, a loader for its model): base + each finished preference stage, each adapter under its
    stage's name; a run without stages (any other text run) is base + its adapter ("tuned")."""
    from cookbook.tasks.preference.stages import trained_stages

    stages = trained_stages(run_dir)
    if stages:
        from cookbook.tasks.preference.evaluate import load_stages

        return ["base", *stages], lambda: load_stages(run_dir, stages)
    return ["base", "tuned"], lambda: load_run(run_dir)


def write_summary(tm, system: str, record: str, instruction: str, decoding: dict) -> str:
    """One greedy summary of `record` by `system` ("base", "tuned" or a stage's adapter name)."""
    with _LOCK:
        if system not in ("base", "tuned"):
            tm.model.set_adapter(system)
        return generate(tm, [record], instruction, use_adapter=system != "base", **decoding)[0]


def shown_text(text: str, adm: Admission, redacting: bool) -> tuple[str, dict[str, int]]:
    """The text as displayed, and what the filter caught ({} when not redacting)."""
    if not redacting:
        return text, {}
    r = redact(text, adm.identity, (adm.admit.date(), adm.discharge.date()))
    return r.text, {k: v for k, v in r.counts.items() if v}


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing"


def sentence_html(s: Sentence, record_lines: list[str]) -> str:
    text = html.escape(s.text.strip())
    if s.status == "unsupported":
        note = "not in the record: " + ", ".join(s.unsupported)
        mark = f'<sup style="color:#c62828"> ✗ {html.escape(", ".join(s.unsupported))}</sup>'
    elif s.lines:
        note = "\n".join(f"L{n}: {record_lines[n - 1]}" for n in s.lines)
        mark = '<sup style="color:#2e7d32"> ' + " ".join(f"L{n}" for n in s.lines) + "</sup>"
    else:
        note, mark = "states no fact the metrics read", ""
    leak = f' <b style="color:#c62828">[identifier: {", ".join(s.leaked)}]</b>' if s.leaked else ""
    return (f'<span class="sentence {s.status}" data-lines="{" ".join(map(str, s.lines))}" '
            f'title="{html.escape(note)}" style="{STYLE[s.status]}">{text}{mark}{leak}</span>')


def summary_card(system: str, text: str, adm: Admission, reference: str, record_lines: list[str],
                 redacting: bool) -> tuple[str, set[int]]:
    """(the HTML card of one system's summary, the record lines its sentences cite)."""
    shown, caught = shown_text(text, adm, redacting)
    sentences = link(shown, adm)
    row = score_one(text, adm, reference, rouge=False)
    through = {k: v for k, v in leaks(shown, adm).items() if v}
    body = "<br>".join(sentence_html(s, record_lines) for s in sentences) or "<i>(empty summary)</i>"
    n_bad = sum(s.status == "unsupported" for s in sentences)
    n_linked = sum(bool(s.lines) for s in sentences)
    recall = "n/a (no facts to recall)" if row["fact_recall"] is None else f"{row['fact_recall']:.2f}"
    facts = (f"fact recall {recall}, hallucination rate {row['hallucination_rate']:.2f}, "
             f"identifier leak {'yes' if row['leak_rate'] else 'no'}; {n_linked} sentences linked to the record, "
             f"{n_bad} unsupported")
    missing = ", ".join(row["missing"]) or "none"
    filt = (f"redaction caught {_counts(caught)}; the leak metric still finds {_counts(through)} in the shown "
            "text" if redacting else "redaction off: shown as generated")
    card = (f'<div class="summary-card" id="summary-{system}" style="border:1px solid #ccc;border-radius:6px;'
            f'padding:8px;margin:6px 0;"><h3 style="margin:0 0 4px 0">{html.escape(TITLES.get(system, system))}'
            f'</h3><div class="summary-metrics" style="font-size:0.85em;color:#555">{html.escape(facts)}<br>'
            f"missing: {html.escape(missing)}<br>{html.escape(filt)}</div>"
            f'<div class="summary-text" style="margin-top:6px;line-height:1.6">{body}</div></div>')
    return card, {n for s in sentences for n in s.lines}


def record_html(record: str, adm: Admission, cited: set[int], redacting: bool) -> str:
    """The record, one numbered line each, lines cited by some summary's sentences marked; redacted if asked."""
    shown, caught = shown_text(record, adm, redacting)
    rows = []
    for n, line in enumerate(shown.split("\n"), start=1):
        style = "background:#e3f6e3;" if n in cited else ""
        rows.append(f'<div class="record-line{" cited" if n in cited else ""}" id="record-L{n}" '
                    f'style="font-family:monospace;font-size:0.85em;white-space:pre-wrap;{style}">'
                    f'<span style="color:#888">L{n:<3}</span>{html.escape(line)}</div>')
    head = (f"<p>Record ({'identifiers redacted: ' + _counts(caught) if redacting else 'not redacted'}); "
            "green lines support a sentence of a summary.</p>")
    return f'<div id="record-lines">{head}{"".join(rows)}</div>'


def build(run_dir: str, load_now: bool = False):
    import gradio as gr

    recipe = get_recipe("clinical")
    run = Path(run_dir)
    _, metrics = finished_run(run)
    cfg = load_run_config(run_dir)
    systems, loader = run_systems(run)
    model = LoadOnce(loader)
    if load_now:
        model.get()
    decoding = decoding_settings(cfg.eval)
    examples = {e.id: e for e in recipe.load_examples(cfg.data, recipe.test_splits[0])}
    first = next(iter(examples), None)

    def on_summarise(picked: str, pasted: str, chosen: list[str], yours: str, redacting: bool):
        pasted = (pasted or "").strip()
        record, source = pasted, "the pasted record"
        if not record:
            if picked not in examples:
                return "Pick a held-out admission or paste a record.", "", ""
            record, source = examples[picked].prompt, f"held-out admission `{picked}`"
        try:
            adm = parse(record, "pasted" if pasted.strip() else picked)
        except RecordError as exc:
            return f"The record does not parse: {exc}", "", ""
        if unscored_categories(adm):
            return (f"The record has no {' and no '.join(unscored_categories(adm))} to report (a summary is scored "
                    "per category: add a PROCEDURE line, or a key lab of the primary diagnosis)"), "", ""
        held = examples.get(picked)
        reference = held.reference if held is not None and record == held.prompt else \
            reference_summary.build(adm).text()
        texts = {"reference": reference} if "reference" in chosen else {}
        tm = model.get() if any(s in systems for s in chosen) else None
        for system in (s for s in systems if s in chosen):
            texts[system] = write_summary(tm, system, record, recipe.system_prompt, decoding)
        if (yours or "").strip():
            texts["yours"] = yours.strip()
        lines = shown_text(record, adm, redacting)[0].split("\n")  # what a sentence's hover shows of the record
        cards, cited = [], set()
        for system, text in texts.items():
            card, used = summary_card(system, text, adm, reference, lines, redacting)
            cards.append(card)
            cited |= used
        status = f"Summarised {source} with {', '.join(TITLES.get(s, s) for s in texts) or 'nothing'}."
        return status, "".join(cards), record_html(record, adm, cited, redacting)

    loading = "" if model.loaded else " The model loads on the first request."
    with gr.Blocks(title="Clinical discharge summaries") as app:
        gr.Markdown(f"# Clinical discharge summaries\n{recipe.description}. Base `{metrics['base_model']}`, "
                    f"systems of this run: {', '.join(TITLES[s] for s in systems)} (greedy, up to "
                    f"{decoding['max_new_tokens']} tokens each).{loading} Synthetic admissions: no real patient. "
                    "Green sentences state only facts of the record (hover for the lines, L numbers); red ones "
                    "state a fact the record does not hold.")
        with gr.Row():
            picked = gr.Dropdown(choices=[(f"{k} · {e.group}", k) for k, e in examples.items()], value=first,
                                 label="Held-out admission", elem_id="admission")
            chosen = gr.CheckboxGroup(choices=[(TITLES["reference"], "reference"),
                                               *((TITLES[s], s) for s in systems)],
                                      value=["reference", *systems], label="Summaries", elem_id="systems")
            redacting = gr.Checkbox(value=True, label="Redact identifiers before display", elem_id="redact")
        pasted = gr.Textbox(label="Or paste a record (record.py's format; used instead of the admission above)",
                            lines=4, elem_id="pasted-record")
        yours = gr.Textbox(label="Your own summary to check against the record (optional)", lines=3,
                           elem_id="your-summary")
        go = gr.Button("Summarise", variant="primary", elem_id="summarise")
        status = gr.Markdown(elem_id="status")
        with gr.Row():
            with gr.Column(scale=3):
                cards = gr.HTML(elem_id="summaries")
            with gr.Column(scale=2):
                record_view = gr.HTML(elem_id="record-view")
        go.click(on_summarise, inputs=[picked, pasted, chosen, yours, redacting],
                 outputs=[status, cards, record_view])
    return app


def main(run_dir: str, host: str = "127.0.0.1", port: int = 7860) -> None:
    serve(build(run_dir, load_now=True), host, port)


if __name__ == "__main__":
    command_line(main)
