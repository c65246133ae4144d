//! Collations: created before the columns that use them, dropped after.

use super::{Phase, Plan, qualified};
use crate::actions::Action;
use crate::model::{CollationDef, CollationProvider};
use crate::schema::{Collation, Schema};

pub(super) fn diff(current: &Schema, target: &Schema, plan: &mut Plan, unsupported: &mut Vec<String>) {
    for wanted in &target.collations {
        match current.collations.iter().find(|c| c.name == wanted.name) {
            None => match definition(wanted) {
                Some(definition) => plan.push(
                    Phase::CreateTypes,
                    Action::CreateCollation {
                        name: qualified(&wanted.name),
                        definition,
                    },
                ),
                None => unsupported.push(format!(
                    "collation {} has provider {:?}, which CREATE COLLATION cannot name",
                    wanted.name, wanted.provider
                )),
            },
            Some(have) if have != wanted => unsupported.push(format!(
                "collation {} changes its definition (columns would have to be moved off it and back)",
                wanted.name
            )),
            Some(_) => {}
        }
    }
    for old in current
        .collations
        .iter()
        .filter(|c| !target.collations.iter().any(|t| t.name == c.name))
    {
        plan.push(
            Phase::DropTypes,
            Action::DropCollation {
                name: qualified(&old.name),
            },
        );
    }
}

fn definition(collation: &Collation) -> Option<CollationDef> {
    let provider = match collation.provider.as_str() {
        "c" => CollationProvider::Libc,
        "i" => CollationProvider::Icu,
        _ => return None,
    };
    Some(CollationDef {
        provider,
        locale: collation.locale.clone(),
        lc_ctype: (provider == CollationProvider::Libc && collation.lc_ctype != collation.locale)
            .then(|| collation.lc_ctype.clone()),
        deterministic: collation.deterministic,
    })
}
