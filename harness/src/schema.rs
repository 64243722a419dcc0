//! JSON Schemas of tonebench's file formats, derived from the types that read and write them
//! (schemars): report.json from the core's report model, and suite.toml, model specs, gate files
//! and conditions files from the manifests `input` and `infer` parse, so TOML and JSON editors
//! can validate them. Committed under docs/schemas/; tests/schemas.rs keeps them current
//! (`UPDATE_SCHEMAS=1` rewrites them) and validates every report the tests write.

use serde_json::Value;

/// A schema file of docs/schemas/ and its content.
pub struct SchemaFile {
    pub file: &'static str,
    pub schema: Value,
}

fn schema<T: schemars::JsonSchema>(id: &str, title: &str) -> Value {
    let mut v = schemars::schema_for!(T).to_value();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "$id".into(),
            Value::String(format!("https://tonebench.dev/schemas/{id}")),
        );
        o.insert("title".into(), Value::String(title.into()));
    }
    v
}

/// Every schema, in a fixed order.
pub fn all() -> Vec<SchemaFile> {
    vec![
        SchemaFile {
            file: "report.schema.json",
            schema: schema::<tonebench_core::report::Report>(
                "report.schema.json",
                &format!("tonebench {}, schema version 1", crate::store::REPORT_JSON),
            ),
        },
        SchemaFile {
            file: "suite.schema.json",
            schema: schema::<crate::input::suite::SuiteManifest>(
                "suite.schema.json",
                "tonebench suite.toml, format version 1",
            ),
        },
        SchemaFile {
            file: "model.schema.json",
            schema: schema::<crate::infer::spec::ModelSpec>(
                "model.schema.json",
                "tonebench model spec (model.toml), version 1",
            ),
        },
        SchemaFile {
            file: "gates.schema.json",
            schema: schema::<crate::input::gate_file::GateFile>(
                "gates.schema.json",
                "tonebench gate file, format version 1",
            ),
        },
        SchemaFile {
            file: "conditions.schema.json",
            schema: schema::<crate::input::conditions::ConditionsFile>(
                "conditions.schema.json",
                "tonebench conditions file, format version 1",
            ),
        },
    ]
}

/// A schema as committed: pretty JSON with a trailing newline.
pub fn to_bytes(schema: &Value) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(schema).expect("a schema serializes");
    b.push(b'\n');
    b
}
