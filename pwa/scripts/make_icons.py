"""Draw the 政通 app icons (no CJK font needed): a white speech bubble with a
five-point star on the brand blue. Run: /work/main/.venv/bin/python scripts/make_icons.py"""

import math
from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (29, 95, 211, 255)
RED = (214, 48, 49, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"


def star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # supersample for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, s, s], fill=BLUE)
        inner = s * 0.62  # keep the motif inside the 80 % safe zone
    else:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=int(s * 0.22), fill=BLUE)
        inner = s * 0.72
    off = (s - inner) / 2
    w = inner
    h = inner * 0.74
    top = off + inner * 0.06
    d.rounded_rectangle([off, top, off + w, top + h], radius=int(w * 0.2), fill=WHITE)
    tail = [(off + w * 0.22, top + h - 2), (off + w * 0.16, top + h + inner * 0.18), (off + w * 0.44, top + h - 2)]
    d.polygon(tail, fill=WHITE)
    d.polygon(star(off + w / 2, top + h / 2, h * 0.34), fill=RED)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png")
        draw(size, maskable=True).save(OUT / f"maskable-{size}.png")
    draw(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png")
    print("icons written to", OUT)


if __name__ == "__main__":
    main()
