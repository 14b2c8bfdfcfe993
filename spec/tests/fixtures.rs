//! The fixture specs of `tests/fixtures/`: each loads, and its constructs
//! lower to the IR they mean.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use spec::ir::*;

#[track_caller]
fn load(name: &str) -> Api {
    spec::load(&common::fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Method, path and Rust name of every operation, in the IR's order.
fn signatures(api: &Api) -> Vec<(&str, &str, &str)> {
    api.operations
        .iter()
        .map(|o| (o.method.as_str(), o.path.as_str(), o.rust_name.as_str()))
        .collect()
}

#[track_caller]
fn named<'a>(api: &'a Api, name: &str) -> (TypeId, &'a TypeDef) {
    let i = api
        .types
        .iter()
        .position(|t| t.name == name)
        .unwrap_or_else(|| {
            let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
            panic!("no type {name} in {names:?}")
        });
    (TypeId(i), &api.types[i])
}

#[track_caller]
fn id(api: &Api, name: &str) -> TypeId {
    named(api, name).0
}

/// The type defined at `#/components/schemas/<key>` of the fixture.
#[track_caller]
fn component<'a>(api: &'a Api, file: &str, key: &str) -> (TypeId, &'a TypeDef) {
    let origin = format!("{file}#/components/schemas/{key}");
    let i = api
        .types
        .iter()
        .position(|t| t.origin == origin)
        .unwrap_or_else(|| panic!("no type from {origin}"));
    (TypeId(i), &api.types[i])
}

#[track_caller]
fn strukt<'a>(api: &'a Api, name: &str) -> &'a Struct {
    match &named(api, name).1.kind {
        TypeKind::Struct(s) => s,
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

#[track_caller]
fn union<'a>(api: &'a Api, name: &str) -> &'a Union {
    match &named(api, name).1.kind {
        TypeKind::Union(u) => u,
        other => panic!("{name} is not a union: {other:?}"),
    }
}

#[track_caller]
fn field<'a>(s: &'a Struct, json: &str) -> &'a Field {
    s.fields
        .iter()
        .find(|f| f.json_name == json)
        .unwrap_or_else(|| panic!("no field {json}"))
}

fn json_names(s: &Struct) -> Vec<&str> {
    s.fields.iter().map(|f| f.json_name.as_str()).collect()
}

#[track_caller]
fn operation<'a>(api: &'a Api, method: &str, path: &str) -> &'a Operation {
    api.operations
        .iter()
        .find(|o| o.method == method && o.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

#[test]
fn every_fixture_loads_and_names_are_unique() {
    for name in common::FIXTURES {
        let api = load(name);
        let names: BTreeSet<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names.len(), api.types.len(), "{name}: type names collide");
        for t in &api.types {
            assert!(!spec::is_keyword(&t.name), "{name}: {}", t.name);
            assert!(t.origin.starts_with(&format!("{name}#/")), "{}", t.origin);
            if let TypeKind::Struct(s) = &t.kind {
                let fields: BTreeSet<&str> =
                    s.fields.iter().map(|f| f.rust_name.as_str()).collect();
                assert_eq!(fields.len(), s.fields.len(), "{name}: {}", t.name);
            }
        }
        let ops: BTreeSet<&str> = api
            .operations
            .iter()
            .map(|o| o.rust_name.as_str())
            .collect();
        assert_eq!(ops.len(), api.operations.len(), "{name}");
        // Fixtures other than vocabulary.yaml stay free of the vocabulary.
        let text = std::fs::read_to_string(common::fixture(name)).unwrap();
        if *name != "vocabulary.yaml" {
            assert!(!text.contains("x-specgate-"), "{name}");
            assert!(api.errors.is_none() && api.auth_stages.is_empty());
        }
    }
}

// --- composition.yaml ---------------------------------------------------------

