//! The intermediate representation: everything later stages need, already
//! resolved, named and checked. Codegen and conformance read only this.
//!
//! Collections keep the spec's order (operations by path, then method), so
//! the same spec always yields the same IR.

use std::collections::BTreeMap;

use serde_json::Value;

/// A whole API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    /// Named types; a [`TypeId`] indexes this list.
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
    pub security_schemes: Vec<SecurityScheme>,
    /// Authentication stages in check order (`x-specgate-auth`).
    pub auth_stages: Vec<AuthStage>,
    /// The error catalog (`x-specgate-errors`), if the spec declares one.
    pub errors: Option<ErrorCatalog>,
}

impl Api {
    pub fn type_def(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    pub fn scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.security_schemes.iter().find(|s| s.name == name)
    }

    /// Every code `op` can answer by the spec's extensions.
    pub fn operation_codes(&self, op: &Operation) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        crate::lower::operation_codes(self, op, &mut out);
        out
    }

    /// The header parameter of `op` that carries `scheme`'s credential.
    pub fn credential_carrier<'a>(&self, op: &'a Operation, scheme: &str) -> Option<&'a Parameter> {
        op.parameters
            .iter()
            .find(|p| p.credential_of.as_deref() == Some(scheme))
    }

    /// The code a credential failure of `scheme` yields in `op`, with the
    /// fallbacks of spec/EXTENSIONS.md: `malformed` -> the carrying
    /// parameter's single format code -> `unknown`; `empty` -> the
    /// `malformed` answer; `expired` -> `unknown`.
    pub fn credential_code(
        &self,
        op: &Operation,
        scheme: &SecurityScheme,
        failure: CredentialFailure,
    ) -> Option<String> {
        let c = &scheme.codes;
        let format_code = self.credential_carrier(op, &scheme.name).and_then(|p| {
            let mut codes: Vec<&String> = p.schema.rules.codes.values().collect();
            codes.dedup();
            (codes.len() == 1).then(|| codes[0].clone())
        });
        let malformed = c
            .malformed
            .clone()
            .or(format_code)
            .or_else(|| c.unknown.clone());
        match failure {
            CredentialFailure::Empty => c.empty.clone().or(malformed),
            CredentialFailure::Malformed => malformed,
            CredentialFailure::Unknown => c.unknown.clone(),
            CredentialFailure::Expired => c.expired.clone().or_else(|| c.unknown.clone()),
        }
    }
}

/// The ways a credential can fail, in check order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialFailure {
    Empty,
    Malformed,
    Unknown,
    Expired,
}

/// Index of a named type in [`Api::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// Human text attached to a schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub title: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub example: Option<Value>,
}

