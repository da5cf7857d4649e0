"""Serve stored product images (local storage, or S3 without a public URL) and picture markup."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from storefront.media.service import image_url, storage_for
from storefront.media.storage import CACHE_FOREVER, content_type, valid_key

bp = Blueprint("media", __name__)


@bp.get("/media/<path:key>")
def serve(key: str):
    """One stored rendition; content-hashed names never change, so caches keep them a year."""
    if not valid_key(key):
        abort(404)
    etag = key.rsplit("/", 1)[-1].split(".")[0]
    if request.if_none_match and etag in request.if_none_match:
        resp = Response(status=304)
    else:
        storage = storage_for(current_app)
        path = getattr(storage, "path", None)
        if path is not None:
            target = path(key)
            if not target.is_file():
                abort(404)
            from flask import send_file

            resp = send_file(target, mimetype=content_type(key), conditional=False, etag=False,
                             max_age=31536000)
        else:
            try:
                data = storage.get(key)
            except Exception:  # noqa: BLE001 - a missing object is a 404 whatever the backend says
                abort(404)
            resp = Response(data, mimetype=content_type(key))
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = CACHE_FOREVER
    return resp


def srcsets(image) -> dict[str, str]:
    """``webp`` / ``jpeg`` srcset strings and the fallback ``src`` of a ProductImage."""
    variants = image.variants or []
    return {
        "webp": ", ".join(f"{image_url(v['webp'])} {v['width']}w" for v in variants),
        "jpeg": ", ".join(f"{image_url(v['jpeg'])} {v['width']}w" for v in variants),
        "src": image_url(variants[min(1, len(variants) - 1)]["jpeg"]) if variants else "",
    }
