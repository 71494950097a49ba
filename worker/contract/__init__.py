"""The contract between the API and the GPU workers: every rule both sides must agree on.

Pure standard library (no Django, no torch), so both sides can import it:

* ``hyperparameters`` — the hyperparameter schema: names, types, bounds, defaults, the presets
  and the fields a resume must not change. The API's serializer, the presets endpoint (which
  serves the bounds to the create form) and the worker's ``TrainingConfig`` are built from it.
* ``records`` — the dataset record rules: what a valid JSONL line is, checked line by line at
  upload (``backend.datasets.validation``) and again by the worker before training
  (``worker.training.data``), with the same messages and line numbers.
* ``jsonvalues`` — the limits of a JSON value (depth, integer digits, finite numbers, no NUL or
  lone surrogate), applied to every dataset line and, by the API, to every request body.
* ``names`` — the shared vocabularies: stage names and states, event types, failure
  categories, metric value fields, and the Celery task and queue names.

Why it lives under ``worker/``: a GPU host ships only the ``worker`` package (it never has
``backend/``), while the API host has the whole repository. Under ``worker/`` the contract is on
both; ``worker/__init__.py`` imports nothing, so the API importing ``worker.contract`` pulls in
neither Celery nor torch (``tests/worker/test_no_django.py`` checks the other direction).
"""
