"""WSGI entry point for production servers: ``gunicorn 'registry_kernel.wsgi:app'``."""

from .app import create_app

app = create_app()
