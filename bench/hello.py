"""The yardstick of ``bench/load.py``: bare Flask answering ``/hello``
(``gunicorn bench.hello:app``)."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "Hello"
