//! One test per way a spec can be bad: each asserts the diagnostic's file,
//! line and column, JSON pointer and the gist of its message. Every input is
//! small inline YAML written to a fresh temp folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{TempDir, patch, pos};
use spec::ir::{Shape, TypeKind};
use spec::{Diagnostic, LoadError};

/// A small valid API that uses the vocabulary; each vocabulary test breaks
/// one thing of it.
const BASE: &str = r#"openapi: 3.0.3
info:
  title: Things
  version: '1'
paths:
  /things:
    post:
      operationId: createThing
      security:
        - key: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Thing'
      responses:
        '200':
          description: Created.
        '400':
          $ref: '#/components/responses/Error'
        '401':
          $ref: '#/components/responses/Error'
components:
  securitySchemes:
    key:
      type: apiKey
      in: header
      name: X-Key
      x-specgate-credential:
        codes: {empty: E401}
    token:
      type: http
      scheme: bearer
  responses:
    Error:
      description: An error.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorResponse'
  schemas:
    Thing:
      type: object
      required: [name]
      properties:
        name:
          type: string
          maxLength: 10
          x-specgate-codes: {required: E400, maxLength: E400}
        data:
          type: string
          format: byte
    ErrorResponse:
      type: object
      properties:
        errors:
          type: object
          additionalProperties:
            type: object
x-specgate-errors:
  schema: '#/components/schemas/ErrorResponse'
  layout: keyed-by-code
  fallback: E500
  codes:
    E400: {status: 400, message: Bad., solution: Fix it.}
    E401: {status: 401, message: Who?, solution: Sign in.}
    E500: {status: 500, message: Oops., solution: Retry.}
x-specgate-auth:
  - stage: client
    schemes: [key]
    codes: {missing: E401}
"#;

/// A minimal valid API without the vocabulary, for the `$ref` tests.
const PLAIN: &str = r#"openapi: 3.0.3
info:
  title: Plain
  version: '1'
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: The pets.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
components:
  schemas:
    Pet:
      type: object
      properties:
        name:
          type: string
"#;

/// Load `text` written as `api.yaml` in a fresh folder; it must fail.
#[track_caller]
fn fail(text: &str) -> (TempDir, PathBuf, LoadError) {
    let dir = TempDir::new("diag");
    let path = dir.write("api.yaml", text);
    let err = match spec::load(&path) {
        Ok(_) => panic!("the spec loaded, but it is bad:\n{text}"),
        Err(e) => e,
    };
    assert!(!err.diagnostics.is_empty(), "a LoadError is never empty");
    (dir, path, err)
}

/// The diagnostic at `pointer`, checked: file, position and every piece of
/// `gist` in its message.
#[track_caller]
fn expect<'e>(
    err: &'e LoadError,
    file: &Path,
    pointer: &str,
    position: Option<(usize, usize)>,
    gist: &[&str],
) -> &'e Diagnostic {
    let d = err
        .diagnostics
        .iter()
        .find(|d| d.pointer == pointer)
        .unwrap_or_else(|| panic!("no diagnostic at `{pointer}`; got:\n{err}"));
    assert_eq!(d.file, file, "file of {d}");
    assert_eq!(d.position, position, "position of {d}");
    for piece in gist {
        assert!(d.message.contains(piece), "`{piece}` is not in: {d}");
    }
    d
}

/// Like [`expect`], and it is the only diagnostic.
#[track_caller]
fn expect_only(
    err: &LoadError,
    file: &Path,
    pointer: &str,
    position: Option<(usize, usize)>,
    gist: &[&str],
) {
    expect(err, file, pointer, position, gist);
    assert_eq!(err.diagnostics.len(), 1, "one diagnostic expected:\n{err}");
}

#[test]
fn the_bases_are_valid() {
    for text in [BASE, PLAIN] {
        let dir = TempDir::new("base");
        let path = dir.write("api.yaml", text);
        if let Err(e) = spec::load(&path) {
            panic!("{e}");
        }
    }
}

// --- Reading and the version ------------------------------------------------

#[test]
fn invalid_yaml_is_located_by_the_parser() {
    let text = "openapi: 3.0.3\ninfo: [a\n  b: c\n";
    let (_dir, path, err) = fail(text);
    // The flow sequence never closes: the parser stops at the `:` of line 3.
    expect_only(&err, &path, "", Some((3, 4)), &["not valid YAML or JSON"]);
}

