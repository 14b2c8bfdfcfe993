//! The `x-specgate-*` vocabulary (see `spec/EXTENSIONS.md`): its shapes, as
//! read from the raw spec. Semantic checks (codes exist, keywords exist) are
//! done by the lowering, which knows the context.

use indexmap::IndexMap;
use serde::Deserialize;

/// Every key of the vocabulary, for the "unknown key" message.
pub const KEYS: &[&str] = &[
    ERRORS,
    CODES,
    BODY,
    FILE,
    CREDENTIAL,
    AUTH,
    CONFLICTS,
    UNREACHABLE,
];

pub const PREFIX: &str = "x-specgate-";
pub const ERRORS: &str = "x-specgate-errors";
pub const CODES: &str = "x-specgate-codes";
pub const BODY: &str = "x-specgate-body";
pub const FILE: &str = "x-specgate-file";
pub const CREDENTIAL: &str = "x-specgate-credential";
pub const AUTH: &str = "x-specgate-auth";
pub const CONFLICTS: &str = "x-specgate-conflicts";
pub const UNREACHABLE: &str = "x-specgate-unreachable";

/// Failure names allowed as keys of `x-specgate-codes`.
pub const CODE_KEYS: &[&str] = &[
    "required",
    "null",
    "type",
    "enum",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "additionalProperties",
    "default",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorsExt {
    pub schema: String,
    pub layout: LayoutExt,
    #[serde(default)]
    pub fallback: Option<String>,
    pub codes: IndexMap<String, CodeExt>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutExt {
    KeyedByCode,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeExt {
    pub status: u16,
    pub message: String,
    pub solution: String,
}

/// `x-specgate-codes`: failure name -> code.
pub type CodesExt = IndexMap<String, String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BodyExt {
    #[serde(default)]
    pub any_content_type: bool,
    #[serde(default)]
    pub not_an_object: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "check", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FileCheckExt {
    NotEmpty {
        code: String,
    },
    MaxBytes {
        value: u64,
        code: String,
    },
    MediaType {
        allow: Vec<String>,
        #[serde(default)]
        refuse: Vec<String>,
        #[serde(rename = "refused-code")]
        refused_code: String,
        code: String,
    },
    ImageHeader {
        code: String,
    },
    MaxWidth {
        value: u64,
        code: String,
    },
    MinWidth {
        value: u64,
        code: String,
    },
    MaxHeight {
        value: u64,
        code: String,
    },
    MinHeight {
        value: u64,
        code: String,
    },
    MaxPixels {
        value: u64,
        code: String,
    },
    MinPixels {
        value: u64,
        code: String,
    },
    MaxRatio {
        value: f64,
        code: String,
    },
    MinRatio {
        value: f64,
        code: String,
    },
    Orientation {
        allow: Vec<OrientationExt>,
        #[serde(default)]
        when: IndexMap<String, Vec<String>>,
        code: String,
    },
    ImageDecode {
        code: String,
    },
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrientationExt {
    Landscape,
    Portrait,
    Square,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialExt {
    #[serde(default)]
    pub scheme: Option<String>,
    pub codes: CredentialCodesExt,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialCodesExt {
    pub empty: Option<String>,
    pub malformed: Option<String>,
    pub unknown: Option<String>,
    pub expired: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthStageExt {
    pub stage: String,
    pub schemes: Vec<String>,
    pub codes: StageCodesExt,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageCodesExt {
    pub missing: Option<String>,
    pub multiple: Option<String>,
    pub mismatch: Option<String>,
    pub gone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictExt {
    pub code: String,
    pub key: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `x-specgate-unreachable`: code -> reason.
pub type UnreachableExt = IndexMap<String, String>;