#[test]
fn composition_all_of_merges_objects_and_own_properties() {
    let api = load("composition.yaml");
    let pet = strukt(&api, "Pet");
    assert_eq!(json_names(pet), ["age", "name", "species"]);
    assert!(field(pet, "name").required, "required from the Named part");
    assert!(field(pet, "species").required, "required from its own part");
    assert!(!field(pet, "age").required);
    assert_eq!(
        field(pet, "age").schema.shape,
        Shape::Integer(IntegerFormat::Int32)
    );
    // Named is reached twice (through Pet and directly): merged once.
    let puppy = strukt(&api, "Puppy");
    assert_eq!(json_names(puppy), ["age", "chewing", "name", "species"]);
}

#[test]
fn composition_single_ref_all_of_is_the_referenced_type_documented() {
    let api = load("composition.yaml");
    let (_, described) = named(&api, "Described");
    assert_eq!(
        described.docs.description.as_deref(),
        Some("A pet, with words about it.")
    );
    match &described.kind {
        TypeKind::Alias(s) => assert_eq!(s.shape, Shape::Named(id(&api, "Pet"))),
        other => panic!("Described is {other:?}"),
    }
}

#[test]
fn composition_one_of_without_discriminator() {
    let api = load("composition.yaml");
    let scalar = union(&api, "Scalar");
    assert!(scalar.exclusive);
    assert!(scalar.discriminator.is_none());
    let variants: Vec<(&str, &Shape)> = scalar
        .variants
        .iter()
        .map(|v| (v.rust_name.as_str(), &v.schema.shape))
        .collect();
    assert_eq!(
        variants,
        [
            ("String", &Shape::String(StringFormat::Plain)),
            ("Integer", &Shape::Integer(IntegerFormat::Unspecified)),
            ("Named", &Shape::Named(id(&api, "Named"))),
        ]
    );
}

#[test]
fn composition_one_of_with_discriminator_and_mapping() {
    let api = load("composition.yaml");
    let animal = union(&api, "Animal");
    assert!(animal.exclusive);
    let names: Vec<&str> = animal
        .variants
        .iter()
        .map(|v| v.rust_name.as_str())
        .collect();
    assert_eq!(names, ["Cat", "Dog", "Bird"]);
    for v in &animal.variants {
        assert_eq!(v.schema.shape, Shape::Named(id(&api, &v.rust_name)));
    }
    let d = animal.discriminator.as_ref().unwrap();
    assert_eq!(d.property, "kind");
    let mapping: Vec<(&str, usize)> = d.mapping.iter().map(|(k, i)| (k.as_str(), *i)).collect();
    // Explicit values first (two name Dog), then the schema name for Bird.
    assert_eq!(mapping, [("cat", 0), ("dog", 1), ("puppy", 1), ("Bird", 2)]);
}

#[test]
fn composition_any_of() {
    let api = load("composition.yaml");
    let contact = union(&api, "Contact");
    assert!(!contact.exclusive);
    assert!(contact.discriminator.is_none());
    assert_eq!(contact.variants.len(), 2);
    let email = &contact.variants[0];
    let Shape::Named(email_id) = email.schema.shape else {
        panic!("an inline object variant is a named type");
    };
    let def = api.type_def(email_id);
    assert_eq!(def.name, email.rust_name);
    assert_eq!(
        def.origin,
        "composition.yaml#/components/schemas/Contact/anyOf/0"
    );
    let TypeKind::Struct(s) = &def.kind else {
        panic!("{def:?}");
    };
    assert_eq!(
        field(s, "email").schema.shape,
        Shape::String(StringFormat::Other("email".into()))
    );
    assert!(field(s, "email").required);
}

// --- nullable.yaml --------------------------------------------------------------

