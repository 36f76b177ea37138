"""The telecom instruction set written for this project: 20 use-cases, JSONL rows
{id, use_case, instruction, response}; train.jsonl and a fixed held-out test.jsonl balanced by use-case."""

from __future__ import annotations

from pathlib import Path

from cookbook.config import DataConfig
from cookbook.data import load_jsonl, load_jsonl_lines
from cookbook.tasks.text.examples import TextExample

DATA_DIR = Path(__file__).parent / "data"

USE_CASES = [
    "network_fundamentals", "ip_routing", "mpls", "network_security", "network_automation", "oss_bss", "ran",
    "mobile_core", "satellite_communications", "ethical_ai", "optical_transport", "wifi", "sdn_nfv", "qos",
    "voip_ims", "ipv6", "network_troubleshooting", "data_center_networking", "network_slicing",
    "telemetry_monitoring",
]
SCHEMA = {"id": str, "use_case": str, "instruction": str, "response": str}


def _check(row: dict):
    if row["use_case"] not in USE_CASES:
        return "use_case", f"'{row['use_case']}' is not one of the {len(USE_CASES)} use-cases ({', '.join(USE_CASES)})"
    return None


def resolve_path(path: str, split: str) -> Path:
    if not path:
        return DATA_DIR / f"{split}.jsonl"
    p = Path(path)
    if p.exists() or p.is_absolute():
        return p
    repo_relative = Path(__file__).resolve().parents[2] / p
    return repo_relative if repo_relative.exists() else p


def load_rows(path: Path) -> list[dict]:
    return load_jsonl(path, SCHEMA, check=_check)


def load_examples(cfg: DataConfig, split: str) -> list[TextExample]:
    path = resolve_path(cfg.train_file if split == "train" else cfg.test_file, split)
    return [TextExample(id=r["id"], prompt=r["instruction"], reference=r["response"], group=r["use_case"],
                        source=f"{path}:{line}", fields=("instruction", "response"))
            for line, r in load_jsonl_lines(path, SCHEMA, check=_check)]
