"""On PostgreSQL, refuse UPDATE and DELETE of flow history at the database."""

from typing import Any

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION workflow_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'workflow history is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflow_history_no_update_delete
    BEFORE UPDATE OR DELETE ON workflow_historyentry
    FOR EACH ROW EXECUTE FUNCTION workflow_history_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS workflow_history_no_update_delete ON workflow_historyentry;
DROP FUNCTION IF EXISTS workflow_history_append_only();
"""


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
