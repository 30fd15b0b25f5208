"""Error pages (HTML) and error bodies (JSON under /api/): never a bare 500.

The unit of work (uow.py) has rolled back by the time a handler runs."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .auth.permissions import PermissionDenied


def N_(text: str) -> str:
    """Marks a message for the catalog; it is translated when shown."""
    return text


MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in."),
    403: N_("You do not have permission to do this."),
    404: N_("The page or object was not found."),
    405: N_("This method is not allowed here."),
    409: N_("The object was changed by someone else."),
    413: N_("What was sent is too large (a file above the size limit?). Nothing was saved: "
            "go back and choose a smaller file."),
    429: N_("Too many attempts. Wait a few minutes and try again."),
    500: N_("Something went wrong on our side. The change was not saved."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, message: str | None = None):
    text = message or (_(MESSAGES[status]) if status in MESSAGES else _("Error"))
    if _wants_json():
        return {"error": {"status": status, "message": text}}, status
    return render_template("errors/error.html", status=status, message=text), status


def init_errors(app: Flask) -> None:
    @app.errorhandler(PermissionDenied)
    def _denied(_exc):
        return render_error(403)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_error(400, _("The form had expired or was not sent from this site. "
                                   "Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = exc.description if getattr(exc, "riskreg_message", False) else None
        return render_error(status, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        return render_error(500)


def abort_with(status: int, message: str):
    """Abort with a message meant for the user (shown in HTML and JSON bodies)."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[status](description=message)
    exc.riskreg_message = True
    raise exc
