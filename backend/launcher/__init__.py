"""`make run`: the whole product on one machine (see backend/common/management/commands/run_all.py).

Not a Django app: the supervisor and the embedded Redis need no settings; demo.py uses the ORM and
is only imported from management commands.
"""
