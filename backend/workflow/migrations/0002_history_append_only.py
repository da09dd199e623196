"""On PostgreSQL, refuse UPDATE and DELETE of flow history at the database."""

from django.db import migrations

from backend.common.append_only import append_only

forward, backward = append_only(
    "workflow_historyentry",
    "workflow_history_append_only",
    "workflow_history_no_update_delete",
    "workflow history is append-only",
)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
