from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_log_entry_source import AuditLogEntrySource
from ..types import UNSET, Unset, enum_member

if TYPE_CHECKING:
    from ..models.audit_log_entry_action import AuditLogEntryAction
    from ..models.audit_log_entry_auth import AuditLogEntryAuth
    from ..models.audit_log_entry_query import AuditLogEntryQuery
    from ..models.audit_log_entry_resource import AuditLogEntryResource


T = TypeVar("T", bound="AuditLogEntry")

_refs_loaded = False


def _load_refs() -> None:
    # Atomic customisation: the models this one refers to are imported on first use, once per module.
    # Models refer to each other in cycles, which is why the stock template imports them inside every
    # from_dict/to_dict call (two imports per card of a list); importing them at the top would fail on a
    # cycle, and at the end of the module would make this model fail to import whenever one of them does.
    global \
        AuditLogEntryAction, \
        AuditLogEntryAuth, \
        AuditLogEntryQuery, \
        AuditLogEntryResource, \
        _refs_loaded
    from ..models.audit_log_entry_action import AuditLogEntryAction
    from ..models.audit_log_entry_auth import AuditLogEntryAuth
    from ..models.audit_log_entry_query import AuditLogEntryQuery
    from ..models.audit_log_entry_resource import AuditLogEntryResource

    _refs_loaded = True


_KNOWN_KEYS: frozenset[str] = frozenset(
    (
        "url",
        "method",
        "status",
        "auth",
        "ip",
        "userAgent",
        "query",
        "payload",
        "source",
        "organisationId",
        "environmentId",
        "time",
        "resource",
        "action",
        "created",
    )
)


