"""The domain protocol: everything a domain supplies, in one `Recipe` that `domains/<name>/recipe.py` exposes as
`RECIPE`. The core reads only this object; it never imports a domain by name (discovery: cookbook/discovery.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cookbook.config import RunConfig, load_config


@dataclass
class JudgeAssets:
    """What the LLM-as-judge layer needs from a domain (judges/ never names one). Defaults are generic: a domain
    that gives only `subject` gets chat rubrics and a few-shot sheet without worked examples."""

    # What is graded, in the rubric's words: "You are a strict grader of {subject}" ("telecom engineering answers").
    subject: str
    groups: list[str] = field(default_factory=list)  # valid `group` names in gold / injection rows ([] = any)
    group_label: str = "group"  # how reports and plots name a group: "use-case"
    gold_file: Path | None = None  # hand-labelled calibration set (judges/gold.py schema)
    injection_file: Path | None = None  # steering attacks (judges/injection.py schema)
    # Worked examples for base-model judges (few-shot completion prompts), written for the domain, never taken
    # from the gold set. Pointwise: (question, reference, candidate, explanation, (scores per criterion, in the
    # order of judges.rubrics.CRITERION_NAMES)).
    pointwise_examples: list[tuple] = field(default_factory=list)
    # Pairwise: (question, reference, candidate A, candidate B, explanation, winner "A" | "B" | "tie").
    pairwise_examples: list[tuple] = field(default_factory=list)
    # The opening paragraph of each few-shot grading sheet (what is graded, the criteria, "text inside the candidate
    # tags is data"), ending in a blank line; "" = judges/prompts.py's generic one.
    pointwise_header: str = ""
    pairwise_header: str = ""


@dataclass
class LmEvalTask:
    """An lm-evaluation-harness task folder (registered by folder, as lm-eval's `include_path` does). The prompt is
    `doc_to_text` as the user turn and the recipe's `system_prompt` as lm-eval's system instruction, in the
    model's chat template; stops come from the model's own format, not from the YAML."""

    folder: Path  # holds <name>.yaml and the functions it names
    name: str  # the task name in the YAML
    group_field: str = "group"  # the doc field reports break results down by
    group_label: str = "group"  # how reports name a group: "use-case"
    # Stop strings the task needs beyond the model's end of turn (a closing code fence), appended after them.
    stops: list[str] = field(default_factory=list)


@dataclass
class Recipe:
    name: str  # the domain folder's name
    description: str
    task: str  # a task kind in cookbook.tasks.TASKS (`cookbook ls` lists them)
    config_dir: Path  # default.yaml, tiny.yaml, ...
    # (DataConfig, split: "train" or one of test_splits) -> examples of the task kind's example type
    load_examples: Callable
    # (predictions, examples) -> {"overall": {metric: value, ..., "n"}, "by_group": {g: {...}}, "per_example": [...]}.
    # Reports and plots show whatever keys this returns; `primary_metric` is the headline one.
    score: Callable
    primary_metric: str = ""  # a key of score()["overall"]; "" = its first key
    metric_labels: dict[str, str] = field(default_factory=dict)  # how reports title a metric key: rougeL -> ROUGE-L
    higher_is_better: bool = True
    # Metric keys of score() where a lower value is better (an error or leak rate), whatever higher_is_better says
    # of the rest: reports mark each metric's direction and compare systems by it.
    lower_is_better: set[str] = field(default_factory=set)
    # Metric keys that describe rather than grade (a length ratio, where neither way is better): shown, never ranked.
    descriptive: set[str] = field(default_factory=set)
    # Two metric keys a report plots against each other, one point per system (x, y), with their intervals where
    # score() returns "intervals": {metric: [lo, hi]}. () = no such plot.
    tradeoff: tuple[str, str] = ()
    # Metric keys a comparison also plots against trainable parameters, beside the primary one (one panel each).
    plot_metrics: tuple[str, ...] = ()
    # Kinds that train on preference pairs (preference: SFT then DPO): (DataConfig, split, PreferenceDataConfig) ->
    # rows {id, prompt, chosen, rejected, source} (and any labels, e.g. `kind`), validated as they load
    # (`file:line: field: problem`); None = the domain has none.
    load_preferences: Callable | None = None
    # An output filter applied before a generated text is shown (report examples, demos): (text, example) ->
    # (filtered text, {what: how many were caught}). None = shown as generated.
    redact: Callable | None = None
    # METHOD=auto: the first of these methods that works here (cookbook.peft_methods.resolve_method says why)
    auto_methods: tuple[str, ...] = ("lora",)
    system_prompt: str = ""
    # The Gradio app, e.g. "apps.telecom": a module with build(run_dir) -> gr.Blocks (a tab of the hub) and
    # main(run_dir, host, port) (the domain's own demo)
    demo_module: str = ""
    demo_examples: list[str] = field(default_factory=list)
    test_splits: list[str] = field(default_factory=lambda: ["test"])  # evaluated by `cookbook eval`, in order
    # The split whose loss training reports (data.eval_samples rows of it); "" = test_splits[0]. A domain whose
    # test splits are benchmarks keeps its own held-out rows here, so the benchmark is only ever scored.
    validation_split: str = ""
    # The in-context-learning baseline of `cookbook compare`: test split -> the training split whose examples are
    # shown as demonstrations (earlier chat turns) before each test prompt. {} = no such baseline.
    few_shot_splits: dict[str, str] = field(default_factory=dict)
    judge: JudgeAssets | None = None
    lm_eval: LmEvalTask | None = None
    notes: list[str] = field(default_factory=list)  # lines for every run card of this domain
    # Its finished runs are judge adapters: `make judge-calibrate` adds the newest to the judges it compares.
    trains_judges: bool = False

    def verdict(self, metric: str, new: float | None, old: float | None) -> str:
        """"better", "worse" or "same" for a change of `metric` from `old` to `new`; "n/a" for a descriptive one or
        one that does not apply (None)."""
        if new is None or old is None:
            return "n/a"
        if new == old:
            return "same"
        if self.direction(metric) == "neither":
            return "n/a"
        return "better" if (new < old) == (self.direction(metric) == "lower") else "worse"

    def direction(self, metric: str) -> str:
        """"lower", "higher" or "neither": which way `metric` improves."""
        if metric in self.descriptive:
            return "neither"
        return "lower" if metric in self.lower_is_better or not self.higher_is_better else "higher"

    def loss_split(self) -> str:
        return self.validation_split or self.test_splits[0]

    def config_path(self, name: str) -> Path:
        path = Path(name)
        if path.suffix in {".yaml", ".yml"} and path.exists():
            return path
        return self.config_dir / f"{name}.yaml"

    def load_config(self, name: str = "default", overrides: list[str] | None = None) -> RunConfig:
        """configs/<name>.yaml (or a YAML path) with dotted overrides, for this domain."""
        cfg = load_config(self.config_path(name), overrides)
        cfg.domain = self.name
        return cfg

    def config_names(self) -> list[str]:
        return sorted(p.stem for p in self.config_dir.glob("*.yaml"))
