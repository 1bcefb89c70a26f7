"""Photos as phones send them: with GPS, camera and orientation in EXIF, larger than kept;
and a decompression bomb (a tiny PNG whose header promises a gigapixel)."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# 哈尔滨 中央大街, as a phone writes it: degrees, minutes, seconds.
GPS = {1: "N", 2: (45.0, 46.0, 30.0), 3: "E", 4: (126.0, 37.0, 5.0)}


def gps_jpeg_bytes(size: tuple[int, int] = (2400, 1800), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0112] = orientation
    exif[0x8825] = GPS  # the GPS IFD
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG", exif=exif, quality=60)
    return out.getvalue()


def gps_jpeg(name: str = "IMG_0001.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, gps_jpeg_bytes(**kwargs), content_type="image/jpeg")


def bomb_png(name: str = "bomb.png", side: int = 30_000) -> SimpleUploadedFile:
    """A valid-looking PNG of side × side pixels (900 MP) in a few hundred bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * (side + 1)))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, data, content_type="image/png")


def assert_clean(data: bytes, max_side: int = 1600) -> Image.Image:
    """The stored bytes: an image with no EXIF (so no GPS) and within the size limit."""
    image = Image.open(io.BytesIO(data))
    assert not image.getexif(), dict(image.getexif())
    assert "exif" not in image.info and "xmp" not in image.info
    assert max(image.size) <= max_side, image.size
    return image
