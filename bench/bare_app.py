"""A bare Flask endpoint: the framework's ceiling on this machine, for throughput ratios."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():  # type: ignore[no-untyped-def]
    return jsonify({"status": "ok"})
