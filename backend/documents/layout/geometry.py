"""The numbers of GB/T 9704-2012 (in points unless the name says mm)."""

from __future__ import annotations

MM = 72 / 25.4  # points per millimetre

PAGE_W_MM = 210.0
PAGE_H_MM = 297.0
TOP_MM = 37.0  # 天头 (版心 top edge from the page top)
LEFT_MM = 28.0  # 订口 (版心 left edge)
BODY_W_MM = 156.0  # 版心 width
BODY_H_MM = 225.0  # 版心 height
RIGHT_MM = PAGE_W_MM - LEFT_MM - BODY_W_MM  # 26 mm
BOTTOM_MM = PAGE_H_MM - TOP_MM - BODY_H_MM  # 35 mm

LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

SIZE_2HAO = 22.0  # 2号: 标题
SIZE_3HAO = 16.0  # 3号: 正文, 版头要素
SIZE_4HAO = 14.0  # 4号: 版记, 页码

LINE_PITCH = BODY_H_MM * MM / LINES_PER_PAGE  # 28.99 pt: 22 lines fill 225 mm
CHAR_PITCH = BODY_W_MM * MM / CHARS_PER_LINE  # 15.79 pt: 28 characters fill 156 mm
# 3号 is 16 pt, a little wider than the 156/28 mm grid: a negative letter-spacing closes the gap
# (a hair more, so that rounding never pushes the 28th character to the next line).
BODY_LETTER_SPACING = CHAR_PITCH - SIZE_3HAO - 0.004

MARK_TOP_MM = 35.0  # 发文机关标志 top edge below the 版心 top edge
MARK_MAX_SIZE = 44.0  # 发文机关标志 size when it fits the 版心 width
RULE_GAP_MM = 4.0  # the red separator lies 4 mm below 发文字号
RED_RULE_MM = 0.5  # the red separator's thickness (the standard does not fix it)
RED = "#E60012"  # 红色 of 发文机关标志, separator and 印章 (CMYK 0/100/100/0 in sRGB)
BANJI_THICK_MM = 0.35  # 版记 first and last rules
BANJI_THIN_MM = 0.25  # 版记 middle rules
PAGE_NUMBER_GAP_MM = 7.0  # the 一字线 of the page number lies 7 mm below the 版心 bottom edge
SEAL_MM = 42.0  # 印章 diameter
