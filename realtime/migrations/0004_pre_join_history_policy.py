"""Pre-join history policy: `Conversation.history_visible_to_new_members` and
`Membership.joined_seq` (backfilled from the events: the seq of the last
message whose `message.new` event came before the member's `joined_pos`)."""

from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill_joined_seq(apps: Any, schema_editor: Any) -> None:
    Membership = apps.get_model("realtime", "Membership")
    ConversationEvent = apps.get_model("realtime", "ConversationEvent")
    before_join = (
        ConversationEvent.objects.filter(
            conversation=OuterRef("conversation"),
            type="message.new",
            pos__lt=OuterRef("joined_pos"),
        )
        .order_by("-pos")
        .values("message__seq")[:1]
    )
    Membership.objects.update(
        joined_seq=Coalesce(Subquery(before_join, output_field=models.BigIntegerField()), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("realtime", "0003_ws_ticket_credential"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="history_visible_to_new_members",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="membership",
            name="joined_seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(backfill_joined_seq, migrations.RunPython.noop),
    ]
