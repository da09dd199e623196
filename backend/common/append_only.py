"""A PostgreSQL trigger that refuses UPDATE and DELETE: for logs nobody may rewrite.

Used by migrations (the audit log, flow history). Other databases get
nothing: the services never update these rows, the trigger is the backstop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Operation = Callable[[Any, Any], None]


def append_only(
    table: str, function: str, trigger: str, message: str
) -> tuple[Operation, Operation]:
    """The (forward, backward) pair for `migrations.RunPython`."""
    forbid = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{message}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger}
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    allow = f"""
DROP TRIGGER IF EXISTS {trigger} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forbid)

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(allow)

    return forward, backward
