"""`make run`: the whole product on one machine (`manage.py run_all`, in this app's commands).

A Django app only for its management commands (`run_all`, `seed_demo`): it has no models. The
supervisor and the embedded Redis need no settings; demo.py uses the ORM and is only imported
from the commands. Keeping them here leaves `backend.common` a leaf that imports no other app.
"""
