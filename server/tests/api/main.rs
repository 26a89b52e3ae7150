//! Black-box tests of the server over real HTTP against a real PostgreSQL.

mod accounts;
mod catalogue;
mod closed_loop;
mod device_answers;
mod common;
mod demo_data;
mod field;
mod items;
mod public;
mod roles;
mod security;