#[test]
fn json_is_read_as_json_with_what_yaml_refuses_in_it() {
    // A C1 control character in a string (U+0085) and an integer beyond 64
    // bits: valid JSON, which the YAML parser refuses.
    let text = "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"Big\", \"version\": \"1\"},\n  \"paths\": {\"/n\": {\"get\": {\"parameters\": [{\"name\": \"n\", \"in\": \"query\",\n    \"schema\": {\"type\": \"integer\", \"maximum\": 18446744073709552000}}],\n    \"responses\": {\"200\": {\"description\": \"Next\u{85}line.\"}}}}}}\n";
    let dir = TempDir::new("json");
    let path = dir.write("api.json", text);
    let api = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        api.operations[0].responses[0].description,
        "Next\u{85}line."
    );
    // Invalid JSON is located by the JSON parser.
    let path = dir.write("bad.json", "{\"openapi\": \"3.0.3\",\n  \"info\": [}\n");
    let err = spec::load(&path).unwrap_err();
    expect_only(&err, &path, "", Some((2, 12)), &["not valid JSON"]);
}

#[test]
fn a_key_named_twice_is_refused_at_its_second_copy() {
    // Readers disagree on which copy wins: keeping one would lose the other.
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: a}\n        200: {description: b}\n";
    let (_dir, path, err) = fail(text);
    expect_only(
        &err,
        &path,
        "/paths/~1a/get/responses/200",
        Some((8, 9)),
        &["duplicate key `200`"],
    );
    // JSON too, inside a list, through the JSON parser.
    let dir = TempDir::new("dup-json");
    let path = dir.write(
        "api.json",
        "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n \"paths\": {\"/a\": {\"get\": {\"parameters\": [{\"name\": \"a\",\n  \"in\": \"query\", \"in\": \"path\"}]}}}}\n",
    );
    let err = spec::load(&path).unwrap_err();
    expect_only(
        &err,
        &path,
        "/paths/~1a/get/parameters/0/in",
        Some((3, 18)),
        &["duplicate key `in`"],
    );
    // A YAML flow mapping starts like JSON but is read as YAML: its
    // duplicate is reported, not the JSON parser's complaint.
    let path = dir.write(
        "flow.yaml",
        "{openapi: 3.0.3, info: {title: t, version: '1'},\n paths: {}, info: {}}\n",
    );
    let err = spec::load(&path).unwrap_err();
    expect_only(
        &err,
        &path,
        "/info",
        Some((2, 13)),
        &["duplicate key `info`"],
    );
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    let dir = TempDir::new("utf8");
    let path = dir.write("api.yaml", b"openapi: 3.0.3\ninfo: \xff\xfe\n");
    let err = spec::load(&path).unwrap_err();
    expect_only(&err, &path, "", None, &["cannot read", "UTF-8"]);
}

#[test]
fn a_document_that_is_not_a_mapping_is_refused() {
    let (_dir, path, err) = fail("- openapi\n- 3.0.3\n");
    expect_only(&err, &path, "", Some((1, 1)), &["must be a mapping"]);
    let (_dir, path, err) = fail("just text\n");
    expect_only(&err, &path, "", Some((1, 1)), &["must be a mapping"]);
}

#[test]
fn an_empty_document_is_refused_without_a_position() {
    let (_dir, path, err) = fail("");
    expect_only(&err, &path, "", None, &["must be a mapping"]);
}

#[test]
fn a_missing_openapi_field_is_reported_at_the_root() {
    let text = "# no version\ninfo:\n  title: t\n  version: '1'\npaths: {}\n";
    let (_dir, path, err) = fail(text);
    // The root mapping starts at its first key.
    expect_only(
        &err,
        &path,
        "",
        Some(pos(text, "info:")),
        &["missing `openapi` field"],
    );
}

#[test]
fn swagger_2_is_refused() {
    let text = "info:\n  title: t\n  version: '1'\nswagger: \"2.0\"\npaths: {}\n";
    let (_dir, path, err) = fail(text);
    expect_only(
        &err,
        &path,
        "/swagger",
        Some(pos(text, "swagger")),
        &["Swagger 2.0 is not supported", "OpenAPI 3.0"],
    );
}

