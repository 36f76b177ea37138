"""The example type of the diffusion kind: an image with its caption (and, where the domain knows them, its
attributes, for metrics)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImageExample:
    id: str
    image_path: str
    prompt: str
    group: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
