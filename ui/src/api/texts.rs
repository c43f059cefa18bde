//! The contract's texts in the UI's language: what the server sends in both languages, and the
//! labels the domain's enums carry ([`binhe_core::label::Labelled`]).

use binhe_api::Problem;
use binhe_api::auth::Account;
use binhe_api::tickets::{CatalogueView, EventView, Labelled, TicketView};
use binhe_core::label::Labelled as LabelledValue;
use binhe_core::ticket::TicketState;

use crate::i18n::Lang;

/// A domain value's name (and short form) in `lang`.
pub trait Named: LabelledValue {
    fn name(self, lang: Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }

    /// The short form, for chips and narrow columns.
    fn short(self, lang: Lang) -> &'static str {
        lang.pick(self.short_zh(), self.short_en())
    }
}

impl<T: LabelledValue> Named for T {}

/// A coded choice's label, as the server sent it.
pub fn label<T>(labelled: &Labelled<T>, lang: Lang) -> &str {
    lang.pick(&labelled.label_zh, &labelled.label_en)
}

/// What is wrong, in `lang`.
pub fn problem(problem: &Problem, lang: Lang) -> &str {
    lang.pick(problem.message_zh(), problem.message_en())
}

/// An event's line for the timeline.
pub fn summary(event: &EventView, lang: Lang) -> &str {
    lang.pick(&event.summary_zh, &event.summary_en)
}

/// A ticket's names in `lang`.
pub trait TicketNames {
    fn category_name(&self, lang: Lang) -> &str;
    fn state_name(&self, lang: Lang) -> &str;
    fn channel_name(&self, lang: Lang) -> &str;
}

impl TicketNames for TicketView {
    fn category_name(&self, lang: Lang) -> &str {
        lang.pick(&self.category_zh, &self.category_en)
    }

    fn state_name(&self, lang: Lang) -> &str {
        lang.pick(&self.state_zh, &self.state_en)
    }

    fn channel_name(&self, lang: Lang) -> &str {
        lang.pick(&self.channel_zh, &self.channel_en)
    }
}

/// Display name of a state, as the catalogue labels it (its code's label where the catalogue
/// lacks it).
pub fn state_label(catalogue: &CatalogueView, state: TicketState, lang: Lang) -> &str {
    catalogue
        .states
        .iter()
        .find(|s| s.code == state)
        .map_or_else(|| state.name(lang), |s| label(s, lang))
}

/// An account's role in `lang`: the server's Chinese name, the role's English one.
pub fn role_name(account: &Account, lang: Lang) -> &str {
    match lang {
        Lang::Zh if !account.role_zh.is_empty() => &account.role_zh,
        _ => account.role.name(lang),
    }
}

#[cfg(test)]
mod tests {
    use binhe_core::access::Role;
    use binhe_core::ticket::Channel;

    use super::*;

    #[test]
    fn a_domain_value_is_named_in_either_language_and_shortened_where_it_has_a_short_form() {
        assert_eq!(Channel::Patrol.name(Lang::Zh), "网格巡查");
        assert_eq!(Channel::Patrol.short(Lang::Zh), "巡查");
        assert_eq!(Channel::Patrol.short(Lang::En), "Patrol");
        assert_eq!(Role::Commander.name(Lang::En), "Community commander");
        assert_eq!(Role::Commander.short(Lang::Zh), "社区指挥");
    }

    #[test]
    fn a_commanders_role_reads_as_the_server_names_it() {
        let account = Account {
            login: "jinhai-cmd".into(),
            name: "王磊".into(),
            role: Role::Commander,
            role_zh: "社区指挥".into(),
            community: None,
            community_name: None,
            worker_id: None,
            disabled: false,
        };
        assert_eq!(role_name(&account, Lang::Zh), "社区指挥");
        assert_eq!(role_name(&account, Lang::En), "Community commander");
    }
}
