"""GPU hosts never import Django: nothing under worker/ may import it (directly)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).resolve().parents[2] / "worker"


def test_no_module_under_worker_imports_django_or_backend() -> None:
    offenders = []
    for path in WORKER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(WORKER.parent)}: {n}"
                for n in names
                if n.split(".")[0] in ("django", "rest_framework", "backend")
            ]
    assert offenders == []


def test_the_celery_app_and_task_load_on_a_host_without_django() -> None:
    # Make Django unimportable, as on a GPU host without it (kombu only probes for it).
    code = (
        "import sys\n"
        "class NoDjango:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('django', 'rest_framework', 'backend'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, NoDjango())\n"
        "import worker.tasks, worker.celery_app as c\n"
        "assert 'worker.run_job' in c.app.tasks\n"
        "conf = c.app.conf\n"
        "assert conf.worker_prefetch_multiplier == 1 and conf.task_acks_late\n"
        "assert conf.task_reject_on_worker_lost and conf.task_time_limit is None\n"
        "assert conf.broker_transport_options['visibility_timeout'] >= 24 * 3600\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=WORKER.parent, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
