//! The problem and suggestion list: one item's life from the staff's draft to the verified
//! rectification — the closed loop. Who may take each step is decided here, not in the pages.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_REASON_CHARS: usize = 500;

macro_rules! str_enum {
    ($name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or(s)
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Problem,
    Suggestion,
}
str_enum!(ItemKind { Problem => "problem", Suggestion => "suggestion" });

/// Where an item came from (the report's look-back sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    DeputyInspection,
    PublicSurvey,
    SelfInspection,
    SpecialAudit,
}
str_enum!(Channel {
    DeputyInspection => "deputy_inspection",
    PublicSurvey => "public_survey",
    SelfInspection => "self_inspection",
    SpecialAudit => "special_audit",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Draft,
    Forwarded,
    Acknowledged,
    Answered,
    Closed,
}
str_enum!(ItemStatus {
    Draft => "draft",
    Forwarded => "forwarded",
    Acknowledged => "acknowledged",
    Answered => "answered",
    Closed => "closed",
});

impl ItemStatus {
    /// Waiting on the unit: the deadline applies.
    pub fn with_unit(self) -> bool {
        matches!(self, ItemStatus::Forwarded | ItemStatus::Acknowledged)
    }
}

/// The reporting deputy's view of the unit's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerRating {
    Satisfied,
    Basic,
    Dissatisfied,
}
str_enum!(AnswerRating {
    Satisfied => "satisfied",
    Basic => "basic",
    Dissatisfied => "dissatisfied",
});

/// Who is acting, as far as the item is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Staff,
    /// An officer of this unit.
    Officer(Uuid),
    /// A deputy; `reporter` says whether one of the item's observations is theirs.
    Deputy {
        reporter: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Forward { unit: Uuid, deadline: NaiveDate },
    Acknowledge,
    Answer { text: String },
    Verify,
    Reopen { reason: String },
    Reassign { unit: Uuid },
    Rate { rating: AnswerRating },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Forward { .. } => "forward",
            Action::Acknowledge => "acknowledge",
            Action::Answer { .. } => "answer",
            Action::Verify => "verify",
            Action::Reopen { .. } => "reopen",
            Action::Reassign { .. } => "reassign",
            Action::Rate { .. } => "rate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("this role may not {action} this item")]
    NotAllowed { action: &'static str },
    #[error("an item in state {from} cannot be {action}")]
    WrongState {
        from: &'static str,
        action: &'static str,
    },
    #[error("{0}")]
    Invalid(&'static str),
}

/// The facts of an item that decide what may happen to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub status: ItemStatus,
    pub unit: Option<Uuid>,
    pub rated: bool,
}

/// What an allowed step changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: ItemStatus,
    pub unit: Option<Uuid>,
}

