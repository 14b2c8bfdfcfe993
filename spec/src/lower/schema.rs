//! Schemas to IR shapes and named types.

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, SchemaKind, Type, VariantOrUnknownOrEmpty};
use serde_json::Value;

use super::Lowerer;
use super::naming;
use crate::diagnostic::Diagnostic;
use crate::extensions as ext;
use crate::ir::*;
use crate::loader::Loc;

/// A schema or a reference to one, whichever way openapiv3 boxes it.
#[derive(Clone, Copy)]
pub(crate) enum SRef<'a> {
    Ref(&'a str),
    Inline(&'a openapiv3::Schema),
}

impl<'a> From<&'a ReferenceOr<openapiv3::Schema>> for SRef<'a> {
    fn from(r: &'a ReferenceOr<openapiv3::Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SRef::Ref(reference),
            ReferenceOr::Item(s) => SRef::Inline(s),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<openapiv3::Schema>>> for SRef<'a> {
    fn from(r: &'a ReferenceOr<Box<openapiv3::Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SRef::Ref(reference),
            ReferenceOr::Item(s) => SRef::Inline(s),
        }
    }
}

/// Every keyword of a schema, whichever `SchemaKind` openapiv3 chose.
#[derive(Default)]
struct Facts<'a> {
    typ: Option<String>,
    format: Option<String>,
    enumeration: Vec<Value>,
    pattern: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
    multiple_of: Option<f64>,
    properties: Option<&'a IndexMap<String, ReferenceOr<Box<openapiv3::Schema>>>>,
    required: &'a [String],
    additional: Option<&'a AdditionalProperties>,
    min_properties: Option<usize>,
    max_properties: Option<usize>,
    items: Option<&'a ReferenceOr<Box<openapiv3::Schema>>>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    unique_items: bool,
    one_of: &'a [ReferenceOr<openapiv3::Schema>],
    all_of: &'a [ReferenceOr<openapiv3::Schema>],
    any_of: &'a [ReferenceOr<openapiv3::Schema>],
    not: bool,
}

fn format_name<T: serde::Serialize>(f: &VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(item) => serde_json::to_value(item)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string)),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

