"""Font lookup for the GB/T 9704 layout.

Each typeface the standard names is a *role*; a role resolves to one font file:

1. a file in ``ZT_DOCUMENT_FONTS_DIR`` (a Django setting, else the environment variable) whose
   name is one of the role's known names (the commercial fonts a unit may drop in: 方正小标宋,
   仿宋_GB2312, 黑体, 楷体_GB2312, 宋体), matched without regard to case;
2. else the project's own freely licensed fonts (SIL OFL 1.1), installed by ``make install`` from
   npm into ``fonts/node_modules`` (``fonts/package.json``): Noto Serif SC and Noto Sans SC as whole
   TTF files.

The system's fonts are never used for a role: WeasyPrint gets each role as an ``@font-face``
with a ``file://`` URL, and the tests check the fonts embedded in the PDF.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PROJECT_FONTS = PROJECT_ROOT / "fonts" / "node_modules" / "@expo-google-fonts"


class Role(StrEnum):
    XIAOBIAOSONG = "xiaobiaosong"  # 小标宋: 发文机关标志, 标题
    FANGSONG = "fangsong"  # 仿宋: 正文, 版记
    HEITI = "heiti"  # 黑体: 份号/密级/紧急程度, 第一层标题
    KAITI = "kaiti"  # 楷体: 第二层标题, 签发人姓名
    SONGTI = "songti"  # 宋体: 页码


# A unit's own (commercial) fonts, found by file name in ZT_DOCUMENT_FONTS_DIR.
DROP_IN_NAMES: dict[Role, tuple[str, ...]] = {
    Role.XIAOBIAOSONG: (
        "xiaobiaosong",
        "方正小标宋简体",
        "方正小标宋_gbk",
        "fzxbsjw",
        "fzxbsk",
        "fzxiaobiaosong-b05s",
        "fzxiaobiaosong-b05",
    ),
    Role.FANGSONG: ("fangsong", "仿宋_gb2312", "仿宋", "fs_gb2312", "simfang", "fzfsjw", "fzfsk"),
    Role.HEITI: ("heiti", "黑体", "simhei", "fzhtjw", "fzhtk"),
    Role.KAITI: ("kaiti", "楷体_gb2312", "楷体", "kt_gb2312", "simkai", "fzktjw", "fzktk"),
    Role.SONGTI: ("songti", "宋体", "simsun", "fzssjw", "fzssk"),
}
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")

# The project's freely licensed stand-ins (relative to PROJECT_FONTS).
PROJECT_DEFAULTS: dict[Role, str] = {
    Role.XIAOBIAOSONG: "noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf",
    Role.FANGSONG: "noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf",
    Role.HEITI: "noto-sans-sc/500Medium/NotoSansSC_500Medium.ttf",
    Role.KAITI: "noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf",
    Role.SONGTI: "noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf",
}


class FontsMissing(RuntimeError):
    """The project's fonts are not installed (run ``make install``)."""


@dataclass(frozen=True)
class FontChoice:
    role: Role
    path: Path
    drop_in: bool  # True when a unit's own font from ZT_DOCUMENT_FONTS_DIR


def fonts_dir_setting() -> str:
    """``ZT_DOCUMENT_FONTS_DIR`` from Django's settings when configured, else the environment."""
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, "ZT_DOCUMENT_FONTS_DIR", None)
            if value is not None:
                return str(value)
    except ImportError:  # pragma: no cover - Django is always installed here
        pass
    return os.environ.get("ZT_DOCUMENT_FONTS_DIR", "")


def _drop_in(directory: Path, role: Role) -> Path | None:
    if not directory.is_dir():
        return None
    by_name = {
        p.stem.lower(): p
        for p in sorted(directory.iterdir())
        if p.is_file() and p.suffix.lower() in FONT_SUFFIXES
    }
    for name in DROP_IN_NAMES[role]:
        if name in by_name:
            return by_name[name]
    return None


def resolve_fonts(fonts_dir: str | None = None) -> dict[Role, FontChoice]:
    """The font file for every role (a unit's drop-in first, else the project's Noto fonts)."""
    directory = Path(fonts_dir if fonts_dir is not None else fonts_dir_setting())
    chosen: dict[Role, FontChoice] = {}
    for role in Role:
        found = _drop_in(directory, role) if str(directory) not in ("", ".") else None
        if found is not None:
            chosen[role] = FontChoice(role, found, drop_in=True)
            continue
        default = PROJECT_FONTS / PROJECT_DEFAULTS[role]
        if not default.is_file():
            raise FontsMissing(
                f"公文排版字体未安装：缺少 {default}，请运行 make install（npm 安装 fonts/）。"
            )
        chosen[role] = FontChoice(role, default, drop_in=False)
    return chosen
