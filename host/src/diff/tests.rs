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
fn unsupported_changes_are_named_never_dropped() {
    let collation = |locale: &str| crate::schema::Collation {
        name: crate::schema::Name::new("public", "c"),
        provider: "i".into(),
        locale: locale.into(),
        lc_ctype: String::new(),
        deterministic: true,
    };
    let (mut current, mut target) = (Schema::default(), Schema::default());
    current.collations.push(collation("de"));
    target.collations.push(collation("fr"));
    let err = diff(&current, &target).unwrap_err();
    assert!(
        err.to_string().contains("collation public.c changes its definition"),
        "{err}"
    );
}

#[test]
fn a_new_sequence_is_created_with_every_setting() {
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
    let actions = diff(&Schema::default(), &target).unwrap();
    let [Action::CreateSequence { name, options }] = actions.as_slice() else {
        panic!("{actions:?}");
    };
    assert_eq!(name.name, "counter");
    assert_eq!(
        (options.start, options.increment, options.cycle),
        (Some(10), Some(5), Some(false))
    );
}

#[test]
fn domains_and_other_unmanaged_types_are_reported() {
    let domain = (crate::schema::Name::new("public", "email"), "domain text".to_owned());
    let target = Schema {
        other_types: vec![domain],
        ..Schema::default()
    };
    let err = diff(&Schema::default(), &target).unwrap_err();
    assert!(
        err.to_string().contains("domain text public.email would be created"),
        "{err}"
    );
    let err = diff(&target, &Schema::default()).unwrap_err();
    assert!(err.to_string().contains("public.email would be dropped"), "{err}");
}

pub(super) fn table(name: &str) -> crate::schema::Table {
    crate::schema::Table {
        name: crate::schema::Name::new("public", name),
        unlogged: false,
        partition_key: None,
        partition_bound: None,
        inherits: None,
        parents: 0,
        row_security: false,
        force_row_security: false,
        options: vec![],
        replica_identity: crate::schema::ReplicaIdentity::Default,
        columns: vec![],
        constraints: vec![],
    }
}

#[test]
fn partitioning_changes_recreate_the_table_and_what_hangs_off_it() {
    let plain = Schema {
        tables: vec![table("t")],
        indexes: vec![crate::schema::Index {
            name: crate::schema::Name::new("public", "t_x"),
            table: crate::schema::Name::new("public", "t"),
            definition: "CREATE INDEX t_x ON public.t USING btree (x)".into(),
            unique: false,
            method: "btree".into(),
            predicate: None,
            simple_columns: Some(vec!["x".into()]),
            parent: None,
        }],
        ..Schema::default()
    };
    let index_needs_column = crate::model::Dependency {
        dependent: crate::model::Object::Index(crate::schema::Name::new("public", "t_x")),
        referenced: crate::model::Object::Column(crate::schema::Name::new("public", "t"), "x".into()),
    };
    let plain = Schema {
        dependencies: vec![index_needs_column],
        ..plain
    };
    let mut partitioned = plain.clone();
    partitioned.tables[0].partition_key = Some("RANGE (x)".into());
    let mut rekeyed = partitioned.clone();
    rekeyed.tables[0].partition_key = Some("LIST (y)".into());
    for (from, to) in [(&plain, &partitioned), (&partitioned, &plain), (&partitioned, &rekeyed)] {
        let steps: Vec<String> = diff(from, to).unwrap().iter().map(|a| a.describe()).collect();
        assert_eq!(
            steps,
            // The index goes with the table and comes back after it.
            ["drop-table public.t", "add-table public.t", "add-index t_x on public.t"],
            "{from:?}"
        );
    }

    let mut two_parents = Schema::default();
    two_parents.tables.push(crate::schema::Table {
        inherits: Some(crate::schema::Name::new("public", "a")),
        parents: 2,
        ..table("c")
    });
    let err = diff(&Schema::default(), &two_parents).unwrap_err().to_string();
    assert!(err.contains("inherits from 2 tables"), "{err}");
}