#[test]
fn nullable_fields_required_or_not() {
    let api = load("nullable.yaml");
    let p = strukt(&api, "Profile");
    let facts: Vec<(&str, bool, bool)> = p
        .fields
        .iter()
        .map(|f| (f.json_name.as_str(), f.required, f.schema.nullable))
        .collect();
    assert_eq!(
        facts,
        [
            ("address", false, true),
            ("age", false, false),
            ("aliases", false, false),
            ("billing", false, false),
            ("bio", false, true),
            ("mood", false, true),
            ("name", true, false),
            ("nickname", true, true),
            ("status", true, false),
        ]
    );
    // Items of a list may be null on their own.
    match &field(p, "aliases").schema.shape {
        Shape::List(item) => {
            assert!(item.nullable);
            assert_eq!(item.shape, Shape::String(StringFormat::Plain));
        }
        other => panic!("aliases is {other:?}"),
    }
}

#[test]
fn nullable_enums_drop_the_null_value_and_admit_null() {
    let api = load("nullable.yaml");
    for (name, values) in [
        ("Status", ["active", "inactive"]),
        ("ProfileMood", ["happy", "sad"]),
    ] {
        let (_, def) = named(&api, name);
        assert!(def.nullable, "{name}");
        let TypeKind::Enum(e) = &def.kind else {
            panic!("{name} is not an enum");
        };
        let got: Vec<&str> = e
            .variants
            .iter()
            .map(|v| v.value.as_str().unwrap())
            .collect();
        assert_eq!(got, values);
    }
    let p = strukt(&api, "Profile");
    assert_eq!(
        field(p, "mood").schema.shape,
        Shape::Named(id(&api, "ProfileMood"))
    );
    assert_eq!(
        field(p, "status").schema.shape,
        Shape::Named(id(&api, "Status"))
    );
}

#[test]
fn nullable_reference_through_all_of() {
    let api = load("nullable.yaml");
    let p = strukt(&api, "Profile");
    let address = id(&api, "Address");
    let nullable = field(p, "address");
    assert_eq!(nullable.schema.shape, Shape::Named(address));
    assert!(nullable.schema.nullable);
    // The type itself stays non-nullable: other uses are not affected.
    assert!(!named(&api, "Address").1.nullable);
    let billing = field(p, "billing");
    assert_eq!(billing.schema.shape, Shape::Named(address));
    assert!(!billing.schema.nullable);
}

// --- recursion.yaml ---------------------------------------------------------------

#[test]
fn recursion_yields_named_self_references() {
    let api = load("recursion.yaml");
    let tree = id(&api, "TreeNode");
    match &field(strukt(&api, "TreeNode"), "children").schema.shape {
        Shape::List(item) => assert_eq!(item.shape, Shape::Named(tree)),
        other => panic!("children is {other:?}"),
    }
    let list = id(&api, "ListNode");
    let next = field(strukt(&api, "ListNode"), "next");
    assert_eq!(next.schema.shape, Shape::Named(list));
    assert!(!next.required);
}

#[test]
fn recursion_mutual() {
    let api = load("recursion.yaml");
    let (person, company) = (id(&api, "Person"), id(&api, "Company"));
    assert_eq!(
        field(strukt(&api, "Person"), "employer").schema.shape,
        Shape::Named(company)
    );
    match &field(strukt(&api, "Company"), "employees").schema.shape {
        Shape::List(item) => assert_eq!(item.shape, Shape::Named(person)),
        other => panic!("employees is {other:?}"),
    }
    assert_eq!(api.types.len(), 5, "no type is defined twice");
}

// --- maps.yaml ----------------------------------------------------------------------

#[track_caller]
fn map_value(s: &Schema) -> &Schema {
    match &s.shape {
        Shape::Map(v) => v,
        other => panic!("not a map: {other:?}"),
    }
}