#[test]
fn openapi_3_1_is_refused_as_not_supported() {
    let text = "openapi: 3.1.0\ninfo:\n  title: t\n  version: '1'\npaths: {}\n";
    let (_dir, path, err) = fail(text);
    let d = &err.diagnostics[0];
    expect_only(
        &err,
        &path,
        "/openapi",
        Some((1, 1)),
        &["3.1.0", "not supported", "only 3.0.x"],
    );
    assert!(d.message.contains("3.1 "), "{d}");
}

#[test]
fn openapi_4_is_refused() {
    // A YAML number, not a version string.
    let text = "info:\n  title: t\n  version: '1'\nopenapi: 4.0\n";
    let (_dir, path, err) = fail(text);
    expect_only(
        &err,
        &path,
        "/openapi",
        Some(pos(text, "openapi")),
        &["version string", "4.0"],
    );
    // A version string of another major version.
    let text = "openapi: '4.0.0'\ninfo:\n  title: t\n  version: '1'\n";
    let (_dir, path, err) = fail(text);
    expect_only(
        &err,
        &path,
        "/openapi",
        Some((1, 1)),
        &["unsupported OpenAPI version `4.0.0`", "only 3.0.x"],
    );
}

// --- References -------------------------------------------------------------

#[test]
fn an_unresolvable_local_ref_is_reported_at_the_ref() {
    let text = patch(
        PLAIN,
        "#/components/schemas/Pet'",
        "#/components/schemas/Cat'",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        Some(pos(&text, "$ref")),
        &[
            "unresolvable $ref `#/components/schemas/Cat`",
            "/components/schemas/Cat",
        ],
    );
}

#[test]
fn a_ref_fragment_that_is_not_a_pointer_is_refused() {
    let text = patch(PLAIN, "'#/components/schemas/Pet'", "'#Pet'");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        Some(pos(&text, "$ref")),
        &["unsupported $ref `#Pet`", "JSON pointer"],
    );
}

#[test]
fn a_ref_to_a_missing_file_is_reported_at_the_ref() {
    let text = patch(PLAIN, "'#/components/schemas/Pet'", "'missing.yaml#/Pet'");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        Some(pos(&text, "$ref")),
        &["cannot read", "missing.yaml"],
    );
}

#[cfg(unix)]
#[test]
fn a_ref_to_something_that_is_not_a_file_is_refused() {
    // A device (or a pipe) could be read forever.
    for target in ["/dev/null", "."] {
        let text = patch(
            PLAIN,
            "'#/components/schemas/Pet'",
            &format!("'{target}#/Pet'"),
        );
        let (_dir, path, err) = fail(&text);
        expect_only(
            &err,
            &path,
            "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
            Some(pos(&text, "$ref")),
            &["cannot read", "not a regular file"],
        );
    }
}

#[test]
fn a_ref_to_a_url_is_refused() {
    let text = patch(
        PLAIN,
        "'#/components/schemas/Pet'",
        "'https://example.com/pet.yaml#/Pet'",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        Some(pos(&text, "$ref")),
        &["https://example.com/pet.yaml#/Pet", "never URLs"],
    );
}

#[test]
fn a_pure_alias_cycle_is_reported_as_a_cycle() {
    let text = format!(
        "{PLAIN}    A:\n      $ref: '#/components/schemas/B'\n    B:\n      $ref: '#/components/schemas/A'\n"
    );
    let (_dir, path, err) = fail(&text);
    let a_ref = (pos(&text, "    A:\n").0 + 1, 7);
    let b_ref = (pos(&text, "    B:\n").0 + 1, 7);
    expect(
        &err,
        &path,
        "/components/schemas/A/$ref",
        Some(a_ref),
        &["$ref cycle", "leads back to itself"],
    );
    expect(
        &err,
        &path,
        "/components/schemas/B/$ref",
        Some(b_ref),
        &["$ref cycle"],
    );
    assert_eq!(err.diagnostics.len(), 2, "{err}");
}

#[test]
fn a_self_alias_is_a_cycle_too() {
    let text = format!("{PLAIN}    Me:\n      $ref: '#/components/schemas/Me'\n");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/components/schemas/Me/$ref",
        Some((pos(&text, "    Me:\n").0 + 1, 7)),
        &["$ref cycle"],
    );
}

#[test]
fn a_component_alias_names_its_target() {
    let text = format!("{PLAIN}    Animal:\n      $ref: '#/components/schemas/Pet'\n");
    let dir = TempDir::new("alias");
    let api = spec::load(&dir.write("api.yaml", &text)).unwrap();
    let animal = api.types.iter().find(|t| t.name == "Animal").unwrap();
    let pet = api.types.iter().position(|t| t.name == "Pet").unwrap();
    match &animal.kind {
        TypeKind::Alias(s) => assert_eq!(s.shape, Shape::Named(spec::ir::TypeId(pet))),
        other => panic!("Animal is {other:?}"),
    }
}

