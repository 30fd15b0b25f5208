"""Response headers: a Content-Security-Policy with no inline scripts or styles, HSTS over
HTTPS, no caching of signed-in pages and the API, and friends."""

from flask import Flask, Response, request, session

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the region's other hosts decide
# Our own files may be cached (versioned by deploys, and not personal).
CACHEABLE_ENDPOINTS = frozenset({"static", "vendor.plotly", "vendor.plotly_css"})


def _personal(response: Response) -> bool:
    """A signed-in page or an API answer: kept out of browser and proxy caches."""
    if request.endpoint in CACHEABLE_ENDPOINTS:
        return False
    return request.path.startswith("/api/") or "_user_id" in session


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if _personal(response):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