#[test]
fn maps_of_every_kind() {
    let api = load("maps.yaml");
    let m = strukt(&api, "Maps");
    assert_eq!(
        map_value(&field(m, "counts").schema).shape,
        Shape::Integer(IntegerFormat::Int64)
    );
    assert_eq!(
        map_value(&field(m, "anything").schema).shape,
        Shape::Any(AnyReason::Unconstrained)
    );
    match &map_value(&field(m, "lists").schema).shape {
        Shape::List(item) => assert_eq!(item.shape, Shape::String(StringFormat::Plain)),
        other => panic!("lists holds {other:?}"),
    }
    let inner = map_value(map_value(&field(m, "nested").schema));
    assert_eq!(inner.shape, Shape::Boolean);
    // An object that admits no property at all: an empty closed struct.
    let Shape::Named(nothing) = field(m, "nothing").schema.shape else {
        panic!("nothing is not a named type");
    };
    match &api.type_def(nothing).kind {
        TypeKind::Struct(s) => {
            assert!(s.fields.is_empty());
            assert_eq!(s.additional, Additional::Forbidden);
        }
        other => panic!("nothing is {other:?}"),
    }
}

#[test]
fn maps_named_and_beside_properties() {
    let api = load("maps.yaml");
    match &named(&api, "Scores").1.kind {
        TypeKind::Alias(s) => assert_eq!(map_value(s).shape, Shape::Number(NumberFormat::Double)),
        other => panic!("Scores is {other:?}"),
    }
    let labelled = strukt(&api, "Labelled");
    assert_eq!(json_names(labelled), ["id"]);
    match &labelled.additional {
        Additional::Typed(v) => assert_eq!(v.shape, Shape::String(StringFormat::Plain)),
        other => panic!("Labelled admits {other:?}"),
    }
    let closed = strukt(&api, "Closed");
    assert_eq!(json_names(closed), ["id"]);
    assert_eq!(closed.additional, Additional::Forbidden);
    let m = strukt(&api, "Maps");
    assert_eq!(m.additional, Additional::Ignored);
    assert_eq!(
        field(m, "scores").schema.shape,
        Shape::Named(id(&api, "Scores"))
    );
}

// --- names.yaml -----------------------------------------------------------------------

#[test]
fn names_colliding_fields_all_survive_distinct_and_keyword_safe() {
    let api = load("names.yaml");
    let f = strukt(&api, "Fields");
    let pairs: Vec<(&str, &str)> = f
        .fields
        .iter()
        .map(|f| (f.json_name.as_str(), f.rust_name.as_str()))
        .collect();
    // Sorted by wire name; collisions numbered in that order.
    assert_eq!(
        pairs,
        [
            ("2fa", "_2fa"),
            ("Self", "self_"),
            ("UserName", "user_name"),
            ("async", "async_"),
            ("self", "self_2"),
            ("type", "type_"),
            ("userName", "user_name2"),
            ("user_name", "user_name3"),
        ]
    );
    for (_, rust) in pairs {
        assert!(!spec::is_keyword(rust), "{rust}");
        assert!(!rust.starts_with(|c: char| c.is_ascii_digit()), "{rust}");
    }
}