/// A named type of the generated code.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// UpperCamelCase, unique among all types, not a Rust keyword or prelude name.
    pub name: String,
    /// Where the schema is defined: `file#/json/pointer`.
    pub origin: String,
    pub docs: Docs,
    /// `nullable: true` on the definition: every use may be `null`.
    pub nullable: bool,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A closed set of scalar values.
    Enum(Enum),
    /// Exactly one (oneOf) or at least one (anyOf) of several shapes.
    Union(Union),
    /// A named schema that is not an object, enum or union: a newtype.
    Alias(Schema),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// What properties beyond `fields` may hold.
    pub additional: Additional,
    pub rules: Rules,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Additional {
    /// Allowed, untyped (the OpenAPI default); ignored by the models.
    Ignored,
    /// `additionalProperties: false`.
    Forbidden,
    /// `additionalProperties: {schema}`: kept in a map.
    Typed(Box<Schema>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The property name on the wire.
    pub json_name: String,
    /// snake_case Rust field name, unique in its struct, keyword-safe.
    pub rust_name: String,
    pub schema: Schema,
    pub required: bool,
    /// Code for an absent required property (`x-specgate-codes.required`).
    pub missing_code: Option<String>,
    pub docs: Docs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub variants: Vec<EnumVariant>,
    pub rules: Rules,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    /// UpperCamelCase, unique in the enum.
    pub rust_name: String,
    /// The value on the wire (string, integer, number or boolean).
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// `true` for oneOf (exactly one), `false` for anyOf (at least one).
    pub exclusive: bool,
    pub variants: Vec<UnionVariant>,
    pub discriminator: Option<Discriminator>,
    pub rules: Rules,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// UpperCamelCase, unique in the union.
    pub rust_name: String,
    pub schema: Schema,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Discriminator {
    pub property: String,
    /// Discriminator value -> index into `Union::variants`.
    pub mapping: Vec<(String, usize)>,
}

/// A schema at a use site: its shape plus the checks that apply there.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub shape: Shape,
    pub nullable: bool,
    pub rules: Rules,
    /// Checks of the decoded bytes of a `format: byte` string (`x-specgate-file`).
    pub file_checks: Vec<FileCheck>,
    pub docs: Docs,
}

impl Schema {
    pub fn new(shape: Shape) -> Self {
        Schema {
            shape,
            nullable: false,
            rules: Rules::default(),
            file_checks: Vec::new(),
            docs: Docs::default(),
        }
    }
}

/// The Rust-facing shape of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Named(TypeId),
    Boolean,
    Integer(IntegerFormat),
    Number(NumberFormat),
    String(StringFormat),
    List(Box<Schema>),
    Map(Box<Schema>),
    /// No typed form exists; the reason says why (shown in doc comments).
    Any(AnyReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegerFormat {
    Int32,
    Int64,
    /// No format, or one we do not narrow on.
    Unspecified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    Float,
    Double,
    Unspecified,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringFormat {
    Plain,
    /// `format: byte`: base64 (RFC 4648, canonical).
    Byte,
    /// `format: binary`: raw octets.
    Binary,
    DateTime,
    Date,
    Uuid,
    /// A format we pass through as a plain string (email, uri, password ...).
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyReason {
    /// The schema sets no type and no structure.
    Unconstrained,
    /// A construct without a faithful typed form (e.g. `not`, mixed types).
    Untyped(String),
}

/// Validation keywords of one schema position, and the error code each
/// failure yields there (`x-specgate-codes`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    pub checks: Vec<Keyword>,
    /// Failure name (`type`, `null`, a keyword name, or `default`) -> code.
    pub codes: BTreeMap<String, String>,
}

impl Rules {
    /// The code declared here for a failure of `name`, falling back to `default`.
    pub fn code(&self, name: &str) -> Option<&str> {
        self.codes
            .get(name)
            .or_else(|| self.codes.get("default"))
            .map(String::as_str)
    }
}

/// A validation keyword with its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Keyword {
    Enum(Vec<Value>),
    /// The string must be in this format (only formats we check: byte, date-time, date, uuid).
    Format(StringFormat),
    Pattern(String),
    MinLength(u64),
    MaxLength(u64),
    Minimum {
        value: f64,
        exclusive: bool,
    },
    Maximum {
        value: f64,
        exclusive: bool,
    },
    MultipleOf(f64),
    MinItems(u64),
    MaxItems(u64),
    UniqueItems,
    MinProperties(u64),
    MaxProperties(u64),
}

impl Keyword {
    /// The JSON Schema keyword name.
    pub fn name(&self) -> &'static str {
        match self {
            Keyword::Enum(_) => "enum",
            Keyword::Format(_) => "format",
            Keyword::Pattern(_) => "pattern",
            Keyword::MinLength(_) => "minLength",
            Keyword::MaxLength(_) => "maxLength",
            Keyword::Minimum {
                exclusive: false, ..
            } => "minimum",
            Keyword::Minimum {
                exclusive: true, ..
            } => "exclusiveMinimum",
            Keyword::Maximum {
                exclusive: false, ..
            } => "maximum",
            Keyword::Maximum {
                exclusive: true, ..
            } => "exclusiveMaximum",
            Keyword::MultipleOf(_) => "multipleOf",
            Keyword::MinItems(_) => "minItems",
            Keyword::MaxItems(_) => "maxItems",
            Keyword::UniqueItems => "uniqueItems",
            Keyword::MinProperties(_) => "minProperties",
            Keyword::MaxProperties(_) => "maxProperties",
        }
    }
}

/// One check of decoded file bytes, in declared order.
#[derive(Debug, Clone, PartialEq)]
pub struct FileCheck {
    pub rule: FileRule,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileRule {
    NotEmpty,
    MaxBytes(u64),
    MediaType {
        allow: Vec<MediaType>,
        refuse: Vec<MediaType>,
        /// Code for a recognised but refused type (`code` covers unknown bytes).
        refused_code: String,
    },
    ImageHeader,
    MaxWidth(u64),
    MinWidth(u64),
    MaxHeight(u64),
    MinHeight(u64),
    MaxPixels(u64),
    MinPixels(u64),
    MaxRatio(f64),
    MinRatio(f64),
    Orientation {
        allow: Vec<Orientation>,
        /// Body property -> the values for which the rule applies (all must
        /// match), sorted by property.
        when: Vec<(String, Vec<String>)>,
    },
    ImageDecode,
}

/// File types recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MediaType {
    Jpeg,
    Png,
    Gif,
    Bmp,
    Webp,
    Tiff,
    Pdf,
}

impl MediaType {
    pub const ALL: [MediaType; 7] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Gif,
        MediaType::Bmp,
        MediaType::Webp,
        MediaType::Tiff,
        MediaType::Pdf,
    ];

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Gif => "image/gif",
            MediaType::Bmp => "image/bmp",
            MediaType::Webp => "image/webp",
            MediaType::Tiff => "image/tiff",
            MediaType::Pdf => "application/pdf",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.mime() == mime)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Landscape,
    Portrait,
    Square,
}

