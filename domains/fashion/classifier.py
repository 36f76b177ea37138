"""The attribute classifier of the fashion metrics: a small CNN the cookbook trains on the sketch corpus, one head
per attribute (garment, silhouette, length, neckline, sleeves, colour, print, jacket layer), reading 32 x 32 images
(the resolution the adapters generate at; other sizes are resized). Its penultimate features are what the Fréchet
distance is computed over.

Trained once on base_train + style_train (both prints sets, so it knows the held-out style's prints) with light
noise and one-pixel shifts (generated images are never as clean as the drawings); scored on base_test and
style_test, which it never saw. Built into the cache like a model source; its record (plan, held-out accuracy per
split and attribute, seconds) is classifier.json in that folder. `python -m domains.fashion.classifier` builds it
(or a smaller one into --out) and prints the record."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cookbook.paths import cached_build
from domains.fashion import data
from domains.fashion.attributes import ATTRIBUTES

RESOLUTION = 32
WEIGHTS = "classifier.safetensors"
RECORD = "classifier.json"
TRAIN_SPLITS = ("base_train", "style_train")
HELDOUT_SPLITS = ("base_test", "style_test")


@dataclass
class ClassifierPlan:
    epochs: int = 15
    batch_size: int = 64
    lr: float = 3e-3
    width: int = 24  # channels of the first conv block (x2, x4 deeper)
    feature_dim: int = 64  # the penultimate features (Fréchet distance)
    noise_std: float = 0.08  # augmentation: Gaussian noise up to this std on [-1, 1] pixels
    seed: int = 0
    corpus_seed: int = 0


PLAN = ClassifierPlan()


class AttributeNet(nn.Module):
    def __init__(self, width: int, feature_dim: int, heads: dict[str, int]):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                                 nn.MaxPool2d(2))

        self.body = nn.Sequential(block(3, width), block(width, 2 * width), block(2 * width, 4 * width),
                                  nn.Flatten(), nn.Linear(4 * width * (RESOLUTION // 8) ** 2, feature_dim),
                                  nn.ReLU())
        self.heads = nn.ModuleDict({name: nn.Linear(feature_dim, n) for name, n in heads.items()})

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.body(x)
        return {name: head(f) for name, head in self.heads.items()}


def to_tensor(images) -> torch.Tensor:
    """uint8 (H, W, 3) arrays or PIL images -> (N, 3, 32, 32) in [-1, 1] (bicubic resize, as training saw)."""
    from PIL import Image

    out = []
    for img in images:
        img = img if isinstance(img, Image.Image) else Image.fromarray(np.asarray(img, dtype=np.uint8))
        img = img.convert("RGB")
        if img.size != (RESOLUTION, RESOLUTION):
            img = img.resize((RESOLUTION, RESOLUTION), Image.BICUBIC)
        out.append(np.asarray(img, dtype=np.float32) / 127.5 - 1.0)
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()


@dataclass
class AttributeClassifier:
    net: AttributeNet
    record: dict

    @torch.no_grad()
    def predict(self, images, batch_size: int = 128) -> tuple[list[dict[str, str]], np.ndarray]:
        """The attributes read from each image, and the (N, feature_dim) features."""
        self.net.eval()
        reads, feats = [], []
        for start in range(0, len(images), batch_size):
            x = to_tensor(images[start:start + batch_size])
            f = self.net.features(x)
            logits = {name: head(f) for name, head in self.net.heads.items()}
            idx = {name: v.argmax(-1).tolist() for name, v in logits.items()}
            reads += [{name: ATTRIBUTES[name][idx[name][i]] for name in ATTRIBUTES} for i in range(len(x))]
            feats.append(f.numpy())
        return reads, (np.concatenate(feats) if feats else np.zeros((0, self.net.heads["colour"].in_features)))


def _load_rows(corpus: Path, splits) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    from PIL import Image

    rows = [r for s in splits for r in data.load_split(corpus, s)]
    images = []
    for r in rows:
        with Image.open(corpus / r["image"]) as img:
            images.append(img.copy())
    labels = {name: torch.tensor([values.index(r["attributes"][name]) for r in rows])
              for name, values in ATTRIBUTES.items()}
    return to_tensor(images), labels


def _augment(x: torch.Tensor, plan: ClassifierPlan, g: torch.Generator) -> torch.Tensor:
    n = len(x)
    dy, dx = (int(v) for v in torch.randint(-1, 2, (2,), generator=g))
    x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    std = torch.rand(n, 1, 1, 1, generator=g) * plan.noise_std
    return x + std * torch.randn(x.shape, generator=g)


@torch.no_grad()
def accuracy(net: AttributeNet, x: torch.Tensor, labels: dict[str, torch.Tensor]) -> dict[str, float]:
    net.eval()
    hits = {name: 0 for name in labels}
    for start in range(0, len(x), 256):
        out = net(x[start:start + 256])
        for name in labels:
            hits[name] += int((out[name].argmax(-1) == labels[name][start:start + 256]).sum())
    acc = {name: round(h / len(x), 4) for name, h in hits.items()}
    acc["mean"] = round(float(np.mean(list(acc.values()))), 4)
    return acc


def train(work: Path, plan: ClassifierPlan = PLAN, corpus: Path | None = None) -> dict:
    """Train the classifier into `work` (weights + record) on `corpus` (default: the cached corpus)."""
    from safetensors.torch import save_file

    torch.manual_seed(plan.seed)
    corpus = corpus or data.build_corpus(seed=plan.corpus_seed, splits=TRAIN_SPLITS + HELDOUT_SPLITS)
    x, labels = _load_rows(corpus, TRAIN_SPLITS)
    heldout = {s: _load_rows(corpus, (s,)) for s in HELDOUT_SPLITS}
    net = AttributeNet(plan.width, plan.feature_dim, {name: len(v) for name, v in ATTRIBUTES.items()})
    steps = plan.epochs * -(-len(x) // plan.batch_size)
    opt = torch.optim.AdamW(net.parameters(), lr=plan.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=plan.lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(plan.seed)
    t0, losses = time.time(), []
    for epoch in range(plan.epochs):
        net.train()
        order = torch.randperm(len(x), generator=g)
        total = 0.0
        for start in range(0, len(x), plan.batch_size):
            idx = order[start:start + plan.batch_size]
            out = net(_augment(x[idx], plan, g))
            loss = sum(loss_fn(out[name], labels[name][idx]) for name in ATTRIBUTES)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        losses.append(round(total / len(x), 4))
        print(f"[classifier] epoch {epoch + 1}/{plan.epochs}: loss {losses[-1]}", file=sys.stderr)
    seconds = time.time() - t0
    record = {"what": "attribute classifier trained by the cookbook on the procedural sketch corpus "
                      "(domains/fashion/classifier.py)",
              "plan": asdict(plan), "resolution": RESOLUTION, "train_rows": len(x),
              "heldout_accuracy": {s: accuracy(net, *heldout[s]) for s in HELDOUT_SPLITS},
              "train_accuracy": accuracy(net, x, labels), "epoch_losses": losses,
              "train_seconds": round(seconds, 1), "torch_threads": torch.get_num_threads()}
    save_file(net.state_dict(), str(work / WEIGHTS))
    (work / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def load(folder: Path) -> AttributeClassifier:
    from safetensors.torch import load_file

    record = json.loads((Path(folder) / RECORD).read_text(encoding="utf-8"))
    plan = ClassifierPlan(**record["plan"])
    net = AttributeNet(plan.width, plan.feature_dim, {name: len(v) for name, v in ATTRIBUTES.items()})
    net.load_state_dict(load_file(str(Path(folder) / WEIGHTS)))
    net.eval()
    return AttributeClassifier(net, record)


VERSION = "v1"  # bump when the network or its training changes in a way the plan does not show


def folder_name(plan: ClassifierPlan = PLAN) -> str:
    """The cache folder: a new one whenever the version, the plan or the corpus generator changes."""
    key = json.dumps(asdict(plan), sort_keys=True) + data.code_hash()
    return f"fashion-attribute-classifier-{VERSION}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def ensure() -> Path:
    return cached_build(folder_name(), lambda work: train(work), marker=RECORD)


@lru_cache(maxsize=1)
def default() -> AttributeClassifier:
    """The cached classifier (trained on first use: a few minutes of CPU)."""
    return load(ensure())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the fashion attribute classifier into the cache (or --out).")
    parser.add_argument("--out", default="")
    parser.add_argument("--epochs", type=int, default=PLAN.epochs)
    args = parser.parse_args(argv)
    if not args.out:
        print(json.dumps(load(ensure()).record, indent=2))
        return 0
    Path(args.out).mkdir(parents=True, exist_ok=True)
    print(json.dumps(train(Path(args.out), ClassifierPlan(epochs=args.epochs)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