/// The closed loop. Staff forward (with a unit and a deadline), reassign, verify and close, or
/// reopen with a reason (back to the unit); only the officer of the item's unit acknowledges and
/// answers; only a deputy whose observation the item came from rates the answer, once.
pub fn apply(
    item: ItemFacts,
    actor: Actor,
    action: &Action,
    today: NaiveDate,
) -> Result<Outcome, TransitionError> {
    use ItemStatus::*;
    let name = action.name();
    let not_allowed = Err(TransitionError::NotAllowed { action: name });
    let wrong = Err(TransitionError::WrongState {
        from: item.status.as_str(),
        action: name,
    });
    let stay = |status| {
        Ok(Outcome {
            status,
            unit: item.unit,
        })
    };
    match action {
        Action::Forward { unit, deadline } => {
            if actor != Actor::Staff {
                return not_allowed;
            }
            if item.status != Draft {
                return wrong;
            }
            if *deadline < today {
                return Err(TransitionError::Invalid("the deadline is in the past"));
            }
            Ok(Outcome {
                status: Forwarded,
                unit: Some(*unit),
            })
        }
        Action::Reassign { unit } => {
            if actor != Actor::Staff {
                return not_allowed;
            }
            if !item.status.with_unit() {
                return wrong;
            }
            if item.unit == Some(*unit) {
                return Err(TransitionError::Invalid(
                    "the item is with this unit already",
                ));
            }
            // A new unit starts from the beginning: it has not seen the item yet.
            Ok(Outcome {
                status: Forwarded,
                unit: Some(*unit),
            })
        }
        Action::Acknowledge | Action::Answer { .. } => {
            let is_officer = matches!(actor, Actor::Officer(u) if Some(u) == item.unit);
            if !is_officer {
                return not_allowed;
            }
            match (action, item.status) {
                (Action::Acknowledge, Forwarded) => stay(Acknowledged),
                (Action::Answer { text }, Forwarded | Acknowledged) => {
                    let n = text.trim().chars().count();
                    if n == 0 || n > MAX_TEXT_CHARS {
                        return Err(TransitionError::Invalid(
                            "write the rectification plan or result (at most 2000 characters)",
                        ));
                    }
                    stay(Answered)
                }
                _ => wrong,
            }
        }
        Action::Verify => {
            if actor != Actor::Staff {
                return not_allowed;
            }
            if item.status != Answered {
                return wrong;
            }
            stay(Closed)
        }
        Action::Reopen { reason } => {
            if actor != Actor::Staff {
                return not_allowed;
            }
            if !matches!(item.status, Answered | Closed) {
                return wrong;
            }
            let n = reason.trim().chars().count();
            if n == 0 || n > MAX_REASON_CHARS {
                return Err(TransitionError::Invalid(
                    "say why the item is reopened (at most 500 characters)",
                ));
            }
            stay(Forwarded)
        }
        Action::Rate { .. } => {
            if actor != (Actor::Deputy { reporter: true }) {
                return not_allowed;
            }
            if !matches!(item.status, Answered | Closed) {
                return wrong;
            }
            if item.rated {
                return Err(TransitionError::Invalid("the answer was rated already"));
            }
            stay(item.status)
        }
    }
}

/// Overdue: still with the unit after its deadline day.
pub fn is_overdue(status: ItemStatus, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    status.with_unit() && deadline.is_some_and(|d| today > d)
}

/// Who hears about a step, in the app. The actor never notifies themselves (the store leaves
/// them out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Audience {
    /// The officers of the unit the item is with after the step.
    pub unit_officers: bool,
    /// Staff: they wait for answers and for the reporters' ratings.
    pub staff: bool,
    /// The deputies whose observations the item came from: every change of state.
    pub reporters: bool,
}

pub fn audience(action: &Action, from: ItemStatus, to: ItemStatus) -> Audience {
    let state_changed = from != to || matches!(action, Action::Reassign { .. });
    match action {
        Action::Forward { .. } | Action::Reassign { .. } | Action::Reopen { .. } => Audience {
            unit_officers: true,
            staff: false,
            reporters: state_changed,
        },
        Action::Answer { .. } => Audience {
            unit_officers: false,
            staff: true,
            reporters: true,
        },
        Action::Rate { .. } => Audience {
            unit_officers: true,
            staff: true,
            reporters: false,
        },
        Action::Acknowledge | Action::Verify => Audience {
            unit_officers: matches!(action, Action::Verify),
            staff: false,
            reporters: state_changed,
        },
    }
}

/// An answer carries at most this many evidence photos.
pub const MAX_EVIDENCE_PHOTOS: usize = 6;