#[test]
fn names_colliding_and_prelude_schema_keys_get_distinct_type_names() {
    let api = load("names.yaml");
    let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Box2",
            "Fields",
            "Holder",
            "Option2",
            "Result2",
            "String2",
            "String3",
            "Symbols",
            "UserName",
            "UserName2",
            "Vec2",
        ]
    );
    // Which key got which name: collisions are told apart by origin.
    let name_of = |key: &str| component(&api, "names.yaml", key).1.name.as_str();
    assert_eq!(name_of("String"), "String2");
    assert_eq!(name_of("string"), "String3");
    assert_eq!(name_of("UserName"), "UserName");
    assert_eq!(name_of("user-name"), "UserName2");
    for prelude in ["String", "Option", "Result", "Vec", "Box"] {
        assert!(
            !names.contains(&prelude),
            "{prelude} would shadow the prelude"
        );
    }
    // Every use still points at the right definition.
    let holder = strukt(&api, "Holder");
    for (json, key) in [
        ("password", "String"),
        ("date", "string"),
        ("option", "Option"),
        ("result", "Result"),
        ("vec", "Vec"),
        ("box", "Box"),
        ("dashed", "user-name"),
        ("camel", "UserName"),
    ] {
        assert_eq!(
            field(holder, json).schema.shape,
            Shape::Named(component(&api, "names.yaml", key).0),
            "{json}"
        );
    }
    assert_eq!(field(holder, "box").rust_name, "box_");
    match &component(&api, "names.yaml", "string").1.kind {
        TypeKind::Alias(s) => assert_eq!(s.shape, Shape::String(StringFormat::Date)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn names_odd_enum_values_get_distinct_variants() {
    let api = load("names.yaml");
    let TypeKind::Enum(e) = &named(&api, "Symbols").1.kind else {
        panic!("Symbols is not an enum");
    };
    let variants: Vec<(&str, &str)> = e
        .variants
        .iter()
        .map(|v| (v.rust_name.as_str(), v.value.as_str().unwrap()))
        .collect();
    assert_eq!(
        variants,
        [
            ("Plus", "+"),
            ("Minus", "-"),
            ("Empty", ""),
            ("AB", "a b"),
            ("AB2", "A B"),
            ("T1", "1"),
            ("NullIsh", "null-ish"),
            ("日本", "日本"),
        ]
    );
}

#[test]
fn names_an_operation_never_takes_the_traits_own_method_name() {
    let api = load("names.yaml");
    let login = operation(&api, "POST", "/login");
    assert_eq!(login.operation_id.as_deref(), Some("authenticate"));
    assert_eq!(login.rust_name, "authenticate2");
}

// --- params.yaml ------------------------------------------------------------------------

#[test]
fn params_in_every_place_with_path_level_overrides() {
    let api = load("params.yaml");
    let get = operation(&api, "GET", "/pets/{petId}");
    let params: Vec<(&str, ParamLocation, bool)> = get
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.required))
        .collect();
    assert_eq!(
        params,
        [
            ("X-Trace", ParamLocation::Header, false),
            ("petId", ParamLocation::Path, true),
            ("verbose", ParamLocation::Query, false),
            ("session", ParamLocation::Cookie, true),
            ("filter", ParamLocation::Query, false),
            ("limit", ParamLocation::Query, false),
        ]
    );
    let param = |name: &str| get.parameters.iter().find(|p| p.name == name).unwrap();
    // The operation's petId and verbose replace the path's.
    assert_eq!(
        param("petId").schema.shape,
        Shape::Integer(IntegerFormat::Int64)
    );
    assert_eq!(
        param("petId").docs.description.as_deref(),
        Some("The pet, by integer id.")
    );
    assert_eq!(param("petId").rust_name, "pet_id");
    assert_eq!(
        param("verbose").schema.shape,
        Shape::Integer(IntegerFormat::Unspecified)
    );
    assert_eq!(
        param("limit").schema.rules.checks,
        [
            Keyword::Minimum {
                value: 1.0,
                exclusive: false
            },
            Keyword::Maximum {
                value: 100.0,
                exclusive: false
            },
        ]
    );
    assert!(param("limit").docs.deprecated);
    assert!(get.parameters.iter().all(|p| p.credential_of.is_none()));
    // A parameter given by content: the media type's schema.
    let Shape::Named(filter) = param("filter").schema.shape else {
        panic!("filter is not a named type");
    };
    let TypeKind::Struct(s) = &api.type_def(filter).kind else {
        panic!("filter is not a struct");
    };
    assert_eq!(json_names(s), ["colour"]);

    // The other operation of the path keeps the path-level parameters.
    let delete = operation(&api, "DELETE", "/pets/{petId}");
    let names: Vec<&str> = delete.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["petId", "verbose", "X-Trace"]);
    assert_eq!(
        delete.parameters[0].schema.shape,
        Shape::String(StringFormat::Plain)
    );
    assert_eq!(delete.parameters[1].schema.shape, Shape::Boolean);

    // A referenced parameter.
    let list = operation(&api, "GET", "/pets");
    assert_eq!(list.parameters.len(), 1);
    assert_eq!(list.parameters[0].name, "page");
    assert_eq!(
        list.parameters[0].docs.description.as_deref(),
        Some("The page, from 1.")
    );
}