impl<'a> Facts<'a> {
    fn of(schema: &'a openapiv3::Schema) -> Self {
        let mut f = Facts::default();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                f.typ = Some("string".into());
                f.format = format_name(&s.format);
                f.pattern = s.pattern.clone();
                f.enumeration = s
                    .enumeration
                    .iter()
                    .map(|v| v.clone().map_or(Value::Null, Value::String))
                    .collect();
                f.min_length = s.min_length;
                f.max_length = s.max_length;
            }
            SchemaKind::Type(Type::Number(n)) => {
                f.typ = Some("number".into());
                f.format = format_name(&n.format);
                f.minimum = n.minimum;
                f.maximum = n.maximum;
                f.exclusive_minimum = n.exclusive_minimum;
                f.exclusive_maximum = n.exclusive_maximum;
                f.multiple_of = n.multiple_of;
                f.enumeration = n
                    .enumeration
                    .iter()
                    .map(|v| v.map_or(Value::Null, Value::from))
                    .collect();
            }
            SchemaKind::Type(Type::Integer(n)) => {
                f.typ = Some("integer".into());
                f.format = format_name(&n.format);
                f.minimum = n.minimum.map(|v| v as f64);
                f.maximum = n.maximum.map(|v| v as f64);
                f.exclusive_minimum = n.exclusive_minimum;
                f.exclusive_maximum = n.exclusive_maximum;
                f.multiple_of = n.multiple_of.map(|v| v as f64);
                f.enumeration = n
                    .enumeration
                    .iter()
                    .map(|v| v.map_or(Value::Null, Value::from))
                    .collect();
            }
            SchemaKind::Type(Type::Boolean(b)) => {
                f.typ = Some("boolean".into());
                f.enumeration = b
                    .enumeration
                    .iter()
                    .map(|v| v.map_or(Value::Null, Value::Bool))
                    .collect();
            }
            SchemaKind::Type(Type::Object(o)) => {
                f.typ = Some("object".into());
                f.properties = Some(&o.properties);
                f.required = &o.required;
                f.additional = o.additional_properties.as_ref();
                f.min_properties = o.min_properties;
                f.max_properties = o.max_properties;
            }
            SchemaKind::Type(Type::Array(a)) => {
                f.typ = Some("array".into());
                f.items = a.items.as_ref();
                f.min_items = a.min_items;
                f.max_items = a.max_items;
                f.unique_items = a.unique_items;
            }
            SchemaKind::OneOf { one_of } => f.one_of = one_of,
            SchemaKind::AllOf { all_of } => f.all_of = all_of,
            SchemaKind::AnyOf { any_of } => f.any_of = any_of,
            SchemaKind::Not { .. } => f.not = true,
            SchemaKind::Any(a) => {
                f.typ = a.typ.clone();
                f.format = a.format.clone();
                f.pattern = a.pattern.clone();
                f.enumeration = a.enumeration.clone();
                f.min_length = a.min_length;
                f.max_length = a.max_length;
                f.minimum = a.minimum;
                f.maximum = a.maximum;
                f.exclusive_minimum = a.exclusive_minimum.unwrap_or(false);
                f.exclusive_maximum = a.exclusive_maximum.unwrap_or(false);
                f.multiple_of = a.multiple_of;
                f.properties = (!a.properties.is_empty()).then_some(&a.properties);
                f.required = &a.required;
                f.additional = a.additional_properties.as_ref();
                f.min_properties = a.min_properties;
                f.max_properties = a.max_properties;
                f.items = a.items.as_ref();
                f.min_items = a.min_items;
                f.max_items = a.max_items;
                f.unique_items = a.unique_items.unwrap_or(false);
                f.one_of = &a.one_of;
                f.all_of = &a.all_of;
                f.any_of = &a.any_of;
                f.not = a.not.is_some();
                if f.typ.is_none() && (f.properties.is_some() || f.additional.is_some()) {
                    f.typ = Some("object".into());
                }
                if f.typ.is_none() && f.items.is_some() {
                    f.typ = Some("array".into());
                }
            }
        }
        f
    }

    fn has_own_structure(&self) -> bool {
        self.properties.is_some_and(|p| !p.is_empty())
            || self.items.is_some()
            || !self.enumeration.is_empty()
    }

    /// Keyword checks that apply directly to this schema position.
    fn checks(&self, format: &StringFormat) -> Vec<Keyword> {
        let mut out = Vec::new();
        if matches!(
            format,
            StringFormat::Byte | StringFormat::DateTime | StringFormat::Date | StringFormat::Uuid
        ) {
            out.push(Keyword::Format(format.clone()));
        }
        if let Some(p) = &self.pattern {
            out.push(Keyword::Pattern(p.clone()));
        }
        if let Some(v) = self.min_length {
            out.push(Keyword::MinLength(v as u64));
        }
        if let Some(v) = self.max_length {
            out.push(Keyword::MaxLength(v as u64));
        }
        if let Some(value) = self.minimum {
            out.push(Keyword::Minimum {
                value,
                exclusive: self.exclusive_minimum,
            });
        }
        if let Some(value) = self.maximum {
            out.push(Keyword::Maximum {
                value,
                exclusive: self.exclusive_maximum,
            });
        }
        if let Some(v) = self.multiple_of {
            out.push(Keyword::MultipleOf(v));
        }
        if let Some(v) = self.min_items {
            out.push(Keyword::MinItems(v as u64));
        }
        if let Some(v) = self.max_items {
            out.push(Keyword::MaxItems(v as u64));
        }
        if self.unique_items {
            out.push(Keyword::UniqueItems);
        }
        if let Some(v) = self.min_properties {
            out.push(Keyword::MinProperties(v as u64));
        }
        if let Some(v) = self.max_properties {
            out.push(Keyword::MaxProperties(v as u64));
        }
        out
    }
}

fn string_format(format: Option<&str>) -> StringFormat {
    match format {
        None | Some("") => StringFormat::Plain,
        Some("byte") => StringFormat::Byte,
        Some("binary") => StringFormat::Binary,
        Some("date-time") => StringFormat::DateTime,
        Some("date") => StringFormat::Date,
        Some("uuid") => StringFormat::Uuid,
        Some(other) => StringFormat::Other(other.to_string()),
    }
}

fn docs(data: &openapiv3::SchemaData) -> Docs {
    Docs {
        title: data.title.clone(),
        description: data.description.clone(),
        deprecated: data.deprecated,
        example: data.example.clone(),
    }
}

/// A schema or a reference, owned (properties merged from allOf parts).
pub(crate) enum OwnedSRef {
    Ref(String),
    Inline(Box<openapiv3::Schema>),
}

