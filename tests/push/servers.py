"""Local stand-ins for what lies outside this machine, speaking the real protocols.

- `PushService`: a browser vendor's push service (RFC 8030 + RFC 8292 VAPID +
  RFC 8291 aes128gcm). It verifies the VAPID JWT (ES256, `aud`, `exp`),
  decrypts each payload with the test device's private key and records it.
- `SmsHttpGateway`: a 政务短信平台 speaking the generic JSON protocol.
- `TencentSms` / `AliyunSms`: the HTTP layer of Tencent's and Alibaba's SMS
  APIs, answering in their documented response shapes.

Each can be told what to answer next (status, body, delay).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class LocalServer:
    """An HTTP server on 127.0.0.1 in a thread; `handle` turns a request into an answer."""

    def __init__(self, handle: Callable[[Request], Answer]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server dispatches to
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                answer = handle(request)
                if answer.delay:
                    time.sleep(answer.delay)
                raw = (
                    answer.body
                    if isinstance(answer.body, bytes)
                    else json.dumps(
                        answer.body if answer.body is not None else {}, ensure_ascii=False
                    ).encode()
                )
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- web push --------------------------------------------------------------------------


@dataclass
class Device:
    """A browser's push subscription: its keys stay here, the server gets the public half."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)

    def as_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth_b64}}


@dataclass
class Received:
    token: str
    headers: dict[str, str]
    claims: dict[str, Any]
    vapid_key: str
    payload: dict[str, Any]


class PushService:
    """Accepts what pywebpush sends, checks it like a real push service, records it."""

    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.refused: list[str] = []
        self.answers: dict[str, deque[int]] = {}
        self.http = LocalServer(self._handle)
        self.origin = self.http.origin

    def new_device(self) -> Device:
        token = secrets.token_urlsafe(12)
        device = Device(
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
        )
        self.devices[token] = device
        return device

    def answer_next(self, device: Device, *statuses: int) -> None:
        """The next pushes to this device get these statuses (then 201 again)."""
        self.answers.setdefault(device.endpoint.rsplit("/", 1)[1], deque()).extend(statuses)

    def for_device(self, device: Device) -> list[Received]:
        token = device.endpoint.rsplit("/", 1)[1]
        return [r for r in self.received if r.token == token]

    def _handle(self, request: Request) -> Answer:
        token = request.path.rsplit("/", 1)[1]
        device = self.devices.get(token)
        if device is None:
            return Answer(404, {"error": "unknown subscription"})
        try:
            claims, key = self._verify_vapid(request.headers.get("authorization", ""))
            if request.headers.get("content-encoding") != "aes128gcm":
                raise ValueError("content-encoding must be aes128gcm")
            if "ttl" not in request.headers:
                raise ValueError("TTL header missing")
            plain = http_ece.decrypt(
                request.body,
                private_key=device.private_key,
                auth_secret=device.auth,
                version="aes128gcm",
            )
        except (ValueError, InvalidSignature, KeyError) as error:
            self.refused.append(str(error))
            return Answer(403 if "vapid" in str(error).lower() else 400, {"error": str(error)})
        queued = self.answers.get(token)
        status = queued.popleft() if queued else 201
        if status == 201:
            self.received.append(
                Received(token, request.headers, claims, key, json.loads(plain.decode()))
            )
            return Answer(201, b"", {"Location": f"{self.origin}/m/{secrets.token_hex(4)}"})
        return Answer(status, {"error": f"told to answer {status}"})

    def _verify_vapid(self, authorization: str) -> tuple[dict[str, Any], str]:
        scheme, _, params = authorization.partition(" ")
        if scheme != "vapid":
            raise ValueError("vapid: Authorization must use the vapid scheme (RFC 8292)")
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        token, key_b64 = fields["t"], fields["k"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError("vapid: JWT must be ES256")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key_b64))
        raw = unb64url(signature_b64)
        signature = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"vapid: aud {claims.get('aud')} is not {self.origin}")
        now = time.time()
        if not now < int(claims["exp"]) <= now + 24 * 3600:
            raise ValueError("vapid: exp must be in the future and within 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("vapid: sub must be a mailto: or https: URL")
        return claims, key_b64

    def close(self) -> None:
        self.http.close()


# --- SMS ---------------------------------------------------------------------------------


class Scripted:
    """Answers from a queue, then a default; records every request it got."""

    def __init__(self, default: Callable[[Request], Answer]) -> None:
        self.default = default
        self.queue: deque[Answer | Callable[[Request], Answer]] = deque()
        self.requests: list[Request] = []
        self.http = LocalServer(self._handle)
        self.origin = self.http.origin
        self.host = f"127.0.0.1:{self.http.port}"

    def answer_next(self, *answers: Answer | Callable[[Request], Answer]) -> None:
        self.queue.extend(answers)

    def _handle(self, request: Request) -> Answer:
        self.requests.append(request)
        scripted = self.queue.popleft() if self.queue else self.default
        return scripted(request) if callable(scripted) else scripted

    def close(self) -> None:
        self.http.close()


class SmsHttpGateway(Scripted):
    """A 政务短信平台: JSON in, `{"code": 0, "msgId": …}` out."""

    def __init__(self) -> None:
        super().__init__(self._ok)

    def _ok(self, request: Request) -> Answer:
        return Answer(200, {"code": 0, "message": "成功", "msgId": secrets.token_hex(6)})

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.requests]