/// An HTTP operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// snake_case, unique, never `authenticate`: the trait method name.
    pub rust_name: String,
    /// The spec's operationId, if any.
    pub operation_id: Option<String>,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template, e.g. `/users/{id}`.
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub parameters: Vec<Parameter>,
    pub body: Option<RequestBody>,
    /// Declared responses, in spec order.
    pub responses: Vec<Response>,
    /// Alternatives; each lists scheme names that must all be satisfied.
    /// Empty: no authentication.
    pub security: Vec<Vec<String>>,
    /// `x-specgate-conflicts`.
    pub conflicts: Vec<Conflict>,
    /// `x-specgate-unreachable`: code -> reason.
    pub unreachable: BTreeMap<String, String>,
    /// `file#/json/pointer` of the operation.
    pub origin: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    /// snake_case, unique among the operation's parameters, never `body`.
    pub rust_name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub schema: Schema,
    pub docs: Docs,
    /// The security scheme this header carries, if any: then it is checked
    /// in the authentication stage, not with the other parameters.
    pub credential_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    /// Media types in spec order (`application/json` first when present).
    pub content: Vec<Content>,
    /// `x-specgate-body.any-content-type`.
    pub any_content_type: bool,
    /// `x-specgate-body.not-an-object`.
    pub not_an_object: NotAnObject,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NotAnObject {
    /// Not declared: the generic 400 without a code.
    Unspecified,
    /// Validate as `{}`.
    EmptyObject,
    Code(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub media_type: String,
    /// `None` when the media type declares no schema.
    pub schema: Option<Schema>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// `200`, `4XX`, or `default`.
    pub status: StatusSpec,
    pub description: String,
    pub content: Vec<Content>,
    pub headers: Vec<(String, Schema)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusSpec {
    Code(u16),
    /// `1XX` .. `5XX`: the first digit.
    Range(u8),
    Default,
}

impl StatusSpec {
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusSpec::Code(c) => c == status,
            StatusSpec::Range(r) => status / 100 == u16::from(r),
            StatusSpec::Default => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub code: String,
    pub key: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    pub name: String,
    /// The Rust name of the scheme, unique among the spec's schemes (two
    /// names may differ only in case: `BearerAuth`, `bearerAuth`).
    pub rust_name: String,
    pub kind: SchemeKind,
    pub description: Option<String>,
    /// `x-specgate-credential.codes`.
    pub codes: CredentialCodes,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemeKind {
    /// `Authorization: <scheme> <credentials>` (`type: http`), or an API-key
    /// header that carries an auth scheme (`x-specgate-credential.scheme`).
    HttpAuth { header: String, scheme: String },
    /// A plain API key.
    ApiKey {
        location: ParamLocation,
        name: String,
    },
    /// OAuth2 / OpenID Connect: a bearer token in `Authorization`.
    OAuth { header: String },
}

impl SchemeKind {
    /// The header that carries the credential, if it is a header.
    pub fn header(&self) -> Option<&str> {
        match self {
            SchemeKind::HttpAuth { header, .. } | SchemeKind::OAuth { header } => Some(header),
            SchemeKind::ApiKey {
                location: ParamLocation::Header,
                name,
            } => Some(name),
            SchemeKind::ApiKey { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialCodes {
    pub empty: Option<String>,
    pub malformed: Option<String>,
    pub unknown: Option<String>,
    pub expired: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthStage {
    pub name: String,
    pub schemes: Vec<String>,
    pub missing: Option<String>,
    /// When set, at most one of `schemes` may be sent.
    pub multiple: Option<String>,
    pub mismatch: Option<String>,
    pub gone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCatalog {
    /// The error body's named type.
    pub schema: TypeId,
    pub layout: ErrorLayout,
    pub fallback: Option<String>,
    /// Sorted by code.
    pub codes: Vec<ErrorCode>,
}

impl ErrorCatalog {
    pub fn get(&self, code: &str) -> Option<&ErrorCode> {
        self.codes.iter().find(|c| c.code == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorLayout {
    /// `{"errors": {"<code>": {"code", "message", "solution"}}}`.
    KeyedByCode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCode {
    pub code: String,
    pub status: u16,
    pub message: String,
    pub solution: String,
}
