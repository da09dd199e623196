"""A person of the demo organisation no other browser test logs in as, for the
两步验证 tests: ``python -m tests.e2e.seed_two_factor_person`` with the server's
``DATABASE_URL`` after ``seed_demo``; reads ``{"unit": "JC-DATA"}`` on stdin and
prints ``{"mobile": "…", "name": "…"}`` (the unit's first plain member by id).
Nothing is written."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from backend.directory.management.commands.seed_demo import DEMO_LOGINS
    from backend.directory.models import Position

    spec = json.load(sys.stdin)
    position = (
        Position.objects.filter(department__unit__code=spec["unit"], user__is_staff=False)
        .exclude(user__mobile__in=[d.mobile for d in DEMO_LOGINS])
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    if position is None:
        raise SystemExit(f"{spec['unit']} has nobody to use")
    json.dump({"mobile": position.user.mobile, "name": position.user.name}, sys.stdout)


if __name__ == "__main__":
    main()
