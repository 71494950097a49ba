"""HTTP names every app's file downloads share."""

from __future__ import annotations

# The sha256 of a downloaded file's bytes (checkpoints, adapters, datasets), so a client can
# verify what it received. One name on the user API and on the worker API.
SHA256_HEADER = "X-Content-SHA256"