#[test]
fn params_operations_are_ordered_by_path_then_method() {
    let api = load("params.yaml");
    let ops = signatures(&api);
    assert_eq!(
        ops,
        [
            ("GET", "/pets", "list_pets"),
            ("GET", "/pets/{petId}", "get_pet"),
            ("DELETE", "/pets/{petId}", "delete_pet"),
        ]
    );
    assert!(api.operations.iter().all(|o| o.security.is_empty()));
}

#[test]
fn params_operations_without_operation_id_are_named_by_method_and_path() {
    // Redocly's recommended rules require operationIds, so the linted file
    // has them; this loads it with two of them removed.
    let path = common::fixture("params.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = common::patch(&text, "      operationId: deletePet\n", "");
    let text = common::patch(&text, "      operationId: listPets\n", "");
    let api = spec::load_str(&path, &text).unwrap();
    let names: Vec<(&str, Option<&str>)> = api
        .operations
        .iter()
        .map(|o| (o.rust_name.as_str(), o.operation_id.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("get_pets", None),
            ("get_pet", Some("getPet")),
            ("delete_pets_pet_id", None),
        ]
    );
}

// --- content.yaml --------------------------------------------------------------------------

#[test]
fn content_request_body_media_types_json_first() {
    let api = load("content.yaml");
    let op = operation(&api, "POST", "/notes");
    let body = op.body.as_ref().unwrap();
    assert!(body.required);
    assert!(!body.any_content_type);
    assert_eq!(body.not_an_object, NotAnObject::Unspecified);
    let note = id(&api, "Note");
    let content: Vec<(&str, &Shape)> = body
        .content
        .iter()
        .map(|c| (c.media_type.as_str(), &c.schema.as_ref().unwrap().shape))
        .collect();
    assert_eq!(
        content,
        [
            ("application/json", &Shape::Named(note)),
            ("application/x-www-form-urlencoded", &Shape::Named(note)),
            ("text/plain", &Shape::String(StringFormat::Plain)),
        ]
    );
    assert_eq!(
        body.content[2].schema.as_ref().unwrap().rules.checks,
        [Keyword::MaxLength(1000)]
    );
}

#[test]
fn content_responses_empty_range_default_and_binary() {
    let api = load("content.yaml");
    let create = operation(&api, "POST", "/notes");
    let problem = id(&api, "Problem");
    let statuses: Vec<StatusSpec> = create.responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            StatusSpec::Code(204),
            StatusSpec::Range(4),
            StatusSpec::Default
        ]
    );
    assert!(create.responses[0].content.is_empty(), "204 has no content");
    for r in &create.responses[1..] {
        assert_eq!(r.content.len(), 1);
        assert_eq!(
            r.content[0].schema.as_ref().unwrap().shape,
            Shape::Named(problem)
        );
    }
    assert!(StatusSpec::Range(4).matches(422));
    assert!(!StatusSpec::Range(4).matches(500));
    assert!(StatusSpec::Default.matches(503));

    let download = operation(&api, "GET", "/notes/{id}/attachment");
    let ok = &download.responses[0];
    assert_eq!(ok.status, StatusSpec::Code(200));
    assert_eq!(ok.content[0].media_type, "application/octet-stream");
    assert_eq!(
        ok.content[0].schema.as_ref().unwrap().shape,
        Shape::String(StringFormat::Binary)
    );
    assert_eq!(ok.headers.len(), 1);
    assert_eq!(ok.headers[0].0, "Content-Length");
    assert_eq!(
        ok.headers[0].1.shape,
        Shape::Integer(IntegerFormat::Unspecified)
    );
}

// --- vocabulary.yaml -----------------------------------------------------------------------