#[test]
fn a_type_recursive_through_properties_is_fine() {
    let text = format!(
        "{PLAIN}    Node:\n      type: object\n      properties:\n        children:\n          type: array\n          items:\n            $ref: '#/components/schemas/Node'\n"
    );
    let dir = TempDir::new("recursion");
    let api = spec::load(&dir.write("api.yaml", &text)).unwrap();
    let id = api.types.iter().position(|t| t.name == "Node").unwrap();
    let TypeKind::Struct(node) = &api.types[id].kind else {
        panic!("Node is not a struct");
    };
    let children = &node.fields[0];
    assert_eq!(children.json_name, "children");
    match &children.schema.shape {
        Shape::List(item) => assert_eq!(item.shape, Shape::Named(spec::ir::TypeId(id))),
        other => panic!("children is {other:?}"),
    }
}

#[test]
fn an_allof_that_includes_itself_is_refused_but_a_diamond_is_fine() {
    let diamond = format!(
        "{PLAIN}    Base:
      type: object
      properties:
        id: {{type: string}}
    Left:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            left: {{type: string}}
    Right:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            right: {{type: string}}
    Both:
      allOf:
        - $ref: '#/components/schemas/Left'
        - $ref: '#/components/schemas/Right'
"
    );
    let dir = TempDir::new("diamond");
    let api = spec::load(&dir.write("api.yaml", &diamond)).unwrap();
    let both = api.types.iter().find(|t| t.name == "Both").unwrap();
    let TypeKind::Struct(s) = &both.kind else {
        panic!("Both is not a struct");
    };
    let names: Vec<&str> = s.fields.iter().map(|f| f.json_name.as_str()).collect();
    assert_eq!(names, ["id", "left", "right"]);

    let cycle = format!(
        "{PLAIN}    Egg:
      allOf:
        - $ref: '#/components/schemas/Hen'
        - type: object
          properties:
            shell: {{type: string}}
    Hen:
      allOf:
        - $ref: '#/components/schemas/Egg'
"
    );
    let (_dir, path, err) = fail(&cycle);
    expect(
        &err,
        &path,
        "/components/schemas/Hen/allOf/0/$ref",
        Some(pos(&cycle, "$ref: '#/components/schemas/Egg'")),
        &["allOf includes itself", "#/components/schemas/Egg"],
    );
}

/// The root of a two-file spec, with the other files in `dir`.
fn multi_file(dir: &TempDir, other: &str) -> PathBuf {
    let root = format!(
        "{PLAIN}        owner:\n          $ref: 'other.yaml#/Owner'\n        tag:\n          $ref: 'sub/dir/x.yaml#/Tag'\n    Owner:\n      $ref: 'other.yaml#/Owner'\n"
    );
    dir.write("other.yaml", other);
    dir.write(
        "sub/dir/x.yaml",
        "Tag:\n  type: object\n  properties:\n    colour:\n      $ref: '../y.yaml#/Colour'\n",
    );
    dir.write(
        "sub/y.yaml",
        "Colour:\n  type: string\n  enum: [red, green]\n",
    );
    dir.write("api.yaml", root)
}

const OTHER: &str = "Owner:\n  type: object\n  required: [name]\n  properties:\n    name:\n      $ref: '#/Name'\nName:\n  type: string\n  minLength: 1\n";

#[test]
fn refs_to_relative_files_resolve() {
    let dir = TempDir::new("files");
    let api = spec::load(&multi_file(&dir, OTHER)).unwrap();
    let by_origin = |origin: &str| {
        api.types
            .iter()
            .position(|t| t.origin == origin)
            .unwrap_or_else(|| panic!("no type from {origin}"))
    };
    let owner = by_origin("other.yaml#/Owner");
    let name = by_origin("other.yaml#/Name");
    let tag = by_origin("sub/dir/x.yaml#/Tag");
    let colour = by_origin("sub/dir/../y.yaml#/Colour");
    assert!(matches!(api.types[colour].kind, TypeKind::Enum(_)));
    let TypeKind::Struct(o) = &api.types[owner].kind else {
        panic!("Owner is not a struct");
    };
    assert_eq!(
        o.fields[0].schema.shape,
        Shape::Named(spec::ir::TypeId(name))
    );
    assert!(o.fields[0].required);
    let TypeKind::Struct(t) = &api.types[tag].kind else {
        panic!("Tag is not a struct");
    };
    assert_eq!(
        t.fields[0].schema.shape,
        Shape::Named(spec::ir::TypeId(colour))
    );
    // The component `Owner` is an alias of the file's `Owner`.
    let alias = by_origin("api.yaml#/components/schemas/Owner");
    match &api.types[alias].kind {
        TypeKind::Alias(s) => assert_eq!(s.shape, Shape::Named(spec::ir::TypeId(owner))),
        other => panic!("the alias is {other:?}"),
    }
}

