"""WSGI entry point: ``gunicorn wsgi:app``."""

from riskreg import create_app

app = create_app()
