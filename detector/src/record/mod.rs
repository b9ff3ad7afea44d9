//! CloudTrail records: the lenient typed model, actor normalisation and input formats.
//!
//! - [`Record`]: one CloudTrail event, borrowed from the input buffer; every field
//!   is optional, unknown fields are ignored, `requestParameters` and friends stay
//!   raw JSON for the rules that need them.
//! - [`actor`]: who acted ([`Actor`]), normalised once per record.
//! - [`input`]: files, directories, stdin, gzip, and the four document shapes.
//! - [`text`], [`time`]: lenient scalars and clock-free timestamps.

pub mod actor;
pub mod input;
pub mod text;
pub mod time;

pub use actor::{Actor, ActorKind, SourceIp};
pub use text::{opt_str, Flag, Text};
pub use time::{format_time, parse_time, Timestamp};

use serde::Deserialize;
use serde_json::value::RawValue;
use std::cell::OnceCell;

/// One CloudTrail record, borrowed from the buffer it was parsed from.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record<'a> {
    #[serde(borrow, default)]
    pub event_version: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub event_time: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub event_source: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub event_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub aws_region: Option<Text<'a>>,
    #[serde(borrow, default, rename = "sourceIPAddress")]
    pub source_ip_address: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub user_agent: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub error_code: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub error_message: Option<Text<'a>>,
    #[serde(borrow, default, rename = "requestID")]
    pub request_id: Option<Text<'a>>,
    #[serde(borrow, default, rename = "eventID")]
    pub event_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub event_type: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub event_category: Option<Text<'a>>,
    #[serde(default)]
    pub read_only: Flag,
    #[serde(default)]
    pub management_event: Flag,
    #[serde(borrow, default)]
    pub recipient_account_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow, default)]
    pub request_parameters: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub response_elements: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub additional_event_data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub service_event_details: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub resources: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "sharedEventID")]
    pub shared_event_id: Option<Text<'a>>,
    // Envelope keys: present when the "record" is really a container.
    #[serde(borrow, default, rename = "Records")]
    pub(crate) records: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) detail: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "detail-type")]
    pub(crate) detail_type: Option<Text<'a>>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub principal_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub account_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub access_key_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub user_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub invoked_by: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub identity_provider: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub session_context: Option<SessionContext<'a>>,
    #[serde(borrow, default)]
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    #[serde(borrow, default)]
    pub attributes: Option<SessionAttributes<'a>>,
    #[serde(borrow, default)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    #[serde(borrow, default)]
    pub source_identity: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub web_id_federation_data: Option<WebIdFederationData<'a>>,
}

/// `sessionContext.attributes`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes<'a> {
    #[serde(default)]
    pub mfa_authenticated: Flag,
    #[serde(borrow, default)]
    pub creation_date: Option<Text<'a>>,
}

/// `sessionContext.sessionIssuer`: the role (or user) that issued the session.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer<'a> {
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub account_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub user_name: Option<Text<'a>>,
}

/// `sessionContext.webIdFederationData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebIdFederationData<'a> {
    #[serde(borrow, default)]
    pub federated_provider: Option<Text<'a>>,
}

/// `userIdentity.onBehalfOf` (IAM Identity Center).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnBehalfOf<'a> {
    #[serde(borrow, default)]
    pub user_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub identity_store_arn: Option<Text<'a>>,
}

impl<'a> Record<'a> {
    /// `eventName`, or `""`.
    pub fn name(&self) -> &str {
        opt_str(&self.event_name)
    }
    /// `eventSource`, or `""`.
    pub fn source(&self) -> &str {
        opt_str(&self.event_source)
    }
    /// `eventID`, or `""`.
    pub fn id(&self) -> &str {
        opt_str(&self.event_id)
    }
    /// `awsRegion`, or `""`.
    pub fn region(&self) -> &str {
        opt_str(&self.aws_region)
    }
    /// `errorCode`, or `""`.
    pub fn error_code(&self) -> &str {
        opt_str(&self.error_code)
    }
    /// The account the event was recorded in (`recipientAccountId`, else the caller's).
    pub fn account(&self) -> &str {
        match opt_str(&self.recipient_account_id) {
            "" => self
                .user_identity
                .as_ref()
                .map(|u| opt_str(&u.account_id))
                .unwrap_or(""),
            a => a,
        }
    }
    /// `userIdentity.type`, or `""`.
    pub fn identity_type(&self) -> &str {
        self.user_identity
            .as_ref()
            .map(|u| opt_str(&u.kind))
            .unwrap_or("")
    }
    /// Parsed `eventTime`.
    pub fn time(&self) -> Option<Timestamp> {
        parse_time(opt_str(&self.event_time))
    }
    /// True when the call failed: an `errorCode`, or a failed console sign-in.
    pub fn failed(&self) -> bool {
        if !self.error_code().is_empty() {
            return true;
        }
        self.name() == "ConsoleLogin"
            && self
                .response::<ConsoleLoginResponse>()
                .and_then(|r| r.console_login)
                .is_some_and(|s| s.as_str() != "Success")
    }
    /// True for calls that only read (`readOnly: true`).
    pub fn is_read_only(&self) -> bool {
        self.read_only.0 == Some(true)
    }
    /// `requestParameters` parsed into a rule's own struct; `None` if absent or of another shape.
    pub fn request<T: Deserialize<'a>>(&self) -> Option<T> {
        self.request_parameters
            .and_then(|r| serde_json::from_str(r.get()).ok())
    }
    /// `responseElements` parsed into a rule's own struct.
    pub fn response<T: Deserialize<'a>>(&self) -> Option<T> {
        self.response_elements
            .and_then(|r| serde_json::from_str(r.get()).ok())
    }
    /// `additionalEventData` parsed into a rule's own struct.
    pub fn additional<T: Deserialize<'a>>(&self) -> Option<T> {
        self.additional_event_data
            .and_then(|r| serde_json::from_str(r.get()).ok())
    }
    /// True when the record names at least one CloudTrail field that identifies an event.
    pub(crate) fn looks_like_event(&self) -> bool {
        self.event_name.is_some() || self.event_source.is_some()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConsoleLoginResponse<'a> {
    #[serde(borrow, default)]
    console_login: Option<Text<'a>>,
}

/// A record ready for the rules: its parsed time, and the actor computed on first use.
#[derive(Debug)]
pub struct Event<'r, 'a> {
    pub record: &'r Record<'a>,
    pub time: Timestamp,
    actor: OnceCell<Actor>,
}

impl<'r, 'a> Event<'r, 'a> {
    /// Wraps a record whose time has been parsed.
    pub fn new(record: &'r Record<'a>, time: Timestamp) -> Self {
        Event {
            record,
            time,
            actor: OnceCell::new(),
        }
    }
    /// The normalised actor.
    pub fn actor(&self) -> &Actor {
        self.actor.get_or_init(|| Actor::from_record(self.record))
    }
    /// `eventName`.
    pub fn name(&self) -> &str {
        self.record.name()
    }
}
