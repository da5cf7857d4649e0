"""Pictures in seed files: paths relative to the JSON file, loaded and exported with it.

A record's ``images`` list names files beside the catalogue (``images/panel-300.jpg``). On
the command line they are read from the JSON file's folder; in the browser from the .zip
the staff member uploaded (the JSON plus its images). ``images`` absent or null leaves a
product's pictures alone; a list replaces them when the files or alt texts differ.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.catalog.models import Product
from storefront.media import service as media
from storefront.media.models import ProductImage
from storefront.media.processing import ImageRejected, process
from storefront.media.storage import Storage

MAX_IMAGE_BYTES = 20 * 1024 * 1024


class ImageSource(Protocol):
    def read(self, path: str) -> bytes:
        """The file's bytes; FileNotFoundError (message for people) when it is not there."""
        ...


def _clean(path: str) -> str:
    norm = posixpath.normpath(path.replace("\\", "/"))
    if norm.startswith(("/", "../")) or norm == "..":
        raise FileNotFoundError("outside the catalogue's folder")
    return norm


class DirectorySource:
    """Files beside a seed file on disk."""

    def __init__(self, base: str | Path):
        self.base = Path(base).resolve()

    def read(self, path: str) -> bytes:
        target = (self.base / _clean(path)).resolve()
        if self.base not in target.parents:
            raise FileNotFoundError("outside the catalogue's folder")
        if not target.is_file():
            raise FileNotFoundError(f"no such file beside the catalogue ({target.name})")
        if target.stat().st_size > MAX_IMAGE_BYTES:
            raise FileNotFoundError("file larger than 20 MB")
        return target.read_bytes()


class ZipSource:
    """Files inside an uploaded .zip, relative to the folder holding its JSON file."""

    def __init__(self, archive: zipfile.ZipFile, base: str = ""):
        self.archive, self.base = archive, base

    def read(self, path: str) -> bytes:
        name = posixpath.join(self.base, _clean(path)) if self.base else _clean(path)
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise FileNotFoundError("not in the uploaded .zip") from None
        if info.file_size > MAX_IMAGE_BYTES:
            raise FileNotFoundError("file larger than 20 MB")
        return self.archive.read(info)


class NoFiles:
    """A bare JSON upload: there is nowhere to read pictures from."""

    def read(self, path: str) -> bytes:
        raise FileNotFoundError("a JSON file alone carries no pictures: upload a .zip holding "
                                "the JSON file and its images")


def open_bundle(data: bytes) -> tuple[str, ImageSource]:
    """The JSON text and image source of an upload: a .zip bundle or plain JSON bytes."""
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise ValueError("the .zip file is damaged") from None
        names = [n for n in archive.namelist() if n.lower().endswith(".json")
                 and not n.startswith("__MACOSX/")]
        if not names:
            raise ValueError("the .zip holds no .json catalogue file")
        names.sort(key=lambda n: (n.count("/"), n != "products.json", n))
        name = names[0]
        text = archive.read(name).decode("utf-8")
        return text, ZipSource(archive, posixpath.dirname(name))
    return data.decode("utf-8"), NoFiles()


def _wanted(rec: dict) -> bool:
    return rec.get("images") is not None


def check_images(records: list[tuple[int, dict]], source: ImageSource) -> tuple[list[str], dict]:
    """Every image path that cannot be read or is not an acceptable picture, by JSON path.

    Returns (errors, {path: bytes}) so the bytes are read once.
    """
    errors: list[str] = []
    files: dict[str, bytes] = {}
    for i, rec in records:
        for j, ref in enumerate(rec.get("images") or []):
            where = f"products[{i}].images[{j}].path"
            if ref["path"] in files:
                continue
            try:
                data = source.read(ref["path"])
                process(data)
            except FileNotFoundError as exc:
                errors.append(f"{where}: {ref['path']}: {exc}")
                continue
            except ImageRejected as exc:
                errors.append(f"{where}: {ref['path']}: {exc}")
                continue
            files[ref["path"]] = data
    return errors, files


def same_images(current: list[ProductImage], incoming: list[tuple[str, str]]) -> bool:
    """Whether a product's images match (alt, sha256) pairs from a file, in order.

    A file matches an image when it is the upload it came from or the master an export wrote.
    """
    if len(current) != len(incoming):
        return False
    for img, (alt, sha) in zip(current, incoming, strict=True):
        master_digest = img.master_key.split("/")[-1][:32]
        if img.alt != alt:
            return False
        if sha != img.source_sha256 and sha[:32] != master_digest:
            return False
    return True


def sync_images(session: Session, storage: Storage, records: list[dict],
                files: dict[str, bytes]) -> list[str]:
    """Make each record's products carry exactly its listed images; returns SKUs changed."""
    wanted = [r for r in records if _wanted(r)]
    if not wanted:
        return []
    ids = dict(session.execute(select(Product.sku, Product.id)
                               .where(Product.sku.in_([r["sku"] for r in wanted]))).all())
    current = media.images_for(session, list(ids.values()))
    changed: list[str] = []
    for rec in wanted:
        pid = ids[rec["sku"]]
        incoming = [(ref["alt"], hashlib.sha256(files[ref["path"]]).hexdigest())
                    for ref in rec["images"]]
        if same_images(current[pid], incoming):
            continue
        for img in current[pid]:
            session.delete(img)
        session.flush()
        for pos, ref in enumerate(rec["images"]):
            values = media.store(storage, process(files[ref["path"]]))
            session.add(ProductImage(product_id=pid, position=pos, alt=ref["alt"], **values))
        changed.append(rec["sku"])
    session.flush()
    return changed


def export_images(session: Session, storage: Storage,
                  records: list[dict]) -> dict[str, bytes]:
    """Add ``images`` to exported records; returns {relative path: bytes} to write beside them."""
    ids = dict(session.execute(select(Product.sku, Product.id)).all())
    by_product = media.images_for(session, [ids[r["sku"]] for r in records if r["sku"] in ids])
    files: dict[str, bytes] = {}
    for rec in records:
        images = by_product.get(ids.get(rec["sku"]), [])
        if not images:
            continue
        refs = []
        for n, img in enumerate(images, start=1):
            path = f"images/{rec['sku'].lower()}-{n}.jpg"
            files[path] = storage.get(img.master_key)
            refs.append({"path": path, "alt": img.alt})
        rec["images"] = refs
    return files
