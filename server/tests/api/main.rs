//! Black-box tests of the server over real HTTP against a real PostgreSQL.

mod accounts;
mod catalogue;
mod closed_loop;
mod common;
mod demo_data;
mod device_answers;
mod devices;
mod field;
mod first_run;
mod hardening;
mod islands;
mod items;
mod map_totals;
mod media_s3;
mod photo_evidence;
mod progress;
mod progress_outbox;
mod public;
mod public_plan;
mod rates;
mod receipts;
mod registry;
mod registry_edit;
mod roles;
mod security;
mod trail;
