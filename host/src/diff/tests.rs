//! Unit tests of the diff's pure decisions (the round trips against
//! Postgres are in tests/diff.rs).

use super::*;

#[test]
fn versions_compare_numerically() {
    assert!(is_downgrade("1.4", "1.3"));
    assert!(is_downgrade("1.10", "1.9"));
    assert!(!is_downgrade("1.9", "1.10"));
    assert!(!is_downgrade("1.3", "1.3"));
    assert!(!is_downgrade("2.0beta", "1.0"), "unparseable versions are not judged");
}

#[test]
fn an_identical_schema_plans_nothing() {
    let schema = Schema {
        schemas: vec!["public".into()],
        ..Schema::default()
    };
    assert_eq!(diff(&schema, &schema).unwrap(), vec![]);
}

#[test]
fn unsupported_kinds_are_named_never_dropped() {
    let mut target = Schema::default();
    target.sequences.push(crate::schema::Sequence {
        name: crate::schema::Name::new("public", "counter"),
        data_type: "bigint".into(),
        start: 10,
        increment: 5,
        min: 1,
        max: i64::MAX,
        cache: 1,
        cycle: false,
        owned_by: None,
        identity: false,
    });
    let err = diff(&Schema::default(), &target).unwrap_err();
    assert!(
        err.to_string()
            .contains("sequence public.counter (bigint start 10 increment 5) would be created"),
        "{err}"
    );
}
