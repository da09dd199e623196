"""The one SMS gateway interface every provider implements.

Chinese providers send only pre-approved templates: a message is a template
id, its parameters and the 签名 (sign name) registered with the provider, never
free text. A gateway either returns the provider's message id or raises
`SmsError` saying whether trying again later may help (`transient`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SmsMessage:
    mobile: str  # 11-digit mainland number, no country code
    template: str
    params: dict[str, str] = field(default_factory=dict)  # ordered: positional providers use values
    sign_name: str = ""
    out_id: str = ""  # our reference, echoed by providers that support one


@dataclass(frozen=True)
class SmsSent:
    provider_message_id: str


class SmsError(Exception):
    """The provider did not take the message; `transient` = worth retrying."""

    def __init__(self, code: str, message: str, *, transient: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient


class SmsGateway(ABC):
    name = "gateway"

    @abstractmethod
    def send(self, message: SmsMessage) -> SmsSent:
        """Hand one message to the provider; raise `SmsError` if it was not taken."""


def code_in(code: str, families: tuple[str, ...]) -> bool:
    """Whether a provider's error code is one of `families` or under one
    (`InternalError.Timeout` is under `InternalError`): how the cloud gateways
    tell a transient failure from a final one."""
    return any(code == known or code.startswith(known + ".") for known in families)