#[test]
fn a_bad_ref_in_another_file_is_reported_in_that_file() {
    let dir = TempDir::new("files-bad");
    let other = patch(OTHER, "'#/Name'", "'#/Nome'");
    let root = multi_file(&dir, &other);
    let err = spec::load(&root).unwrap_err();
    expect(
        &err,
        &dir.path().join("other.yaml"),
        "/Owner/properties/name/$ref",
        Some(pos(&other, "$ref")),
        &["unresolvable $ref `#/Nome`"],
    );
    // Reached twice (the component alias and the property), reported where it is.
    assert!(
        err.diagnostics
            .iter()
            .all(|d| d.pointer == "/Owner/properties/name/$ref")
    );
}

#[test]
fn invalid_yaml_in_another_file_is_reported_in_that_file() {
    let dir = TempDir::new("files-yaml");
    let other = "Owner:\n  type: object\n  properties: [a\n    b: c\n";
    let root = multi_file(&dir, other);
    let err = spec::load(&root).unwrap_err();
    expect(
        &err,
        &dir.path().join("other.yaml"),
        "",
        Some((4, 6)),
        &["not valid YAML or JSON"],
    );
}

// --- OpenAPI structure ------------------------------------------------------

#[test]
fn malformed_responses_are_located() {
    let text = patch(
        PLAIN,
        "      responses:\n        '200':\n          description: The pets.\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Pet'\n",
        "      responses: 5\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1pets/get/responses",
        Some(pos(&text, "responses")),
        &["invalid type: integer `5`"],
    );
}

#[test]
fn a_body_parameter_is_located() {
    let text = patch(
        PLAIN,
        "      operationId: listPets\n",
        "      operationId: listPets\n      parameters:\n        - name: q\n          in: query\n          schema: {type: string}\n        - name: pet\n          in: body\n          schema: {type: string}\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1pets/get/parameters/1",
        Some(pos(&text, "name: pet")),
        &[
            "unknown variant `body`",
            "`query`, `header`, `path`, `cookie`",
        ],
    );
}

#[test]
fn a_security_requirement_naming_no_scheme_is_located() {
    let text = patch(
        BASE,
        "        - key: []\n",
        "        - key: []\n          ghost: []\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1things/post/security/0/ghost",
        Some(pos(&text, "ghost")),
        &["`ghost`", "not in components.securitySchemes"],
    );
}

// --- The x-specgate vocabulary ------------------------------------------------

const NAME: &str = "/components/schemas/Thing/properties/name";
const DATA: &str = "/components/schemas/Thing/properties/data";

#[test]
fn an_unknown_vocabulary_key_is_refused() {
    let text = patch(
        BASE,
        "          format: byte\n",
        "          format: byte\n          x-specgate-foo: 1\n          x-other: fine\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{DATA}/x-specgate-foo"),
        Some(pos(&text, "x-specgate-foo")),
        &["unknown extension `x-specgate-foo`", "x-specgate-codes"],
    );
}

#[test]
fn a_vocabulary_key_in_the_wrong_place_is_refused() {
    let text = patch(
        BASE,
        "          format: byte\n",
        "          format: byte\n          x-specgate-auth: []\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{DATA}/x-specgate-auth"),
        Some(pos(&text, "x-specgate-auth: []")),
        &["`x-specgate-auth` is not read here", "the document root"],
    );
}

#[test]
fn an_unknown_failure_name_is_refused() {
    let text = patch(BASE, "maxLength: E400}", "maxLength: E400, tooLong: E400}");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{NAME}/x-specgate-codes/tooLong"),
        Some(pos(&text, "tooLong")),
        &["`tooLong` is not a failure name", "maxLength"],
    );
}

