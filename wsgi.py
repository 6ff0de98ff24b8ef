"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from config import Config
from peernotes import create_app
from peernotes.ops.logs import configure_logging

config = Config.from_env()
# Before the app exists, so that Flask adds no handler of its own to the app's logger.
configure_logging(config.log_format)
app = create_app(config)