impl OwnedSRef {
    fn as_sref(&self) -> SRef<'_> {
        match self {
            OwnedSRef::Ref(r) => SRef::Ref(r),
            OwnedSRef::Inline(s) => SRef::Inline(s),
        }
    }
}

/// One property with the place its schema is written.
pub(crate) struct Prop {
    name: String,
    src: OwnedSRef,
    loc: Loc,
}

/// What an object type is made of.
#[derive(Default)]
pub(crate) struct ObjectParts {
    props: Vec<Prop>,
    required: Vec<String>,
    additional: Option<(AdditionalProperties, Loc)>,
    checks: Vec<Keyword>,
}

fn parts_of(f: &Facts<'_>, loc: &Loc) -> ObjectParts {
    let props = f
        .properties
        .into_iter()
        .flatten()
        .map(|(name, s)| Prop {
            name: name.clone(),
            src: match s {
                ReferenceOr::Reference { reference } => OwnedSRef::Ref(reference.clone()),
                ReferenceOr::Item(b) => OwnedSRef::Inline(b.clone()),
            },
            loc: loc.child("properties").child(name),
        })
        .collect();
    ObjectParts {
        props,
        required: f.required.to_vec(),
        additional: f
            .additional
            .map(|a| (a.clone(), loc.child("additionalProperties"))),
        checks: f.checks(&StringFormat::Plain),
    }
}

/// How a schema is represented.
enum Class<'a> {
    /// A one-element allOf/oneOf/anyOf without structure of its own: the element, refined.
    Wrapper(SRef<'a>),
    Struct,
    Enum,
    Union {
        exclusive: bool,
    },
    AllOf,
    Other,
}

fn classify<'a>(f: &Facts<'a>) -> Class<'a> {
    let composed: Option<(&[ReferenceOr<openapiv3::Schema>], Option<bool>)> =
        if !f.all_of.is_empty() {
            Some((f.all_of, None))
        } else if !f.one_of.is_empty() {
            Some((f.one_of, Some(true)))
        } else if !f.any_of.is_empty() {
            Some((f.any_of, Some(false)))
        } else {
            None
        };
    if let Some((parts, exclusive)) = composed {
        if parts.len() == 1 && !f.has_own_structure() {
            return Class::Wrapper(SRef::from(&parts[0]));
        }
        return match exclusive {
            Some(exclusive) => Class::Union { exclusive },
            None => Class::AllOf,
        };
    }
    let enum_values = f.enumeration.iter().filter(|v| !v.is_null()).count();
    match f.typ.as_deref() {
        Some("string") | Some("integer") if enum_values > 0 => Class::Enum,
        None if enum_values > 0 && f.enumeration.iter().all(|v| v.is_string() || v.is_null()) => {
            Class::Enum
        }
        Some("object") if f.properties.is_some_and(|p| !p.is_empty()) => Class::Struct,
        Some("object") if matches!(f.additional, Some(AdditionalProperties::Any(false))) => {
            Class::Struct
        }
        _ => Class::Other,
    }
}

