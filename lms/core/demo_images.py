"""Small pictures for the demo data and the tests (logos, a signature), written as PNG by hand."""

import math
import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG whose pixel (x, y) is pixel(x, y)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def logo_png(
    size: int = 96,
    ground: tuple[int, int, int] = (16, 42, 84),
    ring: tuple[int, int, int] = (212, 160, 23),
) -> bytes:
    """A plain emblem: a ring on a disc (navy and gold unless told)."""
    c = (size - 1) / 2

    def pixel(x: int, y: int) -> Pixel:
        r = math.hypot(x - c, y - c)
        if r > size * 0.49:
            return (255, 255, 255, 0)
        return (*(ring if size * 0.28 <= r <= size * 0.4 else ground), 255)

    return png(size, size, pixel)


def signature_png(width: int = 240, height: int = 80, seed: float = 1.0) -> bytes:
    """A pen stroke in dark blue ink on a transparent ground, standing in for a signature."""

    def curve(x: float) -> float:
        t = x / width
        return height / 2 + (height / 3.2) * math.sin(t * 9 * seed) * math.cos(t * 3.1 + seed)

    def pixel(x: int, y: int) -> Pixel:
        if 0.06 * width < x < 0.94 * width and abs(y - curve(x)) < 2.2:
            return (20, 40, 120, 255)
        return (255, 255, 255, 0)

    return png(width, height, pixel)