#[test]
fn a_code_not_in_the_catalog_is_refused() {
    let text = patch(BASE, "{required: E400,", "{required: E404,");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{NAME}/x-specgate-codes/required"),
        Some(pos(&text, "required: E404")),
        &["`E404` is not in the x-specgate-errors catalog"],
    );
}

#[test]
fn codes_without_a_catalog_are_refused() {
    let start = BASE.find("x-specgate-errors:").unwrap();
    let end = BASE.find("x-specgate-auth:").unwrap();
    let text = &format!("{}{}", &BASE[..start], &BASE[end..]);
    let (_dir, path, err) = fail(text);
    let d = expect(
        &err,
        &path,
        &format!("{NAME}/x-specgate-codes/required"),
        Some(pos(text, "required: E400")),
        &["`E400` is used", "no x-specgate-errors catalog"],
    );
    assert!(d.message.contains("at its root"));
    // The credential code and the stage code too: every use is reported.
    expect(
        &err,
        &path,
        "/components/securitySchemes/key/x-specgate-credential/codes/empty",
        Some(pos(text, "empty: E401")),
        &["no x-specgate-errors catalog"],
    );
    expect(
        &err,
        &path,
        "/x-specgate-auth/0/codes/missing",
        Some(pos(text, "missing: E401")),
        &["no x-specgate-errors catalog"],
    );
}

#[test]
fn codes_beside_a_bare_ref_tell_to_wrap_it_in_allof() {
    let text = patch(
        BASE,
        "              $ref: '#/components/schemas/Thing'\n",
        "              $ref: '#/components/schemas/Thing'\n              x-specgate-codes: {type: E400}\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1things/post/requestBody/content/application~1json/schema/x-specgate-codes",
        Some(pos(&text, "x-specgate-codes: {type")),
        &["beside a $ref is ignored", "allOf: [{$ref: ...}]"],
    );
}

#[test]
fn a_code_for_a_keyword_the_schema_lacks_is_refused() {
    let text = patch(BASE, "maxLength: E400}", "maxLength: E400, pattern: E400}");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{NAME}/x-specgate-codes/pattern"),
        Some(pos(&text, "pattern: E400")),
        &["code is declared for `pattern`", "no `pattern` keyword"],
    );
}

#[test]
fn a_required_code_on_an_optional_property_is_refused() {
    let text = patch(BASE, "      required: [name]\n", "");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{NAME}/x-specgate-codes/required"),
        Some(pos(&text, "required: E400")),
        &[
            "`required` code is declared",
            "`name` is not in the parent's `required` list",
        ],
    );
}

/// BASE with `checks` as the `x-specgate-file` of `data`.
fn with_file_checks(checks: &str) -> String {
    patch(
        BASE,
        "          format: byte\n",
        &format!("          format: byte\n          x-specgate-file:\n{checks}"),
    )
}

#[test]
fn an_unknown_file_check_is_refused() {
    let text = with_file_checks(
        "            - {check: not-empty, code: E400}\n            - {check: sparkle, code: E400}\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{DATA}/x-specgate-file/1/check"),
        Some(pos(&text, "check: sparkle")),
        &[
            "malformed x-specgate-file",
            "unknown variant `sparkle`",
            "not-empty",
        ],
    );
}

#[test]
fn a_file_check_without_its_code_is_refused() {
    let text = with_file_checks(
        "            - {check: not-empty, code: E400}\n            - check: max-bytes\n              value: 5\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{DATA}/x-specgate-file/1"),
        // The item, at its first key.
        Some(pos(&text, "check: max-bytes")),
        &["malformed x-specgate-file", "missing field `code`"],
    );
}

#[test]
fn an_unknown_media_type_is_refused() {
    let text = with_file_checks(
        "            - check: media-type\n              allow: [image/jpeg, image/svg+xml]\n              refused-code: E400\n              code: E400\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{DATA}/x-specgate-file/0/allow/1"),
        Some(pos(&text, "image/svg+xml")),
        &["unknown media type `image/svg+xml`", "image/png"],
    );
}

#[test]
fn file_checks_on_a_string_that_is_not_bytes_are_refused() {
    let text = patch(
        BASE,
        "          maxLength: 10\n",
        "          maxLength: 10\n          x-specgate-file:\n            - {check: not-empty, code: E400}\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        &format!("{NAME}/x-specgate-file"),
        Some(pos(&text, "x-specgate-file")),
        &["applies only to a `type: string, format: byte` schema"],
    );
}

