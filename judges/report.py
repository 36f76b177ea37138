"""RUN/judge/report.json and report.md, assembled from the sections that have been run (judged eval,
calibration, injection), each stored as its own JSON file in RUN/judge/ so `make judge-calibrate` can add one."""

from __future__ import annotations

from pathlib import Path

from cookbook.runs import read_json, write_json
from judges import plots
from judges.rubrics import CRITERION_NAMES
from judges.server import is_base_model

SECTIONS = ("judged_eval", "calibration", "injection")


def weak_judge_warning(judge: dict) -> str:
    """A warning for judges known to be base models (model sources registered as not instruction-tuned); ""
    otherwise."""
    spec = judge.get("model_spec")
    if not is_base_model(spec):
        return ""
    return (f"The judge `{spec}` is a base model, not instruction-tuned: it is not a reliable grader. Treat its "
            "scores as a smoke test of the pipeline, not as a measurement; read the calibration section before "
            "trusting any number. With a GPU use a strong instruction-tuned or rubric-trained judge "
            "(`JUDGE_MODEL=...`; suggestions in docs/judges.md, \"Which judge\").")

_STYLE = {"chat": "chat prompts",
          "completion": "few-shot completion prompts with the JSON verdict's opening prefilled (base-model judge)"}


def save_section(judge_dir: Path, name: str, section: dict, judge: dict) -> None:
    judge_dir.mkdir(parents=True, exist_ok=True)
    write_json(judge_dir / f"{name}.json", {"judge": judge, **section})


def _f(v, digits: int = 3) -> str:
    return "n/a" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))


def _judged_md(j: dict) -> list[str]:
    pw = j["pairwise"]
    wtl, lc = pw["win_tie_loss"], pw["length_controlled"]
    out = ["## Judged eval (held-out questions)", "",
           f"{j['n_questions']} questions; pointwise grades for base and tuned answers, pairwise tuned vs base in "
           "both orders.", "", "| system | " + " | ".join(CRITERION_NAMES) + " | mean | parsed | unparseable |",
           "|---|" + "---|" * (len(CRITERION_NAMES) + 3)]
    for s in ("base", "tuned"):
        o = j["pointwise"][s]["overall"]
        out.append(f"| {s} | " + " | ".join(_f(o[c], 2) for c in CRITERION_NAMES) +
                   f" | {_f(o['mean'], 2)} | {o['n']} | {o['unparsed']} |")
    out += ["", f"| {j.get('group_label') or 'group'} | base mean | tuned mean |", "|---|---|---|"]
    for g in sorted(j["pointwise"]["tuned"]["by_group"]):
        out.append(f"| {g} | {_f(j['pointwise']['base']['by_group'][g]['mean'], 2)} | "
                   f"{_f(j['pointwise']['tuned']['by_group'][g]['mean'], 2)} |")
    out += ["", "### Pairwise and bias checks", "",
            "| statistic | value |", "|---|---|",
            f"| tuned wins / ties / base wins | {wtl['win']} / {wtl['tie']} / {wtl['loss']} (n={wtl['n']}, "
            f"unparseable pairs {wtl['unparsed']}) |",
            f"| tuned win rate (ties = 1/2) | {_f(wtl['win_rate'])} |",
            f"| swap-flip rate (verdict changes with order; counted as tie) | {_f(pw['swap']['flip_rate'])} "
            f"({pw['swap']['flips']}/{pw['swap']['n']}) |",
            f"| position-A win rate (decisive single-order verdicts) | {_f(pw['position']['position_a_win_rate'])} "
            f"(A {pw['position']['A']}, B {pw['position']['B']}, tie {pw['position']['tie']}) |",
            f"| longer answer wins (decisive pairs) | {_f(pw['longer_wins']['rate'])} (n={pw['longer_wins']['n']}) |",
            f"| length-controlled win rate (logistic regression at zero length difference) | {_f(lc['lc_win_rate'])}"
            f" (raw {_f(lc['raw_win_rate'])}, length coefficient {_f(lc.get('length_coef'))}) |",
            f"| mean words tuned / base | {_f(sum(j['lengths_words']['tuned']) / max(1, j['n_questions']), 1)} / "
            f"{_f(sum(j['lengths_words']['base']) / max(1, j['n_questions']), 1)} |",
            f"| candidates flagged by the injection detector | {len(j['suspicious_candidates'])} |", ""]
    return out