#[test]
fn vocabulary_uses_every_key_once() {
    let text = std::fs::read_to_string(common::fixture("vocabulary.yaml")).unwrap();
    for key in spec::extensions::KEYS {
        assert_eq!(
            text.matches(&format!("{key}:")).count(),
            1,
            "{key} must be used exactly once"
        );
    }
    assert_eq!(
        text.matches("x-specgate-").count(),
        spec::extensions::KEYS.len()
    );
}

#[test]
fn vocabulary_lowers_every_key() {
    let api = load("vocabulary.yaml");
    // x-specgate-errors
    let catalog = api.errors.as_ref().unwrap();
    assert_eq!(catalog.schema, id(&api, "ErrorResponse"));
    assert_eq!(catalog.layout, ErrorLayout::KeyedByCode);
    assert_eq!(catalog.fallback.as_deref(), Some("V500"));
    let codes: Vec<(&str, u16)> = catalog
        .codes
        .iter()
        .map(|c| (c.code.as_str(), c.status))
        .collect();
    assert_eq!(
        codes,
        [
            ("V400", 400),
            ("V401", 401),
            ("V409", 409),
            ("V415", 415),
            ("V500", 500)
        ]
    );
    assert_eq!(catalog.get("V409").unwrap().solution, "Wait for it.");

    // x-specgate-auth and x-specgate-credential
    assert_eq!(
        api.auth_stages,
        [AuthStage {
            name: "client".into(),
            schemes: vec!["token".into()],
            missing: Some("V401".into()),
            multiple: None,
            mismatch: None,
            gone: None,
        }]
    );
    let token = api.scheme("token").unwrap();
    assert_eq!(
        token.kind,
        SchemeKind::HttpAuth {
            header: "Authorization".into(),
            scheme: "bearer".into()
        }
    );
    let all = Some("V401".to_string());
    assert_eq!(
        token.codes,
        CredentialCodes {
            empty: all.clone(),
            malformed: all.clone(),
            unknown: all.clone(),
            expired: all,
        }
    );

    let op = operation(&api, "POST", "/notes");
    assert_eq!(op.security, [vec!["token".to_string()]]);
    // x-specgate-body
    let body = op.body.as_ref().unwrap();
    assert!(body.any_content_type);
    assert_eq!(body.not_an_object, NotAnObject::Code("V400".into()));
    // x-specgate-conflicts and x-specgate-unreachable
    assert_eq!(op.conflicts.len(), 1);
    assert_eq!(op.conflicts[0].code, "V409");
    assert_eq!(op.conflicts[0].key, ["title"]);
    assert_eq!(
        op.unreachable.keys().collect::<Vec<_>>(),
        [&"V500".to_string()]
    );

    // x-specgate-codes
    let note = strukt(&api, "Note");
    let title = field(note, "title");
    assert_eq!(title.missing_code.as_deref(), Some("V400"));
    let codes: Vec<(&str, &str)> = title
        .schema
        .rules
        .codes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        codes,
        [("maxLength", "V400"), ("null", "V400"), ("type", "V400")]
    );
    assert_eq!(title.schema.rules.checks, [Keyword::MaxLength(80)]);

    // x-specgate-file
    let image = field(note, "image");
    assert_eq!(image.schema.shape, Shape::String(StringFormat::Byte));
    let rules: Vec<(&FileRule, &str)> = image
        .schema
        .file_checks
        .iter()
        .map(|c| (&c.rule, c.code.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            (&FileRule::NotEmpty, "V400"),
            (&FileRule::MaxBytes(1_048_576), "V400"),
            (
                &FileRule::MediaType {
                    allow: vec![MediaType::Png, MediaType::Jpeg],
                    refuse: vec![MediaType::Pdf],
                    refused_code: "V415".into(),
                },
                "V400"
            ),
            (&FileRule::ImageHeader, "V400"),
            (&FileRule::MinWidth(16), "V400"),
            (
                &FileRule::Orientation {
                    allow: vec![Orientation::Square],
                    when: vec![("title".into(), vec!["avatar".into()])],
                },
                "V400"
            ),
        ]
    );
    // The error body's named types are plain models.
    assert_eq!(
        json_names(strukt(&api, "Error")),
        ["code", "message", "solution"]
    );
}