#[test]
fn a_catalog_status_outside_400_to_599_is_refused() {
    for status in ["302", "600"] {
        let text = patch(
            BASE,
            "{status: 400, message: Bad.",
            &format!("{{status: {status}, message: Bad."),
        );
        let (_dir, path, err) = fail(&text);
        expect(
            &err,
            &path,
            "/x-specgate-errors/codes/E400/status",
            Some(pos(&text, &format!("status: {status}"))),
            &[&format!("status {status} of `E400`"), "400 to 599"],
        );
    }
}

#[test]
fn a_fallback_with_a_4xx_status_is_refused() {
    let text = patch(BASE, "  fallback: E500\n", "  fallback: E400\n");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/x-specgate-errors/fallback",
        Some(pos(&text, "fallback")),
        &["fallback `E400` must have a 5xx status, not 400"],
    );
}

#[test]
fn a_malformed_catalog_is_located() {
    let text = patch(BASE, "  layout: keyed-by-code\n", "  layout: flat\n");
    let (_dir, path, err) = fail(&text);
    expect(
        &err,
        &path,
        "/x-specgate-errors/layout",
        Some(pos(&text, "layout")),
        &["malformed x-specgate-errors", "unknown variant `flat`"],
    );
}

#[test]
fn an_auth_stage_naming_an_unknown_scheme_is_refused() {
    let text = patch(BASE, "    schemes: [key]\n", "    schemes: [key, ghost]\n");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/x-specgate-auth/0/schemes/1",
        Some(pos(&text, "ghost")),
        &["`ghost` is not a scheme of components.securitySchemes"],
    );
}

#[test]
fn a_scheme_in_two_stages_is_refused() {
    let text =
        format!("{BASE}  - stage: user\n    schemes: [token, key]\n    codes: {{missing: E401}}\n");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/x-specgate-auth/1/schemes/1",
        Some({
            let (line, column) = pos(&text, "token, key]");
            (line, column + "token, ".len())
        }),
        &["scheme `key` is in two stages"],
    );
}

#[test]
fn a_code_whose_status_has_no_response_is_refused() {
    // E401 is answered by the `key` scheme the operation uses; drop the 401.
    let text = patch(
        BASE,
        "        '401':\n          $ref: '#/components/responses/Error'\n",
        "",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1things/post/responses",
        Some(pos(&text, "responses:\n        '200'")),
        &[
            "POST /things can answer `E401` (status 401)",
            "declares no 401 response",
        ],
    );
}

#[test]
fn a_default_or_range_response_covers_a_status() {
    for status in ["'4XX'", "default"] {
        let text = patch(BASE, "        '401':\n", &format!("        {status}:\n"));
        let dir = TempDir::new("range");
        if let Err(e) = spec::load(&dir.write("api.yaml", &text)) {
            panic!("{status}: {e}");
        }
    }
}

#[test]
fn a_conflict_key_that_is_not_a_body_property_is_refused() {
    let text = patch(
        BASE,
        "      operationId: createThing\n",
        "      operationId: createThing\n      x-specgate-conflicts:\n        - code: E400\n          key: [name, colour]\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/paths/~1things/post/x-specgate-conflicts/0/key/1",
        Some(pos(&text, "colour")),
        &["conflict key `colour` is not a property of the request body"],
    );
}

#[test]
fn a_credential_with_an_unknown_key_is_refused() {
    let text = patch(
        BASE,
        "        codes: {empty: E401}\n",
        "        codes: {empty: E401}\n        colour: red\n",
    );
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/components/securitySchemes/key/x-specgate-credential/colour",
        Some(pos(&text, "colour")),
        &["malformed x-specgate-credential", "unknown field `colour`"],
    );
}

#[test]
fn a_credential_failure_that_is_not_a_kind_is_refused() {
    let text = patch(BASE, "{empty: E401}", "{empty: E401, stolen: E401}");
    let (_dir, path, err) = fail(&text);
    expect_only(
        &err,
        &path,
        "/components/securitySchemes/key/x-specgate-credential/codes/stolen",
        Some(pos(&text, "stolen")),
        &["unknown field `stolen`", "expired"],
    );
}

