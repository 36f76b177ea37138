"""The hub: `make demo` (no DOMAIN) or `cookbook demo [--runs-root runs]`. One Gradio page that lists every
discovered domain (description, task kind, latest finished run under RUNS_ROOT/<domain>/ and its metrics and eval
summary) and has a tab per domain with a finished run and a demo: the page its recipe's `demo_module` builds with
`build(run_dir)`. The hub never names a domain.

Every tab's page is built when the hub starts (cheap: it reads the run's files), and a domain's model loads on the
first request in its tab, once per process, shared by all sessions (apps.launch.LoadOnce). Measured on 2 CPU cores:
building the pages takes ~1 s, while loading a Gemma 3 270M QLoRA run takes ~15 s (Whisper tiny.en ~0.5 s), so
loading every model at start would make the hub's start and memory grow with each domain, for tabs nobody may open."""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from cookbook.discovery import load_domains
from cookbook.errors import CookbookError
from cookbook.recipe import Recipe
from cookbook.runs import finished_run, latest_finished_run, read_json

LISTING_TAB = "All domains"


@dataclass
class DomainStatus:
    recipe: Recipe
    run_dir: Path | None  # the latest finished run, None if there is none
    metrics: dict  # its metrics.json
    eval_summary: str  # RUN/eval/report.json's summary line, "" if not evaluated

    @property
    def has_demo(self) -> bool:
        return self.run_dir is not None and bool(self.recipe.demo_module)


def domain_statuses(runs_root: str | Path) -> list[DomainStatus]:
    """Every discovered domain, in name order, with its latest finished run under `runs_root`."""
    domains = load_domains()
    statuses = []
    for name in domains.names():
        run_dir = latest_finished_run(runs_root, name)
        metrics = finished_run(run_dir)[1] if run_dir else {}
        summary = read_json(run_dir / "eval" / "report.json").get("summary", "") if run_dir else ""
        statuses.append(DomainStatus(domains.get(name), run_dir, metrics, summary))
    return statuses


def _number(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def run_summary(metrics: dict) -> str:
    """`qlora` on `gemma-3-270m`, 45 steps, train loss 2.31 -> 1.42, eval loss 1.5"""
    parts = [f"`{metrics.get('method', '?')}` on `{metrics.get('base_model', '?')}`",
             f"{metrics.get('steps', '?')} steps"]
    if metrics.get("train_loss_last") is not None:
        parts.append(f"final train loss {_number(metrics['train_loss_last'])}")
    if metrics.get("eval_loss") is not None:
        parts.append(f"eval loss {_number(metrics['eval_loss'])}")
    if metrics.get("completed") is False:
        parts.append("**not completed** (stopped before max_steps)")
    return ", ".join(parts)


def domain_card(status: DomainStatus) -> str:
    """The Markdown that lists one domain on the hub's first tab."""
    recipe = status.recipe
    lines = [f"### {recipe.name}", recipe.description, "", f"- task kind: `{recipe.task}`"]
    if status.run_dir is None:
        lines.append(f"- no finished run yet — `make finetune DOMAIN={recipe.name}`")
        return "\n".join(lines)
    lines.append(f"- latest finished run: `{status.run_dir}` — {run_summary(status.metrics)}")
    lines.append(f"- eval: {status.eval_summary}" if status.eval_summary else
                 f"- not evaluated yet — `make eval DOMAIN={recipe.name} RUN={status.run_dir}`")
    lines.append(f"- demo: the **{recipe.name}** tab" if recipe.demo_module else
                 "- no demo (its recipe names no `demo_module`)")
    return "\n".join(lines)


def build_domain_demo(status: DomainStatus):
    """The domain's own demo page (gr.Blocks), from `build(run_dir)` in its recipe's `demo_module`."""
    module = importlib.import_module(status.recipe.demo_module)
    build = getattr(module, "build", None)
    if build is None:
        raise CookbookError(f"{status.recipe.demo_module} has no build(run_dir) returning its gr.Blocks")
    return build(str(status.run_dir))


def build(runs_root: str | Path = "runs"):
    """The hub page (gr.Blocks). A domain whose demo fails to build gets a tab saying why; the others still work."""
    import gradio as gr

    statuses = domain_statuses(runs_root)
    demos: dict[str, object] = {}  # domain -> its gr.Blocks, or why it could not be built
    for status in statuses:
        if status.has_demo:
            try:
                demos[status.recipe.name] = build_domain_demo(status)
            except Exception as exc:  # one broken run or app must not take the whole hub down
                print(f"[cookbook] hub: the {status.recipe.name} demo failed to build: {exc}", file=sys.stderr)
                demos[status.recipe.name] = f"The demo of `{status.run_dir}` failed to build: {exc}"
    with gr.Blocks(title="Domain Cookbook") as hub:
        gr.Markdown(f"# Domain Cookbook\n{len(statuses)} domains; runs from `{runs_root}`. "
                    "Each demo tab loads its model on first use.")
        with gr.Tabs():
            with gr.Tab(LISTING_TAB, id="domains", elem_id="tab-domains"):
                for status in statuses:
                    gr.Markdown(domain_card(status), elem_id=f"domain-{status.recipe.name}")
            for name, demo in demos.items():
                with gr.Tab(name, id=name, elem_id=f"tab-{name}"):
                    if isinstance(demo, str):
                        gr.Markdown(demo)
                    else:
                        demo.render()
    return hub


def main(host: str = "127.0.0.1", port: int = 7860, runs_root: str | Path = "runs") -> None:
    from apps.launch import serve

    serve(build(runs_root), host, port)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="every domain, its latest finished run, and its demo in a tab")
    ap.add_argument("--runs-root", default="runs")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7860)
    a = ap.parse_args()
    main(a.host, a.port, a.runs_root)
