"""Errors of calls (codes are part of the protocol: never rename; docs/calls.md)."""

from backend.common import error_catalogue as codes
from backend.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class CallNotFound(NotFound):
    entry = codes.CALL_NOT_FOUND


class CallInProgress(Conflict):
    entry = codes.CALL_IN_PROGRESS


class CallEnded(Conflict):
    entry = codes.CALL_ENDED


class CallFull(Conflict):
    entry = codes.CALL_FULL


class CallTooLarge(InvalidInput):
    entry = codes.CALL_TOO_LARGE


class InvalidInvitee(InvalidInput):
    entry = codes.INVALID_INVITEE


class NotCallHost(PermissionDenied):
    entry = codes.NOT_CALL_HOST


class NotInCall(PermissionDenied):
    entry = codes.NOT_IN_CALL


class PeerNotFound(NotFound):
    entry = codes.PEER_NOT_FOUND


class NotRinging(Conflict):
    entry = codes.NOT_RINGING


class RemovedFromCall(PermissionDenied):
    entry = codes.REMOVED_FROM_CALL


class ParticipantNotFound(NotFound):
    entry = codes.CALL_PARTICIPANT_NOT_FOUND