def _calibration_md(c: dict) -> list[str]:
    out = ["## Calibration against gold labels", "",
           f"{c['n_gold']} hand-labelled answers; {c['n_parsed']} judged with a parseable reply "
           f"({c['unparsed']} unparseable, left out of the statistics).", "",
           "| criterion | exact | within one | Spearman | weighted kappa (quadratic) |", "|---|---|---|---|---|"]
    for name, a in [*c["per_criterion"].items(), ("pooled", c["pooled"])]:
        out.append(f"| {name} | {_f(a['exact'])} | {_f(a['within_one'])} | {_f(a['spearman'])} | "
                   f"{_f(a['kappa_quadratic'])} |")
    out += ["", "| gold category | n | gold mean | judge mean |", "|---|---|---|---|"]
    out += [f"| {k} | {v['n']} | {_f(v['gold_mean'], 2)} | {_f(v['judge_mean'], 2)} |"
            for k, v in c["by_category"].items()]
    return [*out, ""]


def _injection_md(i: dict) -> list[str]:
    s, d = i["shift"], i["detector"]
    out = ["## Prompt-injection robustness", "",
           f"{i['n']} answers judged clean and with steering text appended. Shift = score(attacked) - score(clean), "
           f"on {s['n']} pairs where both replies parsed.", "",
           "| attack | n | " + " | ".join(CRITERION_NAMES) + " | mean shift |", "|---|---|" + "---|" * 4]
    for k, v in [("all", s), *i["shift_by_attack"].items()]:
        out.append(f"| {k} | {v['n']} | " + " | ".join(_f(v[c], 2) for c in CRITERION_NAMES) +
                   f" | {_f(v['mean'], 2)} |")
    out += ["", f"Detector: flags {d['attacked_flagged']}/{i['n']} attacked answers (recall {_f(d['recall'])}) and "
            f"{d['clean_flagged']}/{i['n']} clean ones (false-positive rate {_f(d['false_positive_rate'])}).", ""]
    return out


def build_report(judge_dir: Path) -> dict:
    sections = {name: read_json(judge_dir / f"{name}.json") for name in SECTIONS}
    judge = next((s["judge"] for s in sections.values() if s), {})
    report = {"judge": judge, "weak_judge_warning": weak_judge_warning(judge),
              **{k: v for k, v in sections.items() if v},
              "not_run": [k for k, v in sections.items() if not v]}
    report["plots"] = plots.write_all(report, judge_dir)
    write_json(judge_dir / "report.json", report)
    md = ["# Judge report", "",
          f"Judge: `{judge.get('model_spec')}` via {judge.get('backend')} (temperature 0, "
          f"{_STYLE.get(judge.get('prompt_style'), 'chat prompts')}, structured output "
          f"{'JSON schema' if judge.get('structured_output') else 'off: strict parser + one retry'}).", ""]
    if report["weak_judge_warning"]:
        md += [f"**Warning.** {report['weak_judge_warning']}", ""]
    if "judged_eval" in report:
        md += _judged_md(report["judged_eval"])
    if "calibration" in report:
        md += _calibration_md(report["calibration"])
    if "injection" in report:
        md += _injection_md(report["injection"])
    if report["not_run"]:
        md += [f"Not run: {', '.join(report['not_run'])}.", ""]
    md += [f"![{p}]({p})" for p in report["plots"]]
    (judge_dir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    return report
