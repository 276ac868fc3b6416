"""Pictures of the demo's products, drawn with Pillow: coffee cherries, green and roasted
beans, peppercorns, a durian, passion fruit, cashews, macadamias, rice and greens.

Simple illustrations (shapes and colours, no text) so that no demo product shows a
placeholder. Each is drawn at twice its size and reduced, for smooth edges; the shapes
come from a generator seeded by the picture's name, so the bytes are the same on every run.
"""

import io
import math
import random
from collections.abc import Callable
from functools import cache

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 640, 480
SCALE = 2  # drawn at twice the size, then reduced: Pillow's shapes have no anti-aliasing
W, H = WIDTH * SCALE, HEIGHT * SCALE

Colour = tuple[int, int, int]
Painter = Callable[[ImageDraw.ImageDraw, random.Random], None]


def _shade(colour: Colour, amount: float) -> Colour:
    """Lighter (amount > 0) or darker (amount < 0) by a share of the way to white or black."""
    target = 255 if amount > 0 else 0
    return tuple(round(c + (target - c) * abs(amount)) for c in colour)


def _oval(cx: float, cy: float, rx: float, ry: float, angle: float, steps: int = 28) -> list:
    """The points of an ellipse turned by ``angle`` radians."""
    cos, sin = math.cos(angle), math.sin(angle)
    points = []
    for i in range(steps):
        t = 2 * math.pi * i / steps
        x, y = rx * math.cos(t), ry * math.sin(t)
        points.append((cx + x * cos - y * sin, cy + x * sin + y * cos))
    return points


