"""Who handles 公文 in a unit of the demo organisation, for the browser tests.

Run as ``python -m tests.e2e.seed_document_people`` with the server's
``DATABASE_URL`` after ``seed_demo``; reads ``{"unit": "JC-FIN"}`` on stdin
and prints ``{"clerk": "<mobile>", "clerk_name": "…"}``: the unit's first
clerk (收发员/文书, Role.CLERK), the person 分发 reaches. Nothing is written.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from backend.directory.models import Role, RoleAssignment

    spec = json.load(sys.stdin)
    row = (
        RoleAssignment.objects.filter(unit__code=spec["unit"], role=Role.CLERK)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    if row is None:
        raise SystemExit(f"{spec['unit']} has no clerk")
    json.dump({"clerk": row.user.mobile, "clerk_name": row.user.name}, sys.stdout)


if __name__ == "__main__":
    main()
