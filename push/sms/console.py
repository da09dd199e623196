"""The embedded default: SMS are written to the log, nothing leaves the machine."""

from __future__ import annotations

import itertools
import logging

from push.sms.base import SmsGateway, SmsMessage, SmsSent

logger = logging.getLogger("push.sms.console")
_ids = itertools.count(1)


class ConsoleGateway(SmsGateway):
    name = "console"

    def send(self, message: SmsMessage) -> SmsSent:
        masked = message.mobile[:3] + "****" + message.mobile[-4:]
        logger.info(
            "SMS to %s 【%s】 template=%s params=%s",
            masked,
            message.sign_name,
            message.template,
            message.params,
        )
        return SmsSent(provider_message_id=f"console-{next(_ids)}")
