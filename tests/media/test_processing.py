"""Image validation and re-encoding: formats, metadata stripped, pixel cap, variants."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from storefront.media.processing import ImageRejected, process
from storefront.media.storage import LocalStorage, make_key, valid_key
from tests.media.images import make_image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepts_jpeg_png_webp_and_makes_variants(fmt):
    out = process(make_image(fmt, size=(1600, 1200)))
    assert (out.width, out.height) == (1600, 1200)
    assert [w.width for w, _ in out.variants] == [320, 640, 1280]
    for webp, jpeg in out.variants:
        assert Image.open(io.BytesIO(webp.data)).format == "WEBP"
        assert Image.open(io.BytesIO(jpeg.data)).format == "JPEG"
        assert webp.height == round(webp.width * 3 / 4)


def test_small_image_gets_one_variant_at_its_own_width():
    out = process(make_image("PNG", size=(200, 100)))
    assert [(w.width, w.height) for w, _ in out.variants] == [(200, 100)]


def test_metadata_is_stripped():
    data = make_image("JPEG", exif=True)
    assert Image.open(io.BytesIO(data)).getexif()  # the upload carries EXIF (camera, GPS)
    out = process(data)
    for rendition in [out.master] + [r for pair in out.variants for r in pair]:
        img = Image.open(io.BytesIO(rendition.data))
        assert not img.getexif()
        assert b"SecretCam" not in rendition.data


def test_transparency_is_flattened_onto_white():
    out = process(make_image("PNG", mode="RGBA", size=(100, 100)))
    img = Image.open(io.BytesIO(out.master.data))
    assert img.mode == "RGB"


def test_decompression_bomb_refused_before_decoding():
    # A 20000 x 20000 PNG compresses to a few hundred KB but decodes to 1.6 GB.
    img = Image.new("1", (20000, 20000))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    with pytest.raises(ImageRejected, match="pixels"):
        process(buf.getvalue())


def test_pixel_cap_is_configurable():
    with pytest.raises(ImageRejected, match="limit is 10,000 pixels"):
        process(make_image("PNG", size=(200, 200)), max_pixels=10_000)


@pytest.mark.parametrize("data", [b"", b"GIF89a" + b"\0" * 50, b"<svg/>", b"\xff\xd8\xff\xe0garbage"])
def test_not_an_accepted_image(data):
    with pytest.raises(ImageRejected):
        process(data)


def test_gif_refused_by_name():
    buf = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buf, "GIF")
    with pytest.raises(ImageRejected, match="GIF files are not accepted"):
        process(buf.getvalue())


def test_local_storage_content_hashed_keys(tmp_path):
    store = LocalStorage(tmp_path)
    key = make_key("ab" * 32, "640", "webp")
    assert valid_key(key) and key.startswith("ab/")
    store.put(key, b"data")
    assert store.get(key) == b"data" and store.exists(key)
    for bad in ("../etc/passwd", "ab/../../x.webp", "ab/xyz.exe"):
        assert not valid_key(bad)
        with pytest.raises(KeyError):
            store.get(bad)
