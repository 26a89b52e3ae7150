//! Pure rules shared by the server and the wasm client: no I/O, no framework types.
//! Everything here is unit-tested without a database.

pub mod account;
pub mod answer;
pub mod case;
pub mod comment;
pub mod device;
pub mod duty;
pub mod exif;
pub mod geometry;
pub mod import;
pub mod inspection;
pub mod list_item;
pub mod mapping;
pub mod observation;
pub mod outbox;
pub mod photo_evidence;
pub mod photo_prep;
pub mod progress;
pub mod public_code;
pub mod questionnaire;
pub mod receipt;
pub mod record;
pub mod registry;
pub mod registry_edit;
pub mod replica;
pub mod role;
pub mod site_kind;
pub mod throttle;
pub mod topics;
pub mod verdict;

pub use account::{DisplayName, Password, Username};
pub use geometry::{GeometryError, LonLat, SiteGeometry};
pub use observation::{Observation, ObservationInput, ObservationKind, PhotoHash, PositionSource};
pub use public_code::PublicCode;
pub use role::Role;
pub use site_kind::SiteKind;
pub use verdict::Verdict;
