"""Background jobs of calls, run by the worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from backend.calls import services


@task()
def call_rings_expire(call_id: int) -> None:
    """ZT_CALL_RING_SECONDS after a ring: whoever is still rung missed it."""
    services.rings_expire(call_id)


@task()
def call_peer_expire(peer_pk: int) -> None:
    """ZT_CALL_REJOIN_SECONDS after a joined socket closed: the peer has left unless it rejoined."""
    services.peer_expire(peer_pk)
