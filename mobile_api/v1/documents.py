"""公文 over REST: 拟稿, the lists, a document and its 处理笺, actions, 收文 (docs/documents.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common import error_catalogue as codes
from backend.common.errors import InvalidInput, NotFound
from backend.documents import (
    detail,
    drafting,
    flows,
    lists,
    receiving,
    rendering,
    selectors,
    services,
)
from backend.documents.kinds import Kind, Publicity, Secrecy, Urgency
from backend.documents.models import Receipt, UnitSettings
from backend.workflow import resolvers
from backend.workflow import selectors as flow
from backend.workflow import services as workflow
from backend.workflow.services import ActParams
from mobile_api.v1.attachments import download_response
from mobile_api.v1.common import (
    errors,
    query_int,
    request_context,
    uploaded_file,
    user_of,
    validated,
)
from mobile_api.v1.documents_shapes import (
    DocCountsOut,
    DocListOut,
    DocumentDetailOut,
    MetaOut,
    ReceiptDetailOut,
)
from mobile_api.v1.flow_shapes import FlowNodesOut, OpinionOut
from mobile_api.v1.schemas import AttachmentOut, output
from realtime.payloads import attachment_payload

BOX_LABELS = {
    "todo": "待办",
    "done": "已办",
    "mine": "我起草的",
    "sent": "发文登记簿",
    "received": "收文登记簿",
}

# --- inputs -------------------------------------------------------------------------


def _ids(**kw: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField(), **kw)


class DocSubmitInput(serializers.Serializer[Any]):
    kind = serializers.CharField(max_length=16)
    title = serializers.CharField(max_length=200)
    secrecy = serializers.CharField(required=False, default="none", max_length=16)
    urgency = serializers.CharField(required=False, default="normal", max_length=16)
    publicity = serializers.CharField(required=False, default="not_public", max_length=16)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    main_file = serializers.CharField(required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=20
    )
    main_to = _ids(max_length=200)
    copy_to = _ids(required=False, default=list, max_length=200)
    countersign_departments = _ids(
        required=False, default=list, max_length=30, help_text="会签部门 (any unit's)"
    )
    countersign_units = _ids(
        required=False, default=list, max_length=30, help_text="会签单位 (not the drafting unit)"
    )
    client_id = serializers.CharField(max_length=64)


class DocActBaseInput(serializers.Serializer[Any]):
    action = serializers.CharField(max_length=16)
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    target = serializers.CharField(required=False, allow_null=True, default=None, max_length=32)
    user_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    next_assignees = _ids(required=False, allow_null=True, default=None)
    task_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    handwriting = serializers.CharField(required=False, allow_blank=True, default="")
    save_opinion = serializers.BooleanField(required=False, default=False)


class DocumentActInput(DocActBaseInput):
    doc_number = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="登记时手工填写的发文字号",
    )


class ReceiptActInput(DocActBaseInput):
    departments = _ids(required=False, allow_null=True, default=None, help_text="批办：承办部门")


class ReceiptRefuseInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)


class ReceiptRegisterInput(serializers.Serializer[Any]):
    handle_type = serializers.ChoiceField(choices=Receipt.HandleType.values)
    circulate = serializers.ChoiceField(
        choices=["sequential", "all"], required=False, default="sequential"
    )
    copies = serializers.IntegerField(required=False, default=1)
    source_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64
    )


class RedistributeInput(serializers.Serializer[Any]):
    unit_id = serializers.IntegerField()


class PhraseInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=200)


UploadInput = inline_serializer(
    "DocumentUploadInput",
    {
        "file": serializers.FileField(),
        "main": serializers.BooleanField(
            required=False, help_text="正文文件（.docx/.pdf/.ofd/.wps）"
        ),
    },
)
HandwritingInput = inline_serializer("HandwritingInput", {"file": serializers.FileField()})


def _params(v: dict[str, Any]) -> ActParams:
    return ActParams(
        opinion=v["opinion"],
        target=v["target"],
        user_id=v["user_id"],
        next_assignees=v["next_assignees"],
        task_id=v["task_id"],
    )


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"id": value, "name": label} for value, label in choices]


def _detail(request: Request, document_id: int) -> Response:
    viewer = user_of(request)
    document = selectors.document_get(viewer=viewer, document_id=document_id)
    return Response(output(DocumentDetailOut, detail.document_detail(document, viewer)))


def _receipt(request: Request, receipt_id: int) -> Response:
    viewer = user_of(request)
    receipt = selectors.receipt_get(viewer=viewer, receipt_id=receipt_id)
    return Response(output(ReceiptDetailOut, detail.receipt_detail(receipt, viewer)))


# --- reference data and files -------------------------------------------------------


class MetaView(APIView):
    @extend_schema(responses={200: MetaOut, **errors(401)})
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        try:
            unit = resolvers.origin_of(viewer).unit
        except InvalidInput:
            unit = None
        row = UnitSettings.objects.filter(unit=unit).first() if unit else None
        meta = {
            "kinds": _choices(Kind.choices),
            "secrecy": _choices(Secrecy.choices),
            "urgency": _choices(Urgency.choices),
            "publicity": _choices(Publicity.choices),
            "handle_types": _choices(Receipt.HandleType.choices),
            "boxes": _choices(BOX_LABELS.items()),
            "my_unit": {
                "id": unit.pk,
                "name": unit.name,
                "prefix": row.prefix,
                "issuer_mark": row.issuer_mark,
            }
            if unit and row
            else None,
            "main_file_types": list(drafting.MAIN_FILE_TYPES),
            "attachment_types": list(drafting.ATTACHMENT_TYPES),
            "max_file_bytes": settings.ZT_DOCUMENT_MAX_BYTES,
        }
        return Response(output(MetaOut, meta))


class FileUploadView(APIView):
    parser_classes = (MultiPartParser,)

    @extend_schema(request=UploadInput, responses={201: AttachmentOut, **errors(400, 401)})
    def post(self, request: Request) -> Response:
        upload = uploaded_file(request)
        attachment = services.document_file_upload(
            actor=user_of(request),
            name=upload.name or "",
            size=upload.size or 0,
            stream=upload,
            main=str(request.data.get("main", "")).lower() in ("1", "true"),
            context=request_context(request),
        )
        payload = attachment_payload(attachment)
        return Response(output(AttachmentOut, payload), status=status.HTTP_201_CREATED)


class HandwritingUploadView(APIView):
    parser_classes = (MultiPartParser,)

    @extend_schema(request=HandwritingInput, responses={201: AttachmentOut, **errors(400, 401)})
    def post(self, request: Request) -> Response:
        upload = uploaded_file(request)
        attachment = services.handwriting_upload(
            actor=user_of(request),
            size=upload.size or 0,
            stream=upload,
            context=request_context(request),
        )
        payload = attachment_payload(attachment)
        return Response(output(AttachmentOut, payload), status=status.HTTP_201_CREATED)


class DocumentFileView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes, **errors(401, 404)})
    def get(self, request: Request, document_id: int, token: str) -> FileResponse:
        attachment = selectors.document_file_get(
            viewer=user_of(request), document_id=document_id, token=token
        )
        return download_response(request, attachment)


class LayoutInfoOut(serializers.Serializer[Any]):
    page_count = serializers.IntegerField()
    pdf_url = serializers.CharField()
    page_urls = serializers.ListField(child=serializers.CharField())


def _binary(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=60"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class LayoutView(APIView):
    """The generated GB/T 9704 layout: how many pages, and where the PDF and each page are."""

    @extend_schema(responses={200: LayoutInfoOut, **errors(401, 404)})
    def get(self, request: Request, document_id: int) -> Response:
        document = selectors.document_get(viewer=user_of(request), document_id=document_id)
        count = len(rendering.layout_pages(document))
        base = f"/api/v1/documents/{document.pk}"
        info = {
            "page_count": count,
            "pdf_url": f"{base}/layout.pdf",
            "page_urls": [f"{base}/layout/pages/{n}.png" for n in range(1, count + 1)],
        }
        return Response(output(LayoutInfoOut, info))


class LayoutPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes, **errors(401, 404)})
    def get(self, request: Request, document_id: int) -> HttpResponse:
        document = selectors.document_get(viewer=user_of(request), document_id=document_id)
        return _binary(rendering.layout_pdf(document), "application/pdf", f"{document.pk}.pdf")


class LayoutPageView(APIView):
    @extend_schema(responses={(200, "image/png"): bytes, **errors(401, 404)})
    def get(self, request: Request, document_id: int, page: int) -> HttpResponse:
        document = selectors.document_get(viewer=user_of(request), document_id=document_id)
        pages = rendering.layout_pages(document)
        if not 1 <= page <= len(pages):
            raise NotFound.of(codes.NOT_FOUND, "没有这一页")
        return _binary(pages[page - 1], "image/png", f"{document.pk}-{page}.png")


# --- documents ----------------------------------------------------------------------


class DocumentListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("box", str, enum=list(lists.BOXES), required=True),
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("year", int),
            OpenApiParameter("urgency", str, enum=Urgency.values),
            OpenApiParameter("status", str),
            OpenApiParameter("q", str),
            OpenApiParameter("page", int),
        ],
        operation_id="documents_list",
        responses={200: DocListOut, **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        viewer = user_of(request)
        query = request.query_params
        filters = lists.Filters(
            kind=query.get("kind", ""),
            year=query_int(request, "year"),
            urgency=query.get("urgency", ""),
            status=query.get("status", ""),
            query=query.get("q", "").strip(),
        )
        items, has_more = lists.document_list(
            viewer=viewer,
            box=query.get("box", "todo"),
            filters=filters,
            page=query_int(request, "page") or 1,
        )
        listing = {
            "items": items,
            "has_more": has_more,
            "counts": lists.document_counts(viewer=viewer),
        }
        return Response(output(DocListOut, listing))

    @extend_schema(
        request=DocSubmitInput, responses={201: DocumentDetailOut, **errors(400, 401, 409)}
    )
    def post(self, request: Request) -> Response:
        v = validated(DocSubmitInput, request.data)
        viewer = user_of(request)
        client_id = v.pop("client_id")
        document = services.document_submit(
            actor=viewer, data=v, client_id=client_id, context=request_context(request)
        )
        body = output(DocumentDetailOut, detail.document_detail(document, viewer))
        return Response(body, status=status.HTTP_201_CREATED)


class DocCountsView(APIView):
    @extend_schema(operation_id="documents_counts", responses={200: DocCountsOut, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(output(DocCountsOut, lists.document_counts(viewer=user_of(request))))


class DocumentDetailView(APIView):
    @extend_schema(responses={200: DocumentDetailOut, **errors(401, 404)})
    def get(self, request: Request, document_id: int) -> Response:
        return _detail(request, document_id)


class DocumentActView(APIView):
    @extend_schema(
        request=DocumentActInput,
        responses={200: DocumentDetailOut, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, document_id: int) -> Response:
        v = validated(DocumentActInput, request.data)
        services.document_act(
            actor=user_of(request),
            document_id=document_id,
            action=v["action"],
            params=_params(v),
            doc_number=v["doc_number"],
            handwriting=v["handwriting"],
            save_opinion=v["save_opinion"],
            context=request_context(request),
        )
        return _detail(request, document_id)


class ArchiveView(APIView):
    @extend_schema(request=None, responses={200: DocumentDetailOut, **errors(401, 403, 404, 409)})
    def post(self, request: Request, document_id: int) -> Response:
        services.document_archive(
            actor=user_of(request), document_id=document_id, context=request_context(request)
        )
        return _detail(request, document_id)


class RedistributeView(APIView):
    @extend_schema(
        request=RedistributeInput,
        responses={200: DocumentDetailOut, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, document_id: int) -> Response:
        v = validated(RedistributeInput, request.data)
        receiving.document_redistribute(
            actor=user_of(request),
            document_id=document_id,
            unit_id=v["unit_id"],
            context=request_context(request),
        )
        return _detail(request, document_id)


# --- 收文 -----------------------------------------------------------------------------


class ReceiptDetailView(APIView):
    @extend_schema(responses={200: ReceiptDetailOut, **errors(401, 404)})
    def get(self, request: Request, receipt_id: int) -> Response:
        return _receipt(request, receipt_id)


class ReceiptSignView(APIView):
    @extend_schema(request=None, responses={200: ReceiptDetailOut, **errors(401, 403, 404, 409)})
    def post(self, request: Request, receipt_id: int) -> Response:
        receiving.receipt_sign(
            actor=user_of(request), receipt_id=receipt_id, context=request_context(request)
        )
        return _receipt(request, receipt_id)


class ReceiptRefuseView(APIView):
    @extend_schema(
        request=ReceiptRefuseInput,
        responses={200: ReceiptDetailOut, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, receipt_id: int) -> Response:
        v = validated(ReceiptRefuseInput, request.data)
        receiving.receipt_refuse(
            actor=user_of(request),
            receipt_id=receipt_id,
            reason=v["reason"],
            context=request_context(request),
        )
        return _receipt(request, receipt_id)


class ReceiptRegisterView(APIView):
    @extend_schema(
        request=ReceiptRegisterInput,
        responses={200: ReceiptDetailOut, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, receipt_id: int) -> Response:
        v = validated(ReceiptRegisterInput, request.data)
        receiving.receipt_register(
            actor=user_of(request), receipt_id=receipt_id, data=v, context=request_context(request)
        )
        return _receipt(request, receipt_id)


class ReceiptActView(APIView):
    @extend_schema(
        request=ReceiptActInput,
        responses={200: ReceiptDetailOut, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, receipt_id: int) -> Response:
        v = validated(ReceiptActInput, request.data)
        receiving.receipt_act(
            actor=user_of(request),
            receipt_id=receipt_id,
            action=v["action"],
            params=_params(v),
            departments=v["departments"],
            handwriting=v["handwriting"],
            save_opinion=v["save_opinion"],
            context=request_context(request),
        )
        return _receipt(request, receipt_id)


# --- the unit's flows (admin) ----------------------------------------------------------


class FlowOut(serializers.Serializer[Any]):
    which = serializers.ChoiceField(choices=["outgoing", "incoming"])
    name = serializers.CharField()
    version = serializers.IntegerField()
    nodes = FlowNodesOut()


class FlowInput(serializers.Serializer[Any]):
    nodes = serializers.ListField(child=serializers.DictField(), max_length=50)


class FlowListView(APIView):
    @extend_schema(responses={200: FlowOut(many=True), **errors(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(output(FlowOut, flows.flows_of(user_of(request)), many=True))


class FlowDetailView(APIView):
    @extend_schema(request=FlowInput, responses={200: FlowOut, **errors(400, 401, 403)})
    def put(self, request: Request, which: str) -> Response:
        v = validated(FlowInput, request.data)
        viewer = user_of(request)
        flows.flow_save(
            actor=viewer, which=which, nodes=v["nodes"], context=request_context(request)
        )
        saved = next(f for f in flows.flows_of(viewer) if f["which"] == which)
        return Response(output(FlowOut, saved))


# --- 常用批示语 -------------------------------------------------------------------------


class PhraseListView(APIView):
    @extend_schema(
        operation_id="documents_phrases_list", responses={200: OpinionOut(many=True), **errors(401)}
    )
    def get(self, request: Request) -> Response:
        return Response(output(OpinionOut, flow.saved_opinions(user_of(request)), many=True))

    @extend_schema(
        operation_id="documents_phrases_create",
        request=PhraseInput,
        responses={201: OpinionOut, **errors(400, 401)},
    )
    def post(self, request: Request) -> Response:
        v = validated(PhraseInput, request.data)
        phrase = workflow.opinion_save(actor=user_of(request), text=v["text"])
        return Response(output(OpinionOut, phrase), status=status.HTTP_201_CREATED)


class PhraseDetailView(APIView):
    @extend_schema(
        operation_id="documents_phrases_destroy", responses={204: None, **errors(401, 404)}
    )
    def delete(self, request: Request, phrase_id: int) -> Response:
        workflow.opinion_delete(actor=user_of(request), opinion_id=phrase_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("documents", DocumentListView.as_view()),
    path("documents/counts", DocCountsView.as_view()),
    path("documents/meta", MetaView.as_view()),
    path("documents/files", FileUploadView.as_view()),
    path("documents/handwriting", HandwritingUploadView.as_view()),
    path("documents/admin/flows", FlowListView.as_view()),
    path("documents/admin/flows/<str:which>", FlowDetailView.as_view()),
    path("documents/phrases", PhraseListView.as_view()),
    path("documents/phrases/<id:phrase_id>", PhraseDetailView.as_view()),
    path("documents/receipts/<id:receipt_id>", ReceiptDetailView.as_view()),
    path("documents/receipts/<id:receipt_id>/sign", ReceiptSignView.as_view()),
    path("documents/receipts/<id:receipt_id>/refuse", ReceiptRefuseView.as_view()),
    path("documents/receipts/<id:receipt_id>/register", ReceiptRegisterView.as_view()),
    path("documents/receipts/<id:receipt_id>/actions", ReceiptActView.as_view()),
    path("documents/<id:document_id>", DocumentDetailView.as_view()),
    path("documents/<id:document_id>/actions", DocumentActView.as_view()),
    path("documents/<id:document_id>/archive", ArchiveView.as_view()),
    path("documents/<id:document_id>/redistribute", RedistributeView.as_view()),
    path("documents/<id:document_id>/files/<str:token>", DocumentFileView.as_view()),
    path("documents/<id:document_id>/layout", LayoutView.as_view()),
    path("documents/<id:document_id>/layout.pdf", LayoutPdfView.as_view()),
    path("documents/<id:document_id>/layout/pages/<id:page>.png", LayoutPageView.as_view()),
]
