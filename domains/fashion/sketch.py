"""Drawing an outfit sketch: a front-facing croquis on a light background, the garment as polygons filled with its
colour and print, at 64 x 64 pixels (drawn at 4x and downsampled, so edges are smooth). Every attribute changes
the picture in a way a small classifier can see: the shape of the lower half (skirt or trousers, its width and
length), the sleeves, a cut-out at the neck, the print, and the jacket panels."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw

from domains.fashion.attributes import COLOURS, Outfit

SIZE = 64
SCALE = 4
BACKGROUND = (236, 236, 232)
SKIN = (222, 184, 150)
CHARCOAL = (70, 70, 78)
JACKET = {"black": (20, 20, 24), "white": (250, 250, 250)}
HEM_Y = {"short": 38, "midi": 47, "long": 57}
HEM_HALF = {"fitted": 7, "a-line": 12, "flared": 17}  # half width of a skirt hem
LEG_HALF = {"fitted": 2.5, "a-line": 3.5, "flared": 5.5}  # half width of a trouser leg at the hem
SLEEVE_END = {"sleeveless": None, "short": 21, "long": 37}


def _s(points):
    return [(x * SCALE, y * SCALE) for x, y in points]


def _mask(draw_fn) -> Image.Image:
    img = Image.new("L", (SIZE * SCALE, SIZE * SCALE), 0)
    draw_fn(ImageDraw.Draw(img))
    return img


def accent_of(base: tuple[int, int, int]) -> tuple[int, int, int]:
    """The print's contrast colour on a fabric: darker on a light colour, lighter on a dark one."""
    if sum(base) > 450:
        return tuple(max(0, c - 110) for c in base)
    return tuple(min(255, c + 150) for c in base)


def _print(pattern: str, base: tuple[int, int, int]) -> Image.Image:
    """The garment's fabric over the whole canvas: its colour with the print in a light or dark contrast."""
    size = SIZE * SCALE
    accent = accent_of(base)
    img = Image.new("RGB", (size, size), base)
    d = ImageDraw.Draw(img)
    step = 6 * SCALE  # 3 pixels a half-period at 32 x 32
    if pattern == "striped":
        for y in range(0, size, step):
            d.rectangle([0, y, size, y + step // 2 - 1], fill=accent)
    elif pattern == "dotted":
        for y in range(step // 2, size, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, size, step):
                d.ellipse([x - SCALE, y - SCALE, x + SCALE, y + SCALE], fill=accent)
    elif pattern == "checked":
        for y in range(0, size, step):
            d.rectangle([0, y, size, y + step // 2 - 1], fill=accent)
        for x in range(0, size, step):
            d.rectangle([x, 0, x + step // 2 - 1, size], fill=accent)
        for y in range(0, size, step):
            for x in range(0, size, step):
                d.rectangle([x, y, x + step // 2 - 1, y + step // 2 - 1], fill=base)
    elif pattern == "diagonal":
        for k in range(-size, size, step):
            d.polygon([(k, 0), (k + step // 2, 0), (k + step // 2 + size, size), (k + size, size)], fill=accent)
    return img


def _body(d: ImageDraw.ImageDraw) -> None:
    d.ellipse(_s([(28.5, 2), (35.5, 10)]), fill=SKIN)  # head
    d.rectangle(_s([(31, 9), (33, 14)]), fill=SKIN)  # neck
    for side in (-1, 1):  # arms and legs, covered later where the garment is
        d.line(_s([(32 + side * 8, 14), (32 + side * 11, 37)]), fill=SKIN, width=3 * SCALE)
        d.line(_s([(32 + side * 3, 36), (32 + side * 4, 60)]), fill=SKIN, width=3 * SCALE)


def _top(d, o: Outfit) -> None:
    d.polygon(_s([(24, 14), (40, 14), (38.5, 27), (25.5, 27)]), fill=255)
    end = SLEEVE_END[o.sleeves]
    if end is not None:
        for side in (-1, 1):
            t = (end - 14) / 23
            d.line(_s([(32 + side * 8, 14.5), (32 + side * (8 + 3 * t), end)]), fill=255, width=4 * SCALE)


def _neck_cut(d, o: Outfit) -> None:
    if o.neckline == "crew":
        d.ellipse(_s([(29.5, 11.5), (34.5, 16)]), fill=0)
    elif o.neckline == "v-neck":
        d.polygon(_s([(28.5, 13.5), (35.5, 13.5), (32, 21)]), fill=0)
    else:
        d.rectangle(_s([(28.5, 13.5), (35.5, 18)]), fill=0)


def _skirt(d, o: Outfit) -> None:
    hem, half = HEM_Y[o.length], HEM_HALF[o.silhouette]
    d.polygon(_s([(25.5, 26), (38.5, 26), (32 + half, hem), (32 - half, hem)]), fill=255)


def _trousers(d, o: Outfit) -> None:
    hem, half = HEM_Y[o.length] + 1, LEG_HALF[o.silhouette]
    d.polygon(_s([(25.5, 26), (38.5, 26), (38.5, 31), (32, 32), (25.5, 31)]), fill=255)
    for side in (-1, 1):
        inner, outer = 32 + side * 0.5, 32 + side * 6.5
        d.polygon(_s([(inner, 30), (outer, 26), (32 + side * (3.5 + half), hem), (32 + side * (3.5 - half), hem)]),
                  fill=255)


def _jacket(d, o: Outfit) -> None:
    for side in (-1, 1):
        d.polygon(_s([(32 + side * 2.5, 14), (32 + side * 8.5, 14), (32 + side * 7, 30), (32 + side * 3, 30)]),
                  fill=255)
        d.line(_s([(32 + side * 8, 14.5), (32 + side * 11, 36)]), fill=255, width=4 * SCALE)


def draw(o: Outfit) -> Image.Image:
    """The 64 x 64 RGB sketch of an outfit."""
    img = Image.new("RGB", (SIZE * SCALE, SIZE * SCALE), BACKGROUND)
    _body(ImageDraw.Draw(img))
    fabric = _print(o.pattern, COLOURS[o.colour])
    top = _mask(lambda d: (_top(d, o), _neck_cut(d, o)))
    lower = _mask(lambda d: (_trousers if o.has_trousers else _skirt)(d, o))
    if o.garment in ("dress", "jumpsuit"):
        img.paste(fabric, (0, 0), ImageChops.lighter(top, lower))
    else:
        img.paste(Image.new("RGB", img.size, CHARCOAL), (0, 0), lower)
        img.paste(fabric, (0, 0), top)
    if o.layer == "jacket":
        img.paste(Image.new("RGB", img.size, JACKET[o.jacket_colour]), (0, 0), _mask(lambda d: _jacket(d, o)))
    return img.resize((SIZE, SIZE), Image.LANCZOS)