impl Lowerer<'_> {
    /// A schema where it is used: a field, an item, a body.
    pub(crate) fn use_site(
        &mut self,
        s: SRef<'_>,
        at: &Loc,
        hint: &str,
    ) -> Result<Schema, Diagnostic> {
        match s {
            SRef::Ref(reference) => {
                let target = self.src.resolve(&at.child("$ref"), reference)?;
                let id = self.define(target)?;
                Ok(Schema::new(Shape::Named(id)))
            }
            SRef::Inline(schema) => self.inline(schema, at, hint),
        }
    }

    /// The named type whose schema is at `loc`, lowered once.
    pub(crate) fn define(&mut self, loc: Loc) -> Result<TypeId, Diagnostic> {
        if let Some(&id) = self.by_loc.get(&loc) {
            return Ok(id);
        }
        let candidate = crate::loader::tokens(&loc.pointer)
            .last()
            .cloned()
            .unwrap_or_default();
        // A schema that is only a `$ref` (a component naming another one):
        // openapiv3 would read it as an empty schema; it is an alias of the
        // type it names. `resolve` refuses chains that never reach a schema.
        if let Some(reference) = self.src.value(&loc).and_then(|v| v.get("$ref")).cloned() {
            let Value::String(reference) = reference else {
                return Err(self.src.diag(&loc.child("$ref"), "$ref must be a string"));
            };
            let target = self.src.resolve(&loc.child("$ref"), &reference)?;
            let id = TypeId(self.types.len());
            self.by_loc.insert(loc.clone(), id);
            self.types.push(TypeDef {
                name: naming::type_name(&candidate, "Type"),
                origin: self.src.describe(&loc),
                docs: Docs::default(),
                nullable: false,
                kind: TypeKind::Alias(Schema::new(Shape::Any(AnyReason::Unconstrained))),
            });
            let inner = self.define(target)?;
            self.types[id.0].kind = TypeKind::Alias(Schema::new(Shape::Named(inner)));
            return Ok(id);
        }
        let schema: openapiv3::Schema = self.src.typed(&loc)?;
        self.define_with(&schema, loc, &candidate)
    }

    fn define_with(
        &mut self,
        schema: &openapiv3::Schema,
        loc: Loc,
        candidate: &str,
    ) -> Result<TypeId, Diagnostic> {
        if let Some(&id) = self.by_loc.get(&loc) {
            return Ok(id);
        }
        let id = TypeId(self.types.len());
        self.by_loc.insert(loc.clone(), id);
        let name = naming::type_name(candidate, "Type");
        self.types.push(TypeDef {
            name: name.clone(),
            origin: self.src.describe(&loc),
            docs: docs(&schema.schema_data),
            nullable: schema.schema_data.nullable,
            kind: TypeKind::Alias(Schema::new(Shape::Any(AnyReason::Unconstrained))),
        });
        let f = Facts::of(schema);
        let codes = self.codes_of(&schema.schema_data.extensions, &loc);
        let kind = match classify(&f) {
            Class::Struct => TypeKind::Struct(self.object(parts_of(&f, &loc), &name, codes)?),
            Class::AllOf => match self.merge_all_of(schema, &loc)? {
                Some(merged) => TypeKind::Struct(self.object(merged, &name, codes)?),
                None => TypeKind::Alias(self.shapeless(
                    "allOf of schemas that are not all objects",
                    schema,
                    codes,
                )),
            },
            Class::Enum => TypeKind::Enum(self.enumeration(&f, codes)),
            Class::Union { exclusive } => {
                let (union, nullable) = self.union(schema, &f, exclusive, &loc, &name, codes)?;
                self.types[id.0].nullable |= nullable;
                TypeKind::Union(union)
            }
            Class::Wrapper(_) | Class::Other => {
                let mut inner = self.inline(schema, &loc, &name)?;
                if let Shape::Named(target) = inner.shape {
                    // A named alias of another named type: keep the refinements.
                    inner.docs = Docs::default();
                    let _ = target;
                }
                inner.nullable = false;
                TypeKind::Alias(inner)
            }
        };
        self.types[id.0].kind = kind;
        Ok(id)
    }

    /// An inline schema at a use site.
    fn inline(
        &mut self,
        schema: &openapiv3::Schema,
        at: &Loc,
        hint: &str,
    ) -> Result<Schema, Diagnostic> {
        let f = Facts::of(schema);
        let mut codes = self.codes_of(&schema.schema_data.extensions, at);
        let file_checks = self.file_checks_of(&schema.schema_data.extensions, at);
        let data = &schema.schema_data;
        let format = string_format(f.format.as_deref());
        let mut out = match classify(&f) {
            Class::Wrapper(inner) => {
                let which = if !f.all_of.is_empty() {
                    "allOf"
                } else if !f.one_of.is_empty() {
                    "oneOf"
                } else {
                    "anyOf"
                };
                let mut s = self.use_site(inner, &at.child(which).index(0), hint)?;
                // The wrapper's own keywords and codes refine the element.
                s.rules.checks.extend(f.checks(&StringFormat::Plain));
                for (k, v) in std::mem::take(&mut codes) {
                    s.rules.codes.insert(k, v);
                }
                if s.file_checks.is_empty() {
                    s.file_checks = file_checks.clone();
                }
                s
            }
            Class::Struct | Class::Enum | Class::Union { .. } | Class::AllOf => {
                // A structured inline schema becomes a named type of its own;
                // its codes stay on the definition.
                let id = self.define_with(schema, at.clone(), hint)?;
                let mut s = Schema::new(Shape::Named(id));
                if let Some(code) = codes.remove("required") {
                    s.rules.codes.insert("required".into(), code);
                }
                s
            }
            Class::Other => {
                let shape = self.plain_shape(&f, &format, at, hint)?;
                let mut s = Schema::new(shape);
                s.rules.checks = f.checks(&format);
                if !f.enumeration.is_empty() {
                    let values: Vec<Value> = f
                        .enumeration
                        .iter()
                        .filter(|v| !v.is_null())
                        .cloned()
                        .collect();
                    if !values.is_empty() {
                        s.rules.checks.insert(0, Keyword::Enum(values));
                    }
                }
                s.rules.codes = std::mem::take(&mut codes);
                s
            }
        };
        out.nullable |= data.nullable || f.enumeration.iter().any(Value::is_null);
        if out.docs == Docs::default() {
            out.docs = docs(data);
        } else {
            let d = docs(data);
            out.docs.description = d.description.or(out.docs.description.take());
            out.docs.title = d.title.or(out.docs.title.take());
            out.docs.deprecated |= d.deprecated;
            out.docs.example = d.example.or(out.docs.example.take());
        }
        if !file_checks.is_empty() {
            if format != StringFormat::Byte && out.file_checks.is_empty() {
                self.diags.push(self.src.diag(
                    &at.child(ext::FILE),
                    "x-specgate-file applies only to a `type: string, format: byte` schema",
                ));
            }
            out.file_checks = file_checks;
        }
        self.check_code_keys(&out, &f, at);
        Ok(out)
    }

    /// Shapes that need no name of their own.
    fn plain_shape(
        &mut self,
        f: &Facts<'_>,
        format: &StringFormat,
        at: &Loc,
        hint: &str,
    ) -> Result<Shape, Diagnostic> {
        if f.not {
            return Ok(Shape::Any(AnyReason::Untyped(
                "`not` has no typed form".into(),
            )));
        }
        Ok(match f.typ.as_deref() {
            Some("string") => Shape::String(format.clone()),
            Some("integer") => Shape::Integer(match f.format.as_deref() {
                Some("int32") => IntegerFormat::Int32,
                Some("int64") => IntegerFormat::Int64,
                _ => IntegerFormat::Unspecified,
            }),
            Some("number") => Shape::Number(match f.format.as_deref() {
                Some("float") => NumberFormat::Float,
                Some("double") => NumberFormat::Double,
                _ => NumberFormat::Unspecified,
            }),
            Some("boolean") => Shape::Boolean,
            Some("array") => {
                let item = match f.items {
                    Some(items) => self.use_site(
                        SRef::from(items),
                        &at.child("items"),
                        &format!("{hint} item"),
                    )?,
                    None => Schema::new(Shape::Any(AnyReason::Unconstrained)),
                };
                Shape::List(Box::new(item))
            }
            Some("object") => match f.additional {
                Some(AdditionalProperties::Schema(s)) => {
                    let value = self.use_site(
                        SRef::from(s.as_ref()),
                        &at.child("additionalProperties"),
                        &format!("{hint} value"),
                    )?;
                    Shape::Map(Box::new(value))
                }
                _ => Shape::Map(Box::new(Schema::new(Shape::Any(AnyReason::Unconstrained)))),
            },
            None => Shape::Any(AnyReason::Unconstrained),
            Some(other) => Shape::Any(AnyReason::Untyped(format!(
                "`type: {other}` is not an OpenAPI 3.0 type"
            ))),
        })
    }

    fn object(
        &mut self,
        parts: ObjectParts,
        name: &str,
        codes: std::collections::BTreeMap<String, String>,
    ) -> Result<Struct, Diagnostic> {
        let mut fields = Vec::new();
        let mut props = parts.props;
        props.sort_by(|a, b| a.name.cmp(&b.name));
        for prop in props {
            let at = prop.loc;
            let mut schema =
                self.use_site(prop.src.as_sref(), &at, &format!("{name} {}", prop.name))?;
            let required = parts.required.contains(&prop.name);
            let missing_code = schema.rules.codes.remove("required");
            if missing_code.is_some() && !required {
                self.diags.push(self.src.diag(
                    &at.child(ext::CODES).child("required"),
                    format!("a `required` code is declared, but `{}` is not in the parent's `required` list", prop.name),
                ));
            }
            let docs = std::mem::take(&mut schema.docs);
            fields.push(Field {
                rust_name: naming::snake_name(&prop.name, "field"),
                json_name: prop.name,
                schema,
                required,
                missing_code,
                docs,
            });
        }
        let mut names: Vec<String> = fields.iter().map(|f| f.rust_name.clone()).collect();
        naming::dedupe(&mut names, &[]);
        for (field, name) in fields.iter_mut().zip(names) {
            field.rust_name = name;
        }
        let additional = match parts.additional {
            Some((AdditionalProperties::Any(false), _)) => Additional::Forbidden,
            Some((AdditionalProperties::Schema(s), at)) => Additional::Typed(Box::new(
                self.use_site(SRef::from(s.as_ref()), &at, &format!("{name} value"))?,
            )),
            _ => Additional::Ignored,
        };
        Ok(Struct {
            fields,
            additional,
            rules: Rules {
                checks: parts.checks,
                codes,
            },
        })
    }

    fn enumeration(
        &mut self,
        f: &Facts<'_>,
        codes: std::collections::BTreeMap<String, String>,
    ) -> Enum {
        // A value listed twice (JSON Schema only says SHOULD be unique) is
        // one variant: the set of accepted values is the same.
        let mut values: Vec<&Value> = Vec::new();
        for v in f.enumeration.iter().filter(|v| !v.is_null()) {
            if !values.contains(&v) {
                values.push(v);
            }
        }
        let mut names: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| naming::variant_name(v, i))
            .collect();
        naming::dedupe(&mut names, &[]);
        let variants = values
            .into_iter()
            .zip(names)
            .map(|(value, rust_name)| EnumVariant {
                rust_name,
                value: value.clone(),
            })
            .collect();
        let format = string_format(f.format.as_deref());
        Enum {
            variants,
            rules: Rules {
                checks: f.checks(&format),
                codes,
            },
        }
    }

    fn union(
        &mut self,
        schema: &openapiv3::Schema,
        f: &Facts<'_>,
        exclusive: bool,
        loc: &Loc,
        name: &str,
        codes: std::collections::BTreeMap<String, String>,
    ) -> Result<(Union, bool), Diagnostic> {
        let (parts, key) = if exclusive {
            (f.one_of, "oneOf")
        } else {
            (f.any_of, "anyOf")
        };
        let mut variants = Vec::new();
        let mut nullable = false;
        for (i, part) in parts.iter().enumerate() {
            let at = loc.child(key).index(i);
            let mut s = self.use_site(SRef::from(part), &at, &format!("{name} variant {i}"))?;
            // A variant that admits null makes the whole union admit it:
            // `Option<Union>` at use sites, not an optional variant.
            nullable |= std::mem::take(&mut s.nullable);
            let candidate = match &s.shape {
                Shape::Named(id) => self.types[id.0].name.clone(),
                other => shape_word(other).to_string(),
            };
            variants.push(UnionVariant {
                rust_name: naming::type_name(&candidate, "Variant"),
                schema: s,
            });
        }
        let mut names: Vec<String> = variants.iter().map(|v| v.rust_name.clone()).collect();
        naming::dedupe(&mut names, &[]);
        for (v, n) in variants.iter_mut().zip(names) {
            v.rust_name = n;
        }
        let discriminator = schema.schema_data.discriminator.as_ref().map(|d| {
            let mut mapping = Vec::new();
            for (i, v) in variants.iter().enumerate() {
                // Explicit mapping first, then the schema name (the OpenAPI default).
                // The mapping is a map: its values for one variant are sorted.
                let mut explicit: Vec<&String> = d
                    .mapping
                    .iter()
                    .filter(|(_, target)| match (&parts[i], target) {
                        (ReferenceOr::Reference { reference }, t) => {
                            reference == *t || reference.rsplit('/').next() == Some(t.as_str())
                        }
                        _ => false,
                    })
                    .map(|(k, _)| k)
                    .collect();
                explicit.sort();
                if explicit.is_empty() {
                    if let ReferenceOr::Reference { reference } = &parts[i]
                        && let Some(last) = reference.rsplit('/').next()
                    {
                        mapping.push((last.to_string(), i));
                    } else {
                        mapping.push((v.rust_name.clone(), i));
                    }
                } else {
                    mapping.extend(explicit.into_iter().map(|k| (k.clone(), i)));
                }
            }
            Discriminator {
                property: d.property_name.clone(),
                mapping,
            }
        });
        let union = Union {
            exclusive,
            variants,
            discriminator,
            rules: Rules {
                checks: Vec::new(),
                codes,
            },
        };
        Ok((union, nullable))
    }

    /// The properties of an allOf of object schemas, merged; `None` when a
    /// part is not an object.
    fn merge_all_of(
        &mut self,
        schema: &openapiv3::Schema,
        loc: &Loc,
    ) -> Result<Option<ObjectParts>, Diagnostic> {
        let mut merged = ObjectParts::default();
        let mut ancestors = Vec::new();
        let mut done = std::collections::HashSet::new();
        let objects = self.merge_part(schema, loc, &mut merged, &mut ancestors, &mut done)?;
        Ok(objects.then_some(merged))
    }

    /// Merge `part` (written at `at`) and its allOf parts into `merged`,
    /// depth-first in declared order, so the first declaration of a property
    /// wins; `false` when a part is not an object. A part reached twice
    /// (two parts extending one base) adds nothing new; a part that includes
    /// itself is refused.
    fn merge_part(
        &mut self,
        part: &openapiv3::Schema,
        at: &Loc,
        merged: &mut ObjectParts,
        ancestors: &mut Vec<Loc>,
        done: &mut std::collections::HashSet<Loc>,
    ) -> Result<bool, Diagnostic> {
        if ancestors.contains(at) {
            return Err(self.src.diag(at, "allOf includes itself"));
        }
        if !done.insert(at.clone()) {
            return Ok(true);
        }
        let pf = Facts::of(part);
        if !pf.one_of.is_empty() || !pf.any_of.is_empty() || pf.not {
            return Ok(false);
        }
        if !matches!(pf.typ.as_deref(), Some("object") | None) {
            return Ok(false);
        }
        let mut own = parts_of(&pf, at);
        for p in own.props.drain(..) {
            if !merged.props.iter().any(|m| m.name == p.name) {
                merged.props.push(p);
            }
        }
        for r in own.required {
            if !merged.required.contains(&r) {
                merged.required.push(r);
            }
        }
        if merged.additional.is_none() {
            merged.additional = own.additional;
        }
        merged.checks.extend(own.checks);
        ancestors.push(at.clone());
        for (i, p) in pf.all_of.iter().enumerate() {
            let pat = at.child("allOf").index(i);
            let objects = match p {
                ReferenceOr::Reference { reference } => {
                    let ref_at = pat.child("$ref");
                    let target = self.src.resolve(&ref_at, reference)?;
                    if ancestors.contains(&target) {
                        return Err(self.src.diag(
                            &ref_at,
                            format!("allOf includes itself: `{reference}` leads back to a schema that contains this allOf"),
                        ));
                    }
                    let s: openapiv3::Schema = self.src.typed(&target)?;
                    self.merge_part(&s, &target, merged, ancestors, done)?
                }
                ReferenceOr::Item(s) => self.merge_part(s, &pat, merged, ancestors, done)?,
            };
            if !objects {
                return Ok(false);
            }
        }
        ancestors.pop();
        Ok(true)
    }

    fn shapeless(
        &self,
        reason: &str,
        schema: &openapiv3::Schema,
        codes: std::collections::BTreeMap<String, String>,
    ) -> Schema {
        let mut s = Schema::new(Shape::Any(AnyReason::Untyped(reason.to_string())));
        s.docs = docs(&schema.schema_data);
        s.rules.codes = codes;
        s
    }

    /// Codes declared with `x-specgate-codes` at `at`.
    fn codes_of(
        &mut self,
        extensions: &IndexMap<String, Value>,
        at: &Loc,
    ) -> std::collections::BTreeMap<String, String> {
        let Some(map) = self.read_ext::<ext::CodesExt>(extensions, at, ext::CODES) else {
            return Default::default();
        };
        let mut out = std::collections::BTreeMap::new();
        for (key, code) in map {
            let key_at = at.child(ext::CODES).child(&key);
            if !ext::CODE_KEYS.contains(&key.as_str()) {
                self.diags.push(self.src.diag(
                    &key_at,
                    format!(
                        "`{key}` is not a failure name of x-specgate-codes; expected one of: {}",
                        ext::CODE_KEYS.join(", ")
                    ),
                ));
                continue;
            }
            self.check_code(&code, &key_at);
            out.insert(key, code);
        }
        out
    }

    /// A code-to-keyword mapping must name a keyword the schema has.
    fn check_code_keys(&mut self, s: &Schema, f: &Facts<'_>, at: &Loc) {
        for key in s.rules.codes.keys() {
            let present = match key.as_str() {
                "required" | "null" | "type" | "default" => true,
                "enum" => !f.enumeration.is_empty() || matches!(s.shape, Shape::Named(_)),
                "format" => f.format.is_some() || matches!(s.shape, Shape::Named(_)),
                "additionalProperties" => f.additional.is_some(),
                other => {
                    s.rules.checks.iter().any(|k| k.name() == other)
                        || matches!(s.shape, Shape::Named(_))
                }
            };
            if !present {
                self.diags.push(self.src.diag(
                    &at.child(ext::CODES).child(key),
                    format!(
                        "a code is declared for `{key}`, but this schema has no `{key}` keyword"
                    ),
                ));
            }
        }
    }

    fn file_checks_of(&mut self, extensions: &IndexMap<String, Value>, at: &Loc) -> Vec<FileCheck> {
        let Some(list) = self.read_ext::<Vec<ext::FileCheckExt>>(extensions, at, ext::FILE) else {
            return Vec::new();
        };
        let base = at.child(ext::FILE);
        let mut out = Vec::new();
        for (i, item) in list.into_iter().enumerate() {
            let item_at = base.index(i);
            use ext::FileCheckExt as F;
            let (rule, code) = match item {
                F::NotEmpty { code } => (FileRule::NotEmpty, code),
                F::MaxBytes { value, code } => (FileRule::MaxBytes(value), code),
                F::MediaType {
                    allow,
                    refuse,
                    refused_code,
                    code,
                } => {
                    let mut parse = |list: Vec<String>, key: &str| -> Vec<MediaType> {
                        list.into_iter()
                            .enumerate()
                            .filter_map(|(j, m)| {
                                let t = MediaType::from_mime(&m);
                                if t.is_none() {
                                    self.diags.push(self.src.diag(
                                        &item_at.child(key).index(j),
                                        format!(
                                            "unknown media type `{m}`; known by magic bytes: {}",
                                            MediaType::ALL.map(MediaType::mime).join(", ")
                                        ),
                                    ));
                                }
                                t
                            })
                            .collect()
                    };
                    let allow = parse(allow, "allow");
                    let refuse = parse(refuse, "refuse");
                    self.check_code(&refused_code, &item_at.child("refused-code"));
                    (
                        FileRule::MediaType {
                            allow,
                            refuse,
                            refused_code,
                        },
                        code,
                    )
                }
                F::ImageHeader { code } => (FileRule::ImageHeader, code),
                F::MaxWidth { value, code } => (FileRule::MaxWidth(value), code),
                F::MinWidth { value, code } => (FileRule::MinWidth(value), code),
                F::MaxHeight { value, code } => (FileRule::MaxHeight(value), code),
                F::MinHeight { value, code } => (FileRule::MinHeight(value), code),
                F::MaxPixels { value, code } => (FileRule::MaxPixels(value), code),
                F::MinPixels { value, code } => (FileRule::MinPixels(value), code),
                F::MaxRatio { value, code } => (FileRule::MaxRatio(value), code),
                F::MinRatio { value, code } => (FileRule::MinRatio(value), code),
                F::Orientation { allow, when, code } => (
                    FileRule::Orientation {
                        allow: allow
                            .into_iter()
                            .map(|o| match o {
                                ext::OrientationExt::Landscape => Orientation::Landscape,
                                ext::OrientationExt::Portrait => Orientation::Portrait,
                                ext::OrientationExt::Square => Orientation::Square,
                            })
                            .collect(),
                        // A map in the spec: sorted, so that its order does not matter.
                        when: {
                            let mut when: Vec<(String, Vec<String>)> = when.into_iter().collect();
                            when.sort_by(|a, b| a.0.cmp(&b.0));
                            when
                        },
                    },
                    code,
                ),
                F::ImageDecode { code } => (FileRule::ImageDecode, code),
            };
            self.check_code(&code, &item_at.child("code"));
            out.push(FileCheck { rule, code });
        }
        out
    }
}

fn shape_word(shape: &Shape) -> &'static str {
    match shape {
        Shape::Named(_) => "Named",
        Shape::Boolean => "Boolean",
        Shape::Integer(_) => "Integer",
        Shape::Number(_) => "Number",
        Shape::String(_) => "String",
        Shape::List(_) => "List",
        Shape::Map(_) => "Map",
        Shape::Any(_) => "Any",
    }
}
