"""On PostgreSQL, refuse UPDATE and DELETE of audit entries at the database."""

from django.db import migrations

from backend.common.append_only import append_only

forward, backward = append_only(
    "audit_auditentry",
    "audit_entry_append_only",
    "audit_entry_no_update_delete",
    "audit entries are append-only",
)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
