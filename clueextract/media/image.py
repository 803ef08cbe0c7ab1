"""Decode an image safely: size limits before any pixel is decoded, EXIF orientation
applied, truncated or hostile files turned into clear errors."""
from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError


class ImageDecodeError(Exception):
    pass


@dataclass
class DecodedImage:
    raw: Image.Image          # as stored (metadata readers use this: EXIF before transposition)
    rgb: np.ndarray           # upright RGB pixels
    info: dict


def decode_image(data: bytes, max_pixels: int) -> DecodedImage:
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own guard, at 2x this it refuses in open()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w <= 0 or h <= 0:
                raise ImageDecodeError(f"image declares an empty size {w}x{h}")
            if w * h > max_pixels:
                raise ImageDecodeError(
                    f"image declares {w}x{h} = {w * h / 1e6:.0f} megapixels, over the {max_pixels / 1e6:.0f} MP "
                    f"limit (decompression-bomb guard); not decoded")
            fmt = img.format
            img.load()
            upright = ImageOps.exif_transpose(img)
            rgb = np.asarray(upright.convert("RGB"))
            orientation = img.getexif().get(0x0112, 1) if hasattr(img, "getexif") else 1
    except ImageDecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageDecodeError(f"decompression-bomb guard: {e}") from e
    except UnidentifiedImageError as e:
        raise ImageDecodeError("content looks like an image but no decoder could identify it") from e
    except (OSError, SyntaxError, ValueError, EOFError, struct_error()) as e:
        msg = str(e) or type(e).__name__
        if "truncated" in msg.lower():
            msg = f"image data is truncated ({msg})"
        raise ImageDecodeError(f"cannot decode image: {msg}") from e
    except Exception as e:  # noqa: BLE001 - Pillow's decoders also fail on hostile files with TypeError,
        # KeyError, IndexError, ZeroDivisionError ... (a TIFF strip offset of type FLOAT: TypeError in load())
        raise ImageDecodeError(f"cannot decode image: the decoder failed on malformed data "
                               f"({type(e).__name__}: {e})") from e
    return DecodedImage(img, rgb, {"format": fmt, "width": w, "height": h,
                                   "exif_orientation": int(orientation) if isinstance(orientation, int) else None})


def struct_error():
    return struct.error
