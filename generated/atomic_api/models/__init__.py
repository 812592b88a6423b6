"""Contains all the data models used in inputs/outputs"""

from .action_flow_request import ActionFlowRequest
from .action_flow_response import ActionFlowResponse
from .audit_log_entry import AuditLogEntry
from .audit_log_entry_action import AuditLogEntryAction
from .audit_log_entry_auth import AuditLogEntryAuth
from .audit_log_entry_auth_type import AuditLogEntryAuthType
from .audit_log_entry_query import AuditLogEntryQuery
from .audit_log_entry_resource import AuditLogEntryResource
from .audit_log_entry_source import AuditLogEntrySource
from .audit_log_page import AuditLogPage
from .batched_analytics import BatchedAnalytics
from .batched_analytics_data import BatchedAnalyticsData
from .batched_analytics_format import BatchedAnalyticsFormat
from .card import Card
from .card_definition import CardDefinition
from .card_list import CardList
from .card_options import CardOptions
from .card_options_target_platforms import CardOptionsTargetPlatforms
from .card_payload import CardPayload
from .card_payload_detail import CardPayloadDetail
from .card_payload_metadata import CardPayloadMetadata
from .card_status import CardStatus
from .create_credential_request import CreateCredentialRequest
from .create_credential_request_role import CreateCredentialRequestRole
from .credential_pair import CredentialPair
from .credential_pair_response import CredentialPairResponse
from .csv_task_upload import CsvTaskUpload
from .custom_profile_field_definition import CustomProfileFieldDefinition
from .custom_profile_field_definition_type import CustomProfileFieldDefinitionType
from .environment import Environment
from .environment_list import EnvironmentList
from .error import Error
from .flow import Flow
from .flow_payload import FlowPayload
from .flow_payload_metadata import FlowPayloadMetadata
from .flow_payload_notification_detail import FlowPayloadNotificationDetail
from .flow_payload_variables import FlowPayloadVariables
from .flow_target import FlowTarget
from .legacy_card_definition import LegacyCardDefinition
from .legacy_event_cancel_request import LegacyEventCancelRequest
from .legacy_event_request import LegacyEventRequest
from .legacy_event_request_detail import LegacyEventRequestDetail
from .legacy_event_request_metadata import LegacyEventRequestMetadata
from .multiple_flag import MultipleFlag
from .notification_platform import NotificationPlatform
from .notification_platform_create import NotificationPlatformCreate
from .notification_platform_create_platform import NotificationPlatformCreatePlatform
from .notification_platform_create_platform_properties import (
    NotificationPlatformCreatePlatformProperties,
)
from .notification_platform_list import NotificationPlatformList
from .operation_result import OperationResult
from .revoked_credential import RevokedCredential
from .revoked_credential_response import RevokedCredentialResponse
from .time_window import TimeWindow
from .upsert_user import UpsertUser
from .user import User
from .user_list import UserList
from .user_list_data import UserListData
from .user_preferences import UserPreferences
from .user_preferences_notifications import UserPreferencesNotifications
from .user_preferences_update import UserPreferencesUpdate
from .user_preferences_update_data import UserPreferencesUpdateData
from .user_profile import UserProfile
from .user_response import UserResponse
from .user_segments import UserSegments
from .user_target import UserTarget
from .user_target_type import UserTargetType
from .users_by_id_target import UsersByIdTarget
from .webhook_public_key import WebhookPublicKey
from .webhook_subscription import WebhookSubscription
from .webhook_subscription_headers import WebhookSubscriptionHeaders
from .webhook_subscription_list import WebhookSubscriptionList
from .webhook_subscription_request import WebhookSubscriptionRequest
from .webhook_subscription_request_headers import WebhookSubscriptionRequestHeaders
from .webhook_subscription_response import WebhookSubscriptionResponse

__all__ = (
    "ActionFlowRequest",
    "ActionFlowResponse",
    "AuditLogEntry",
    "AuditLogEntryAction",
    "AuditLogEntryAuth",
    "AuditLogEntryAuthType",
    "AuditLogEntryQuery",
    "AuditLogEntryResource",
    "AuditLogEntrySource",
    "AuditLogPage",
    "BatchedAnalytics",
    "BatchedAnalyticsData",
    "BatchedAnalyticsFormat",
    "Card",
    "CardDefinition",
    "CardList",
    "CardOptions",
    "CardOptionsTargetPlatforms",
    "CardPayload",
    "CardPayloadDetail",
    "CardPayloadMetadata",
    "CardStatus",
    "CreateCredentialRequest",
    "CreateCredentialRequestRole",
    "CredentialPair",
    "CredentialPairResponse",
    "CsvTaskUpload",
    "CustomProfileFieldDefinition",
    "CustomProfileFieldDefinitionType",
    "Environment",
    "EnvironmentList",
    "Error",
    "Flow",
    "FlowPayload",
    "FlowPayloadMetadata",
    "FlowPayloadNotificationDetail",
    "FlowPayloadVariables",
    "FlowTarget",
    "LegacyCardDefinition",
    "LegacyEventCancelRequest",
    "LegacyEventRequest",
    "LegacyEventRequestDetail",
    "LegacyEventRequestMetadata",
    "MultipleFlag",
    "NotificationPlatform",
    "NotificationPlatformCreate",
    "NotificationPlatformCreatePlatform",
    "NotificationPlatformCreatePlatformProperties",
    "NotificationPlatformList",
    "OperationResult",
    "RevokedCredential",
    "RevokedCredentialResponse",
    "TimeWindow",
    "UpsertUser",
    "User",
    "UserList",
    "UserListData",
    "UserPreferences",
    "UserPreferencesNotifications",
    "UserPreferencesUpdate",
    "UserPreferencesUpdateData",
    "UserProfile",
    "UserResponse",
    "UsersByIdTarget",
    "UserSegments",
    "UserTarget",
    "UserTargetType",
    "WebhookPublicKey",
    "WebhookSubscription",
    "WebhookSubscriptionHeaders",
    "WebhookSubscriptionList",
    "WebhookSubscriptionRequest",
    "WebhookSubscriptionRequestHeaders",
    "WebhookSubscriptionResponse",
)
