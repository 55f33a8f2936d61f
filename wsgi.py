"""The WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``.

The garbage collector is paused while the app is made, and what was made is then frozen out of
later collections: otherwise the collector takes a third of the start-up time, walking objects
that live as long as the process (``app.startup`` says more).
"""

import gc

gc.disable()
try:
    from app import create_app

    app = create_app()
finally:
    gc.enable()
gc.freeze()
