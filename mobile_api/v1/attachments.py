"""Uploads, and downloads authorised on every request (no public URLs)."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput
from mobile_api.v1.common import errors, request_context, uploaded_file, user_of
from mobile_api.v1.schemas import AttachmentOut, output
from realtime import selectors, services
from realtime.models import Attachment
from realtime.payloads import attachment_payload

UploadInput = inline_serializer("UploadInput", {"file": serializers.FileField()})


class AttachmentUploadView(APIView):
    parser_classes = (MultiPartParser,)

    @extend_schema(request=UploadInput, responses={201: AttachmentOut, **errors(400, 401)})
    def post(self, request: Request) -> Response:
        upload = uploaded_file(request)
        attachment = services.attachment_upload(
            actor=user_of(request),
            name=upload.name or "",
            size=upload.size or 0,
            stream=upload,
            context=request_context(request),
        )
        return Response(
            output(AttachmentOut, attachment_payload(attachment)), status=status.HTTP_201_CREATED
        )


def download_response(request: Request, attachment: Attachment) -> FileResponse:
    """Serve a file the caller has authorised, and record the download."""
    services.attachment_download_record(
        actor=user_of(request), attachment=attachment, context=request_context(request)
    )
    inline = attachment.kind == "image" and request.query_params.get("download") != "1"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.mime,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AttachmentDownloadView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes, **errors(401, 404)})
    def get(self, request: Request, token: str) -> FileResponse:
        attachment = selectors.attachment_get(viewer=user_of(request), token=token)
        return download_response(request, attachment)


class AttachmentThumbnailView(APIView):
    @extend_schema(responses={(200, "image/jpeg"): bytes, **errors(400, 401, 404)})
    def get(self, request: Request, token: str) -> FileResponse:
        attachment = selectors.attachment_get(viewer=user_of(request), token=token)
        if attachment.kind != "image":
            raise InvalidInput.of(codes.NO_THUMBNAIL)
        # Until the worker has made the thumbnail, the re-encoded image serves.
        source = attachment.thumbnail if attachment.thumbnail else attachment.file
        mime = "image/jpeg" if attachment.thumbnail else attachment.mime
        response = FileResponse(source.open("rb"), content_type=mime)
        response["Cache-Control"] = "private, max-age=3600"
        return response
