"""Static files under content-hashed names, compressed once, cached for a year.

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.<hash>.css``, the hash
being the first 12 hex digits of the file's SHA-256: a changed file gets a new name, so the
browser may keep a named file for a year without asking again (``immutable``). The static
view serves each file from memory, brotli- or gzip-compressed as the browser accepts
(compressed once per file version, the first time it is asked for). The plain name still
answers, cached for an hour; an outdated hash answers the current file, not cached.

Only our own static files are compressed, not the HTML: a compressed page that carries
both a secret (the CSRF token) and text from the URL (a search) would open it to BREACH.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

try:  # Brotli is a dependency; gzip alone still works without it
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

YEAR = 365 * 24 * 3600
HOUR = 3600
MIN_COMPRESS = 500  # bytes; smaller files go as they are
BR_QUALITY = 9  # on the fly: 0.4 s for plotly.js; its .br beside it is quality 11
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass
class Asset:
    path: Path
    body: bytes
    digest: str
    mimetype: str
    mtime: float
    encoded: dict[str, bytes] = field(default_factory=dict)

    def encoding_for(self, accepted) -> str | None:
        """The best encoding the browser accepts for this file (None: as it is)."""
        if len(self.body) < MIN_COMPRESS or not self.mimetype.startswith(COMPRESSIBLE):
            return None
        if brotli is not None and accepted["br"]:
            return "br"
        if accepted["gzip"]:
            return "gzip"
        return None

    def encode(self, encoding: str) -> bytes:
        if encoding not in self.encoded:
            if encoding == "br":
                self.encoded[encoding] = self._precompressed_br() or brotli.compress(
                    self.body, quality=BR_QUALITY)
            else:
                self.encoded[encoding] = gzip.compress(self.body, compresslevel=9, mtime=0)
        return self.encoded[encoding]

    def _precompressed_br(self) -> bytes | None:
        """A ``<file>.br`` beside the file (brotli's best, too slow to make per request:
        7 s for plotly.js), used when it holds exactly this file."""
        packed = self.path.with_name(self.path.name + ".br")
        if not packed.is_file():
            return None
        data = packed.read_bytes()
        try:
            return data if brotli.decompress(data) == self.body else None
        except brotli.error:
            return None


class Assets:
    """The files of one static folder, read and hashed when first asked for."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._files: dict[str, Asset] = {}
        self._lock = threading.Lock()

    def get(self, filename: str) -> Asset | None:
        path = safe_join(str(self.folder), filename)
        if path is None:
            return None
        try:
            mtime = Path(path).stat().st_mtime
        except OSError:
            return None
        if not Path(path).is_file():
            return None
        with self._lock:
            asset = self._files.get(filename)
            if asset is None or asset.mtime != mtime:  # new, or changed (development)
                body = Path(path).read_bytes()
                mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                if mimetype == "application/javascript":
                    mimetype = "text/javascript"
                digest = hashlib.sha256(body).hexdigest()[:12]
                asset = Asset(Path(path), body, digest, mimetype, mtime)
                self._files[filename] = asset
            return asset

    def hashed_name(self, filename: str) -> str:
        """``css/app.css`` → ``css/app.<hash>.css`` (unchanged for a missing file)."""
        asset = self.get(filename)
        if asset is None:
            return filename
        stem, dot, ext = filename.rpartition(".")
        if not dot or "/" in ext:
            return f"{filename}.{asset.digest}"
        return f"{stem}.{asset.digest}.{ext}"

    def split(self, filename: str) -> tuple[str, str | None]:
        """(the file's real name, the hash asked for or None)."""
        if self.get(filename) is not None:
            return filename, None
        match = _HASHED.match(filename)
        if match is None:
            return filename, None
        return match["stem"] + match["ext"], match["digest"]


def init_assets(app: Flask) -> None:
    """Hashed names for url_for('static', …) and the static view that serves them."""
    assets = Assets(app.static_folder)
    app.extensions["riskreg.assets"] = assets

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.hashed_name(values["filename"])

    def static(filename: str) -> Response:
        real, digest = assets.split(filename)
        asset = assets.get(real)
        if asset is None:
            abort(404)
        encoding = asset.encoding_for(request.accept_encodings)
        response = Response(asset.encode(encoding) if encoding else asset.body,
                            mimetype=asset.mimetype)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
        response.set_etag(f"{asset.digest}-{encoding or 'identity'}")
        if digest is None:
            response.cache_control.public = True
            response.cache_control.max_age = HOUR
        elif digest == asset.digest:
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        else:  # a page from before a deploy: the current file, asked for again next time
            response.cache_control.no_cache = True
        return response.make_conditional(request)

    app.view_functions["static"] = static
