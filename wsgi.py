"""The WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``.

The garbage collector is paused while the app is made, and what was made is then frozen out of
later collections: otherwise the collector takes a third of the start-up time, walking objects
that live as long as the process (``app.startup`` says more).
"""

import gc
import sys

gc.disable()
try:
    from app import create_app
    from app.config import ConfigError

    try:
        app = create_app()
    except ConfigError as error:
        # What is missing, in words, not a traceback (the command line and gunicorn alike).
        sys.exit(f"Error: {error}")
finally:
    gc.enable()
gc.freeze()