/// Items within this distance of a new one at another site are offered as possible duplicates.
pub const NEARBY_M: f64 = 200.0;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    const TODAY: &str = "2026-06-01";

    fn unit(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn facts(status: ItemStatus, u: Option<Uuid>) -> ItemFacts {
        ItemFacts {
            status,
            unit: u,
            rated: false,
        }
    }

    #[test]
    fn the_happy_path_closes_the_loop() {
        let today = d(TODAY);
        let u = unit(1);
        let mut f = facts(ItemStatus::Draft, None);
        let steps = [
            (
                Actor::Staff,
                Action::Forward {
                    unit: u,
                    deadline: d("2026-07-01"),
                },
                ItemStatus::Forwarded,
            ),
            (
                Actor::Officer(u),
                Action::Acknowledge,
                ItemStatus::Acknowledged,
            ),
            (
                Actor::Officer(u),
                Action::Answer {
                    text: "已加装扶手".into(),
                },
                ItemStatus::Answered,
            ),
            (
                Actor::Deputy { reporter: true },
                Action::Rate {
                    rating: AnswerRating::Basic,
                },
                ItemStatus::Answered,
            ),
            (Actor::Staff, Action::Verify, ItemStatus::Closed),
        ];
        for (actor, action, expect) in steps {
            let out = apply(f, actor, &action, today).unwrap();
            assert_eq!(out.status, expect, "{action:?}");
            f = ItemFacts {
                status: out.status,
                unit: out.unit,
                rated: f.rated || matches!(action, Action::Rate { .. }),
            };
        }
        assert_eq!(f.unit, Some(u));
    }

    #[test]
    fn only_the_right_people_act() {
        let today = d(TODAY);
        let (u, other) = (unit(1), unit(2));
        let fwd = facts(ItemStatus::Forwarded, Some(u));
        assert!(matches!(
            apply(fwd, Actor::Officer(other), &Action::Acknowledge, today),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert!(apply(fwd, Actor::Staff, &Action::Acknowledge, today).is_err());
        assert!(apply(
            fwd,
            Actor::Deputy { reporter: true },
            &Action::Acknowledge,
            today
        )
        .is_err());
        let ans = facts(ItemStatus::Answered, Some(u));
        assert!(apply(
            ans,
            Actor::Deputy { reporter: false },
            &Action::Rate {
                rating: AnswerRating::Satisfied
            },
            today
        )
        .is_err());
        assert!(apply(ans, Actor::Officer(u), &Action::Verify, today).is_err());
        let rated = ItemFacts { rated: true, ..ans };
        assert!(apply(
            rated,
            Actor::Deputy { reporter: true },
            &Action::Rate {
                rating: AnswerRating::Satisfied
            },
            today
        )
        .is_err());
    }

    #[test]
    fn reopen_and_reassign_send_the_item_back_to_a_unit() {
        let today = d(TODAY);
        let (u, other) = (unit(1), unit(2));
        let closed = facts(ItemStatus::Closed, Some(u));
        let out = apply(
            closed,
            Actor::Staff,
            &Action::Reopen {
                reason: "复查发现仍有积水".into(),
            },
            today,
        )
        .unwrap();
        assert_eq!((out.status, out.unit), (ItemStatus::Forwarded, Some(u)));
        assert!(apply(
            closed,
            Actor::Staff,
            &Action::Reopen { reason: " ".into() },
            today
        )
        .is_err());
        let ack = facts(ItemStatus::Acknowledged, Some(u));
        let out = apply(ack, Actor::Staff, &Action::Reassign { unit: other }, today).unwrap();
        assert_eq!((out.status, out.unit), (ItemStatus::Forwarded, Some(other)));
        assert!(apply(ack, Actor::Staff, &Action::Reassign { unit: u }, today).is_err());
        let past = Action::Forward {
            unit: u,
            deadline: d("2026-05-31"),
        };
        assert!(apply(facts(ItemStatus::Draft, None), Actor::Staff, &past, today).is_err());
    }

    #[test]
    fn overdue_is_derived_from_the_deadline() {
        let dl = Some(d("2026-06-30"));
        assert!(!is_overdue(ItemStatus::Forwarded, dl, d("2026-06-30")));
        assert!(is_overdue(ItemStatus::Forwarded, dl, d("2026-07-01")));
        assert!(is_overdue(ItemStatus::Acknowledged, dl, d("2026-07-01")));
        assert!(!is_overdue(ItemStatus::Answered, dl, d("2026-07-01")));
        assert!(!is_overdue(ItemStatus::Draft, None, d("2026-07-01")));
    }

    #[test]
    fn the_people_concerned_hear_of_each_step() {
        use ItemStatus::*;
        let fwd = Action::Forward {
            unit: unit(1),
            deadline: d(TODAY),
        };
        let a = audience(&fwd, Draft, Forwarded);
        assert!(a.unit_officers && a.reporters && !a.staff);
        let a = audience(&Action::Answer { text: "x".into() }, Acknowledged, Answered);
        assert!(a.staff && a.reporters && !a.unit_officers);
        let rate = Action::Rate {
            rating: AnswerRating::Dissatisfied,
        };
        let a = audience(&rate, Answered, Answered);
        assert!(a.staff && a.unit_officers && !a.reporters);
        let a = audience(&Action::Verify, Answered, Closed);
        assert!(a.reporters && a.unit_officers);
    }

    fn any_status() -> impl Strategy<Value = ItemStatus> {
        prop::sample::select(ItemStatus::ALL.to_vec())
    }
    fn any_actor() -> impl Strategy<Value = Actor> {
        prop_oneof![
            Just(Actor::Staff),
            (1u128..4).prop_map(|n| Actor::Officer(Uuid::from_u128(n))),
            any::<bool>().prop_map(|reporter| Actor::Deputy { reporter }),
        ]
    }
    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            ((1u128..4), 0i64..60).prop_map(|(n, days)| Action::Forward {
                unit: Uuid::from_u128(n),
                deadline: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap()
                    + chrono::Duration::days(days),
            }),
            Just(Action::Acknowledge),
            "[a-z ]{0,8}".prop_map(|text| Action::Answer { text }),
            Just(Action::Verify),
            "[a-z ]{0,8}".prop_map(|reason| Action::Reopen { reason }),
            (1u128..4).prop_map(|n| Action::Reassign {
                unit: Uuid::from_u128(n)
            }),
            prop::sample::select(AnswerRating::ALL.to_vec())
                .prop_map(|rating| Action::Rate { rating }),
        ]
    }

    proptest! {
        /// Whatever happens, in any order: an item with the unit has a unit, only staff close it
        /// and only from an answer (a deputy may still rate a closed item's answer), officers touch only their own unit's items, and deputies
        /// never change the state.
        #[test]
        fn no_sequence_of_actions_breaks_the_rules(
            steps in prop::collection::vec((any_actor(), any_action()), 0..40)
        ) {
            let today = d(TODAY);
            let mut f = facts(ItemStatus::Draft, None);
            for (actor, action) in steps {
                let before = f;
                if let Ok(out) = apply(f, actor, &action, today) {
                    if out.status == ItemStatus::Closed && before.status != ItemStatus::Closed {
                        prop_assert_eq!(before.status, ItemStatus::Answered);
                        prop_assert_eq!(actor, Actor::Staff);
                    }
                    if let Actor::Officer(u) = actor {
                        prop_assert_eq!(before.unit, Some(u));
                    }
                    if matches!(actor, Actor::Deputy { .. }) {
                        prop_assert_eq!(out.status, before.status);
                    }
                    f = ItemFacts {
                        status: out.status,
                        unit: out.unit,
                        rated: before.rated || matches!(action, Action::Rate { .. }),
                    };
                }
                prop_assert!(f.status == ItemStatus::Draft || f.unit.is_some());
                prop_assert!(f.status != ItemStatus::Draft || f.unit.is_none());
            }
        }

        /// Every (state, actor, action) is decided without panicking, and a refusal changes nothing
        /// because `apply` only computes.
        #[test]
        fn every_combination_is_decided(s in any_status(), a in any_actor(), act in any_action(), has_unit in any::<bool>()) {
            let f = facts(s, (has_unit || s != ItemStatus::Draft).then(|| Uuid::from_u128(1)));
            let _ = apply(f, a, &act, d(TODAY));
        }
    }
}
