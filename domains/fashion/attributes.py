"""The outfit vocabulary: every attribute of a sketch, its values, how a description names them, and the seeded
draw of one outfit. The held-out style split differs from the base split by its prints (gingham check and bias
stripe), which no base-split sketch wears, so a model pretrained on the base split has never drawn them."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

GARMENTS = ("dress", "jumpsuit", "top-and-skirt", "top-and-trousers")
SILHOUETTES = ("fitted", "a-line", "flared")
LENGTHS = ("short", "midi", "long")
NECKLINES = ("crew", "v-neck", "square")
SLEEVES = ("sleeveless", "short", "long")
COLOURS = {"red": (200, 30, 40), "blue": (40, 70, 190), "green": (30, 140, 60), "yellow": (235, 200, 40),
           "pink": (235, 120, 170), "purple": (120, 50, 160), "orange": (240, 130, 30), "black": (25, 25, 30)}
BASE_PATTERNS = ("plain", "striped", "dotted")
STYLE_PATTERNS = ("checked", "diagonal")
PATTERNS = BASE_PATTERNS + STYLE_PATTERNS
LAYERS = ("none", "jacket")
ATTRIBUTES = {"garment": GARMENTS, "silhouette": SILHOUETTES, "length": LENGTHS, "neckline": NECKLINES,
              "sleeves": SLEEVES, "colour": tuple(COLOURS), "pattern": PATTERNS, "layer": LAYERS}
SPLIT_PATTERNS = {"base": BASE_PATTERNS, "style": STYLE_PATTERNS}

# Fashion terms per value; trousers and jumpsuits name silhouette and length as trousers do.
SKIRT_SILHOUETTE = {"fitted": "sheath", "a-line": "A-line", "flared": "full flared"}
TROUSER_SILHOUETTE = {"fitted": "slim", "a-line": "straight-leg", "flared": "wide-leg"}
SKIRT_LENGTH = {"short": "mini", "midi": "midi", "long": "maxi"}
TROUSER_LENGTH = {"short": "shorts-length", "midi": "cropped", "long": "full-length"}
NECKLINE_TERMS = {"crew": "a crew neckline", "v-neck": "a V-neckline", "square": "a square neckline"}
SLEEVE_TERMS = {"sleeveless": "sleeveless", "short": "with short sleeves", "long": "with long sleeves"}
PATTERN_TERMS = {"plain": "in a solid colour", "striped": "in a horizontal stripe", "dotted": "in a polka-dot print",
                 "checked": "in a gingham check", "diagonal": "in a bias stripe"}


@dataclass(frozen=True)
class Outfit:
    garment: str
    silhouette: str
    length: str
    neckline: str
    sleeves: str
    colour: str
    pattern: str
    layer: str

    def attributes(self) -> dict[str, str]:
        return asdict(self)

    @property
    def has_trousers(self) -> bool:
        return self.garment in ("jumpsuit", "top-and-trousers")

    @property
    def jacket_colour(self) -> str:
        return "white" if self.colour == "black" else "black"


def draw_outfit(rng: random.Random, split: str) -> Outfit:
    """One outfit, every attribute drawn uniformly; the print from the split's own set."""
    values = {name: rng.choice(options) for name, options in ATTRIBUTES.items() if name != "pattern"}
    return Outfit(pattern=rng.choice(SPLIT_PATTERNS[split]), **values)


def describe(outfit: Outfit, rng: random.Random) -> str:
    """A description in fashion terms naming every attribute (the phrasing varies with `rng`)."""
    o = outfit
    sil = (TROUSER_SILHOUETTE if o.has_trousers else SKIRT_SILHOUETTE)[o.silhouette]
    length = (TROUSER_LENGTH if o.has_trousers else SKIRT_LENGTH)[o.length]
    sleeves = SLEEVE_TERMS[o.sleeves]
    neck = NECKLINE_TERMS[o.neckline]
    pattern = PATTERN_TERMS[o.pattern]
    if o.garment == "dress":
        core = f"a {o.colour} {sil} {length} dress {pattern}, {sleeves}, with {neck}"
    elif o.garment == "jumpsuit":
        core = f"a {o.colour} jumpsuit with {sil} {length} legs {pattern}, {sleeves}, with {neck}"
    elif o.garment == "top-and-skirt":
        core = (f"a {o.colour} top {pattern}, {sleeves}, with {neck}, over a charcoal {sil} {length} skirt")
    else:
        core = f"a {o.colour} top {pattern}, {sleeves}, with {neck}, and charcoal {sil} {length} trousers"
    if o.layer == "jacket":
        core += f", layered under a cropped {o.jacket_colour} jacket"
    opener = rng.choice(["", "fashion sketch of ", "flat sketch: ", "look: "])
    return (opener + core).strip()