class TencentSms(Scripted):
    """Tencent Cloud API 3.0: POST JSON, `X-TC-Action: SendSms`, TC3-HMAC-SHA256 signature."""

    def __init__(self) -> None:
        super().__init__(self._ok)

    def _ok(self, request: Request) -> Answer:
        if request.headers.get("x-tc-action") != "SendSms" or not request.headers.get(
            "authorization", ""
        ).startswith("TC3-HMAC-SHA256 Credential="):
            return self.error("AuthFailure.SignatureFailure", "签名错误")
        body = json.loads(request.body)
        return Answer(
            200,
            {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": f"2028:{secrets.token_hex(8)}",
                            "PhoneNumber": body["PhoneNumberSet"][0],
                            "Fee": 1,
                            "SessionContext": body.get("SessionContext", ""),
                            "Code": "Ok",
                            "Message": "send success",
                            "IsoCode": "CN",
                        }
                    ],
                    "RequestId": secrets.token_hex(8),
                }
            },
        )

    @staticmethod
    def error(code: str, message: str) -> Answer:
        return Answer(
            200,
            {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r1"}},
        )

    @staticmethod
    def number_status(code: str, message: str) -> Answer:
        return Answer(
            200,
            {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": "",
                            "PhoneNumber": "",
                            "Fee": 0,
                            "SessionContext": "",
                            "Code": code,
                            "Message": message,
                            "IsoCode": "CN",
                        }
                    ],
                    "RequestId": "r2",
                }
            },
        )

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.requests]


class AliyunSms(Scripted):
    """Alibaba Cloud RPC API: SendSms signed (V3 `ACS3-HMAC-SHA256` header or V2
    `Signature` parameter), parameters in the query or form; JSON `Code` "OK"."""

    def __init__(self) -> None:
        super().__init__(self._ok)

    @staticmethod
    def params(request: Request) -> dict[str, str]:
        query = request.path.split("?", 1)[1] if "?" in request.path else ""
        found = {k: v[0] for k, v in parse_qs(query).items()}
        found.update({k: v[0] for k, v in parse_qs(request.body.decode()).items()})
        return found

    def _ok(self, request: Request) -> Answer:
        params = self.params(request)
        action = request.headers.get("x-acs-action") or params.get("Action")
        signed = "Signature" in params or request.headers.get("authorization", "").startswith(
            "ACS3-HMAC-SHA256 Credential="
        )
        if action != "SendSms" or not signed:
            return Answer(400, {"Code": "IncompleteSignature", "Message": "签名缺失"})
        return Answer(
            200,
            {"Code": "OK", "Message": "OK", "BizId": f"9{secrets.token_hex(6)}", "RequestId": "r"},
        )
