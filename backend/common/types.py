from __future__ import annotations

from uuid import UUID

# Jobs are keyed by UUID; ids arrive as UUIDs from the ORM and as strings from URLs and tasks.
JobId = UUID | str