#[test]
fn unreachable_and_body_codes_must_be_in_the_catalog() {
    let text = patch(
        BASE,
        "        required: true\n",
        "        required: true\n        x-specgate-body: {not-an-object: E422}\n",
    );
    let text = patch(
        &text,
        "      operationId: createThing\n",
        "      operationId: createThing\n      x-specgate-unreachable:\n        E599: A server fault.\n",
    );
    let (_dir, path, err) = fail(&text);
    expect(
        &err,
        &path,
        "/paths/~1things/post/requestBody/x-specgate-body/not-an-object",
        Some(pos(&text, "not-an-object")),
        &["`E422` is not in the x-specgate-errors catalog"],
    );
    expect(
        &err,
        &path,
        "/paths/~1things/post/x-specgate-unreachable/E599",
        Some(pos(&text, "E599")),
        &["`E599` is not in the x-specgate-errors catalog"],
    );
    assert_eq!(err.diagnostics.len(), 2, "{err}");
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let mut text = patch(BASE, "{required: E400,", "{required: E404,");
    text = patch(&text, "maxLength: E400}", "maxLength: E400, pattern: E400}");
    text = patch(&text, "    schemes: [key]\n", "    schemes: [key, ghost]\n");
    text = patch(&text, "  fallback: E500\n", "  fallback: E400\n");
    text = patch(
        &text,
        "          format: byte\n",
        "          format: byte\n          x-specgate-foo: 1\n          x-specgate-file:\n            - {check: sparkle, code: E400}\n",
    );
    text = patch(
        &text,
        "        codes: {empty: E401}\n",
        "        codes: {empty: E401}\n        colour: red\n",
    );
    let (_dir, path, err) = fail(&text);
    let mut pointers: Vec<&str> = err.diagnostics.iter().map(|d| d.pointer.as_str()).collect();
    pointers.sort_unstable();
    let mut want = vec![
        format!("{NAME}/x-specgate-codes/required"),
        format!("{NAME}/x-specgate-codes/pattern"),
        "/x-specgate-auth/0/schemes/1".to_string(),
        "/x-specgate-errors/fallback".to_string(),
        format!("{DATA}/x-specgate-foo"),
        format!("{DATA}/x-specgate-file/0/check"),
        "/components/securitySchemes/key/x-specgate-credential/colour".to_string(),
    ];
    want.sort_unstable();
    assert_eq!(pointers, want, "{err}");
    for d in &err.diagnostics {
        assert_eq!(d.file, path);
        assert!(d.position.is_some(), "{d}");
    }
}

// --- Display ------------------------------------------------------------------

#[test]
fn display_reads_file_line_column_pointer_message() {
    let text = patch(BASE, "{required: E400,", "{required: E404,");
    let (_dir, path, err) = fail(&text);
    let d = &err.diagnostics[0];
    let (line, column) = pos(&text, "required: E404");
    assert_eq!(
        d.to_string(),
        format!(
            "{}:{line}:{column}: error at {NAME}/x-specgate-codes/required: error code `E404` is not in the x-specgate-errors catalog",
            path.display()
        )
    );
    // The LoadError shows every diagnostic, one a line.
    assert_eq!(err.to_string(), d.to_string());

    // The root pointer shows as `#`; a diagnostic without a position has no
    // line and column.
    let (_dir, path, err) = fail("");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: error at #: the document must be a mapping with an `openapi` field",
            path.display()
        )
    );

    let two = patch(&text, "  fallback: E500\n", "  fallback: E400\n");
    let (_dir, _path, err) = fail(&two);
    let lines: Vec<String> = err.to_string().lines().map(str::to_string).collect();
    let each: Vec<String> = err.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(lines, each);
    assert_eq!(lines.len(), 2);
}

#[test]
fn load_str_reads_text_and_resolves_files_beside_the_path() {
    let dir = TempDir::new("load-str");
    dir.write("other.yaml", OTHER);
    let text = format!("{PLAIN}        owner:\n          $ref: 'other.yaml#/Owner'\n");
    let api = spec::load_str(&dir.path().join("virtual.yaml"), &text).unwrap();
    assert!(api.types.iter().any(|t| t.origin == "other.yaml#/Owner"));
    let err = spec::load_str(Path::new("nowhere/virtual.yaml"), &text).unwrap_err();
    expect_only(
        &err,
        Path::new("nowhere/virtual.yaml"),
        "/components/schemas/Pet/properties/owner/$ref",
        Some(pos(&text, "$ref: 'other.yaml")),
        &["cannot read", "other.yaml"],
    );
}