// --- routes.yaml -----------------------------------------------------------------------

#[test]
fn routes_every_template_is_an_operation_and_callbacks_are_left_out() {
    let api = load("routes.yaml");
    let mut listed: Vec<(&str, &str)> = api
        .operations
        .iter()
        .map(|o| (o.method.as_str(), o.path.as_str()))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ("GET", "/downloads/{name}.{ext}"),
            ("GET", "/files/latest"),
            ("GET", "/files/v{version}/index"),
            ("POST", "/files:search"),
            ("PUT", "/files/{name}"),
        ]
    );
    // The callback's operation is not an operation of this server.
    assert!(api.operations.iter().all(|o| o.rust_name != "file_stored"));
}

#[test]
fn routes_percent_encoded_refs_into_paths_resolve() {
    let api = load("routes.yaml");
    let put = operation(&api, "PUT", "/files/{name}");
    let name = &put.parameters[0];
    assert_eq!(
        (name.name.as_str(), name.location, name.required),
        ("name", ParamLocation::Path, true)
    );
    assert_eq!(name.schema.rules.checks, [Keyword::MinLength(1)]);
    let latest = operation(&api, "GET", "/files/latest");
    assert_eq!(latest.responses[0].status, StatusSpec::Code(200));
    assert_eq!(
        latest.responses[0].content[0].media_type,
        "application/octet-stream"
    );
}

#[test]
fn routes_a_parameter_never_takes_the_body_field_name() {
    let api = load("routes.yaml");
    let put = operation(&api, "PUT", "/files/{name}");
    let names: Vec<(&str, &str)> = put
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.rust_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("name", "name"),
            ("body", "body2"),
            ("parts", "parts"),
            ("cx", "cx")
        ]
    );
    assert!(put.body.is_some());
}

// --- tests/unlinted/odd-paths.yaml ------------------------------------------------------

#[test]
fn odd_paths_every_operation_is_kept_with_a_unique_name() {
    let path = common::crate_dir().join("../tests/unlinted/odd-paths.yaml");
    let api = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let ops = signatures(&api);
    assert_eq!(
        ops,
        [
            ("GET", "/files/*/:name", "literal_star_and_colon"),
            ("GET", "/items", "list_items"),
            ("POST", "/items/", "add_item"),
            ("GET", "/users/{id}", "get_user"),
            ("DELETE", "/users/{name}", "get_user2"),
        ]
    );
    let add = operation(&api, "POST", "/items/");
    assert!(add.responses.is_empty());
    let odd = operation(&api, "GET", "/files/*/:name");
    let statuses: Vec<StatusSpec> = odd.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [StatusSpec::Range(2), StatusSpec::Default]);
}

#[test]
fn names_schemes_differing_only_in_case_get_distinct_rust_names() {
    let api = load("names.yaml");
    let schemes: Vec<(&str, &str)> = api
        .security_schemes
        .iter()
        .map(|s| (s.name.as_str(), s.rust_name.as_str()))
        .collect();
    assert_eq!(schemes, [("ApiKey", "ApiKey"), ("apiKey", "ApiKey2")]);
}

// --- tests/unlinted/enum-values.yaml --------------------------------------------

#[test]
fn an_enum_value_listed_twice_is_one_variant() {
    let path = common::crate_dir()
        .join("..")
        .join("tests")
        .join("unlinted")
        .join("enum-values.yaml");
    let api = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let TypeKind::Enum(e) = &named(&api, "InvoiceStatus").1.kind else {
        panic!("InvoiceStatus is not an enum");
    };
    let variants: Vec<(&str, &str)> = e
        .variants
        .iter()
        .map(|v| (v.rust_name.as_str(), v.value.as_str().unwrap_or("?")))
        .collect();
    assert_eq!(variants, [("Open", "open"), ("Closed", "closed")]);
}