@_attrs_define
class AuditLogEntry:
    """One recorded request.

    Attributes:
        url (str | Unset): The request path.
        method (str | Unset):
        status (int | Unset): HTTP status returned.
        auth (AuditLogEntryAuth | Unset):
        ip (str | Unset):
        user_agent (str | Unset):
        query (AuditLogEntryQuery | Unset): Query parameters; may contain sensitive data.
        payload (str | Unset): The request body as JSON text; may contain sensitive data.
        source (AuditLogEntrySource | Unset):
        organisation_id (str | Unset):
        environment_id (str | Unset):
        time (float | Unset): Request duration in milliseconds.
        resource (AuditLogEntryResource | Unset):
        action (AuditLogEntryAction | Unset):
        created (datetime.datetime | Unset): UTC time the request completed.
    """

    url: str | Unset = UNSET
    method: str | Unset = UNSET
    status: int | Unset = UNSET
    auth: AuditLogEntryAuth | Unset = UNSET
    ip: str | Unset = UNSET
    user_agent: str | Unset = UNSET
    query: AuditLogEntryQuery | Unset = UNSET
    payload: str | Unset = UNSET
    source: AuditLogEntrySource | Unset = UNSET
    organisation_id: str | Unset = UNSET
    environment_id: str | Unset = UNSET
    time: float | Unset = UNSET
    resource: AuditLogEntryResource | Unset = UNSET
    action: AuditLogEntryAction | Unset = UNSET
    created: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not _refs_loaded:
            _load_refs()
        url = self.url

        method = self.method

        status = self.status

        auth: dict[str, Any] | Unset = UNSET
        if not isinstance(self.auth, Unset):
            auth = self.auth.to_dict()

        ip = self.ip

        user_agent = self.user_agent

        query: dict[str, Any] | Unset = UNSET
        if not isinstance(self.query, Unset):
            query = self.query.to_dict()

        payload = self.payload

        source: str | Unset = UNSET
        if not isinstance(self.source, Unset):
            source = self.source.value

        organisation_id = self.organisation_id

        environment_id = self.environment_id

        time = self.time

        resource: dict[str, Any] | Unset = UNSET
        if not isinstance(self.resource, Unset):
            resource = self.resource.to_dict()

        action: dict[str, Any] | Unset = UNSET
        if not isinstance(self.action, Unset):
            action = self.action.to_dict()

        created: str | Unset = UNSET
        if not isinstance(self.created, Unset):
            created = self.created.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if method is not UNSET:
            field_dict["method"] = method
        if status is not UNSET:
            field_dict["status"] = status
        if auth is not UNSET:
            field_dict["auth"] = auth
        if ip is not UNSET:
            field_dict["ip"] = ip
        if user_agent is not UNSET:
            field_dict["userAgent"] = user_agent
        if query is not UNSET:
            field_dict["query"] = query
        if payload is not UNSET:
            field_dict["payload"] = payload
        if source is not UNSET:
            field_dict["source"] = source
        if organisation_id is not UNSET:
            field_dict["organisationId"] = organisation_id
        if environment_id is not UNSET:
            field_dict["environmentId"] = environment_id
        if time is not UNSET:
            field_dict["time"] = time
        if resource is not UNSET:
            field_dict["resource"] = resource
        if action is not UNSET:
            field_dict["action"] = action
        if created is not UNSET:
            field_dict["created"] = created

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        if not _refs_loaded:
            _load_refs()
        # Atomic customisation: a JSON array or scalar where the spec has an object is refused, not half-read.
        # A JSON object arrives as a dict: checking its exact type first skips the ABC check (several times
        # dearer) on the hot path.
        if type(src_dict) is not dict and not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__} expects a JSON object, got {type(src_dict).__name__}"
            )
        # Atomic customisation: fields are read from src_dict in place (the stock template copies it and pops
        # each field); what is left over, usually nothing, is collected here in one pass.
        d = (
            {}
            if _KNOWN_KEYS.issuperset(src_dict)
            else {k: v for k, v in src_dict.items() if k not in _KNOWN_KEYS}
        )
        url = src_dict.get("url", UNSET)

        method = src_dict.get("method", UNSET)

        status = src_dict.get("status", UNSET)

        _auth = src_dict.get("auth", UNSET)
        auth: AuditLogEntryAuth | Unset
        if isinstance(_auth, Unset):
            auth = UNSET
        else:
            auth = AuditLogEntryAuth.from_dict(_auth)

        ip = src_dict.get("ip", UNSET)

        user_agent = src_dict.get("userAgent", UNSET)

        _query = src_dict.get("query", UNSET)
        query: AuditLogEntryQuery | Unset
        if isinstance(_query, Unset):
            query = UNSET
        else:
            query = AuditLogEntryQuery.from_dict(_query)

        payload = src_dict.get("payload", UNSET)

        _source = src_dict.get("source", UNSET)
        source: AuditLogEntrySource | Unset
        if isinstance(_source, Unset):
            source = UNSET
        else:
            source = enum_member(AuditLogEntrySource, _source)

        organisation_id = src_dict.get("organisationId", UNSET)

        environment_id = src_dict.get("environmentId", UNSET)

        time = src_dict.get("time", UNSET)

        _resource = src_dict.get("resource", UNSET)
        resource: AuditLogEntryResource | Unset
        if isinstance(_resource, Unset):
            resource = UNSET
        else:
            resource = AuditLogEntryResource.from_dict(_resource)

        _action = src_dict.get("action", UNSET)
        action: AuditLogEntryAction | Unset
        if isinstance(_action, Unset):
            action = UNSET
        else:
            action = AuditLogEntryAction.from_dict(_action)

        _created = src_dict.get("created", UNSET)
        created: datetime.datetime | Unset
        if isinstance(_created, Unset):
            created = UNSET
        else:
            created = datetime.datetime.fromisoformat(_created)

        # Atomic customisation: arguments by position, in the order the class declares its fields; a keyword
        # call costs attrs' __init__ about three times as much, once per item of a list.
        audit_log_entry = cls(
            url,
            method,
            status,
            auth,
            ip,
            user_agent,
            query,
            payload,
            source,
            organisation_id,
            environment_id,
            time,
            resource,
            action,
            created,
        )

        audit_log_entry.additional_properties = d
        return audit_log_entry

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