def _ball(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour: Colour) -> None:
    """A round fruit or seed with a dark rim and a highlight."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_shade(colour, -0.35))
    draw.ellipse((cx - r * 0.92, cy - r * 0.92, cx + r * 0.88, cy + r * 0.88), fill=colour)
    h = r * 0.28
    hx, hy = cx - r * 0.38, cy - r * 0.38
    draw.ellipse((hx - h, hy - h, hx + h, hy + h), fill=_shade(colour, 0.45))


def _leaf(draw, cx, cy, length, angle, colour: Colour) -> None:
    """A leaf with its midrib."""
    draw.polygon(_oval(cx, cy, length, length * 0.38, angle), fill=colour)
    dx, dy = math.cos(angle) * length * 0.9, math.sin(angle) * length * 0.9
    draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=_shade(colour, -0.3), width=5)


def _bean(draw, cx, cy, size, angle, colour: Colour) -> None:
    """A coffee bean: an oval with the crease down its middle."""
    draw.polygon(_oval(cx, cy, size, size * 0.7, angle), fill=_shade(colour, -0.25))
    draw.polygon(_oval(cx, cy, size * 0.9, size * 0.6, angle), fill=colour)
    crease = [
        (
            cx
            + math.cos(angle) * t * size * 0.75
            - math.sin(angle) * math.sin(t * 2.5) * size * 0.12,
            cy
            + math.sin(angle) * t * size * 0.75
            + math.cos(angle) * math.sin(t * 2.5) * size * 0.12,
        )
        for t in (i / 6 - 1 for i in range(13))
    ]
    draw.line(crease, fill=_shade(colour, -0.5), width=max(3, round(size / 9)))


def _heap(rng: random.Random, count: int, cx: float, cy: float, rx: float, ry: float):
    """Points spread over a mound, more of them near its middle, drawn back to front."""
    points = []
    for _ in range(count):
        r, t = math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        points.append((cx + r * rx * math.cos(t), cy + r * ry * math.sin(t) * 0.8))
    return sorted(points, key=lambda p: p[1])


def _basket(draw, cx, cy, rx, ry, colour: Colour = (170, 120, 70)) -> None:
    """A flat woven basket (nia) seen from the side, under a heap."""
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=_shade(colour, -0.3))
    draw.ellipse((cx - rx * 0.95, cy - ry * 0.9, cx + rx * 0.95, cy + ry * 0.8), fill=colour)
    for i in range(1, 12):
        x = cx - rx + 2 * rx * i / 12
        draw.line((x, cy - ry * 0.8, x, cy + ry * 0.75), fill=_shade(colour, -0.15), width=4)


def _coffee_cherries(draw, rng) -> None:
    draw.line((0, H * 0.35, W, H * 0.55), fill=(105, 70, 40), width=34)
    for i in range(9):
        x = W * (0.06 + i * 0.11)
        y = H * 0.35 + (H * 0.2) * x / W
        for side in (-1, 1):
            _leaf(draw, x + 40, y + side * 150, 150, side * 1.1 + 0.3, (50, 120, 50))
    for i in range(7):
        x = W * (0.12 + i * 0.13)
        y = H * 0.35 + (H * 0.2) * x / W
        for _ in range(9):
            colour = rng.choice(((190, 25, 30), (205, 40, 35), (170, 20, 40), (230, 120, 40)))
            if rng.random() < 0.12:
                colour = (120, 170, 60)
            _ball(draw, x + rng.uniform(-60, 60), y + rng.uniform(-50, 50), 38, colour)


def _beans(colours: tuple[Colour, ...]) -> Painter:
    def paint(draw, rng) -> None:
        _basket(draw, W / 2, H * 0.62, W * 0.45, H * 0.3)
        for x, y in _heap(rng, 170, W / 2, H * 0.52, W * 0.36, H * 0.36):
            _bean(draw, x, y, rng.uniform(34, 42), rng.uniform(0, math.pi), rng.choice(colours))

    return paint


def _pepper(draw, rng) -> None:
    _basket(draw, W / 2, H * 0.64, W * 0.45, H * 0.28, (150, 110, 70))
    for x, y in _heap(rng, 650, W / 2, H * 0.55, W * 0.38, H * 0.38):
        shade = rng.choice(((45, 38, 32), (60, 48, 40), (35, 30, 28), (75, 58, 45)))
        _ball(draw, x, y, rng.uniform(15, 20), shade)
    # A fresh spike of green corns on top.
    for i in range(14):
        _ball(draw, W * 0.62 + i * 22, H * 0.18 + i * 14, 17, (70, 140, 50))


def _durian(draw, rng) -> None:
    cx, cy, rx, ry = W / 2, H * 0.54, W * 0.25, H * 0.37
    body, dark, light = (150, 165, 55), (95, 110, 30), (195, 200, 95)
    draw.polygon(_oval(cx, cy, rx * 1.06, ry * 1.06, 0, 64), fill=dark)
    draw.polygon(_oval(cx, cy, rx, ry, 0, 64), fill=body)
    for row in range(-5, 6):
        for col in range(-5, 6):
            x, y = cx + (col + (row % 2) / 2) * rx / 4.6, cy + row * ry / 5.2
            if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 0.85:
                continue
            s = 30 + rng.uniform(-4, 4)
            # A thorn as a small pyramid: a lit face and a shaded one.
            draw.polygon([(x, y - s), (x - s * 0.7, y + s * 0.5), (x, y + s * 0.2)], fill=light)
            draw.polygon([(x, y - s), (x + s * 0.7, y + s * 0.5), (x, y + s * 0.2)], fill=dark)
    draw.line((cx, cy - ry, cx + 20, cy - ry - 110), fill=(100, 80, 40), width=28)


def _passion_fruit(draw, rng) -> None:
    purple = (95, 40, 85)
    _ball(draw, W * 0.3, H * 0.55, 220, purple)
    draw.line((W * 0.3, H * 0.55 - 215, W * 0.34, H * 0.55 - 290), fill=(90, 110, 50), width=18)
    # A half, cut: white rind, yellow pulp, dark seeds.
    cx, cy = W * 0.7, H * 0.58
    draw.ellipse((cx - 215, cy - 215, cx + 215, cy + 215), fill=purple)
    draw.ellipse((cx - 195, cy - 195, cx + 195, cy + 195), fill=(240, 235, 210))
    draw.ellipse((cx - 170, cy - 170, cx + 170, cy + 170), fill=(235, 180, 30))
    for x, y in _heap(rng, 70, cx, cy, 140, 175):
        draw.ellipse((x - 14, y - 14, x + 14, y + 14), fill=(245, 205, 70))
        draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=(40, 30, 20))


def _kidney(draw, x, y, size, start, colour: Colour) -> None:
    """A cashew nut: a thick curved stroke with a darker rim."""
    box = (x - size, y - size * 0.75, x + size, y + size * 0.75)
    draw.arc(box, start, start + 190, fill=_shade(colour, -0.3), width=round(size * 0.75))
    inner = (box[0] + 4, box[1] + 4, box[2] - 4, box[3] - 4)
    draw.arc(inner, start + 4, start + 186, fill=colour, width=round(size * 0.75) - 8)


def _cashew(draw, rng) -> None:
    apple = (230, 95, 40)
    for cx, tilt in ((W * 0.28, -0.12), (W * 0.52, 0.15)):
        cy = H * 0.38
        draw.polygon(_oval(cx, cy, 115, 175, tilt, 48), fill=_shade(apple, -0.25))
        draw.polygon(_oval(cx, cy, 105, 165, tilt, 48), fill=apple)
        draw.ellipse((cx - 60, cy - 110, cx - 15, cy - 65), fill=_shade(apple, 0.4))
        # The raw nut hangs below the apple.
        _kidney(draw, cx, cy + 165, 85, 0, (125, 120, 80))
    for x, y in _heap(rng, 10, W * 0.78, H * 0.8, W * 0.16, H * 0.12):
        _kidney(draw, x, y, 58, rng.uniform(0, 360), (238, 214, 160))


def _macadamia(draw, rng) -> None:
    _basket(draw, W / 2, H * 0.64, W * 0.45, H * 0.28, (160, 115, 70))
    for x, y in _heap(rng, 75, W / 2, H * 0.52, W * 0.36, H * 0.34):
        r = rng.uniform(44, 54)
        if rng.random() < 0.25:
            _ball(draw, x, y, r, (110, 70, 40))
            draw.pieslice(
                (x - r * 0.8, y - r * 0.8, x + r * 0.8, y + r * 0.8), 200, 340, fill=(240, 225, 185)
            )
        else:
            _ball(draw, x, y, r, rng.choice(((125, 80, 45), (140, 90, 50), (110, 72, 42))))


def _rice(draw, rng) -> None:
    bowl = (60, 90, 140)
    cx, cy = W / 2, H * 0.6
    draw.pieslice((cx - 430, cy - 330, cx + 430, cy + 330), 0, 180, fill=bowl)
    draw.ellipse((cx - 430, cy - 70, cx + 430, cy + 70), fill=_shade(bowl, 0.2))
    for x, y in _heap(rng, 900, cx, cy - 60, 400, 210):
        if y > cy + 40:
            continue
        colour = rng.choice(((250, 248, 238), (240, 236, 220), (232, 226, 205)))
        draw.polygon(_oval(x, y, 16, 7, rng.uniform(0, math.pi), 12), fill=colour)
    # A stalk of ripe paddy.
    draw.line((W * 0.85, H, W * 0.8, H * 0.1), fill=(180, 150, 60), width=10)
    for i in range(12):
        y = H * 0.12 + i * 34
        for side in (-1, 1):
            draw.polygon(_oval(W * 0.8 + side * 26, y, 24, 11, side * 0.6, 12), fill=(215, 175, 60))


def _vegetables(draw, rng) -> None:
    greens = ((60, 150, 60), (80, 170, 70), (45, 125, 55))
    for i in range(5):
        base_x = W * (0.18 + i * 0.16)
        draw.polygon(
            [
                (base_x - 30, H * 0.95),
                (base_x + 30, H * 0.95),
                (base_x + 12, H * 0.55),
                (base_x - 12, H * 0.55),
            ],
            fill=(225, 240, 210),
        )
        for _ in range(5):
            angle = -math.pi / 2 + rng.uniform(-0.7, 0.7)
            length = rng.uniform(130, 180)
            x = base_x + math.cos(angle) * length * 0.9
            y = H * 0.58 + math.sin(angle) * length * 0.9
            _leaf(draw, x, y, length, angle, rng.choice(greens))
    for x in (W * 0.1, W * 0.9):
        _ball(draw, x, H * 0.82, 70, (215, 45, 35))  # tomatoes beside the greens


PAINTERS: dict[str, tuple[Colour, Painter]] = {
    "coffee_cherries": ((236, 242, 226), _coffee_cherries),
    "green_coffee": ((238, 232, 215), _beans(((170, 180, 130), (160, 172, 120), (182, 188, 140)))),
    "roasted_coffee": ((238, 226, 205), _beans(((95, 55, 28), (80, 45, 22), (110, 65, 35)))),
    "pepper": ((240, 232, 214), _pepper),
    "durian": ((232, 240, 222), _durian),
    "passion_fruit": ((242, 236, 224), _passion_fruit),
    "cashew": ((236, 238, 224), _cashew),
    "macadamia": ((240, 234, 220), _macadamia),
    "rice": ((236, 232, 218), _rice),
    "vegetables": ((238, 242, 230), _vegetables),
}


@cache
def picture(name: str) -> bytes:
    """The PNG of the illustration ``name`` (a key of ``PAINTERS``); the same bytes each run."""
    background, paint = PAINTERS[name]
    image = Image.new("RGB", (W, H), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, H * 0.78, W, H), fill=_shade(background, -0.12))  # a table top
    paint(draw, random.Random(name))
    out = io.BytesIO()
    # A box filter halves the size well enough, at a fraction of Lanczos's time; the store
    # re-encodes it as JPEG anyway, so the PNG is packed lightly.
    image.reduce(SCALE).save(out, "PNG", compress_level=1)
    return out.getvalue()
