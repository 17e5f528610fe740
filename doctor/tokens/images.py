"""Image input tokens by OpenAI's tile rules, and image sizes read from PNG/JPEG/GIF/WebP headers.

The rule (OpenAI vision guide, "Calculating costs"): ``detail: low`` costs the base tokens;
``high`` scales the image to fit a 2048 x 2048 square, then down so its shortest side is at
most 768 px, and costs the base plus a per-tile price for each 512 px tile. gpt-4o-mini
uses much larger base and tile numbers (billed at its lower text price). Models with other
image rules (patch-based mini/nano models, o-series, gpt-5) are not counted here: the caller
reports them as "not counted" instead of guessing.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class TileRule:
    base: int
    tile: int


# (model-name pattern, rule). Documented in the vision guide's cost table; the gpt-4o-mini
# numbers also match usage measured by users (2845 = 2833 + 12 text tokens for a low image).
TILE_RULES = (
    (re.compile(r"^(ft:)?gpt-4o-mini(-|:|$)"), TileRule(base=2833, tile=5667)),
    (re.compile(r"^(ft:)?(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo|gpt-4-vision)(?!-mini|-nano)(-|:|$)"), TileRule(base=85, tile=170)),
)


def tile_rule_for(model: str) -> TileRule | None:
    return next((rule for pattern, rule in TILE_RULES if pattern.match(model)), None)


def image_tokens(rule: TileRule, width: int, height: int, detail: str) -> int:
    """Tokens of one ``width`` x ``height`` image at ``detail`` "low" or "high"."""
    if detail == "low":
        return rule.base
    w, h = Fraction(width), Fraction(height)
    if max(w, h) > 2048:
        scale = Fraction(2048) / max(w, h)
        w, h = w * scale, h * scale
    if min(w, h) > 768:
        scale = Fraction(768) / min(w, h)
        w, h = w * scale, h * scale
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return rule.base + rule.tile * tiles


_DATA_URL = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def size_from_data_url(url: str) -> tuple[int, int] | None:
    """(width, height) of a base64 ``data:image/...`` URL, or None when it cannot be read."""
    match = _DATA_URL.match(url)
    if not match:
        return None
    try:
        data = base64.b64decode(url[match.end():], validate=False)
    except (binascii.Error, ValueError):
        return None
    return image_size(data)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header of PNG, JPEG, GIF or WebP bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xDA)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _JPEG_SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None
