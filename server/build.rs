//! `sqlx::migrate!` embeds `../migrations` at compile time, but a proc macro cannot tell
//! Cargo which files it read: without this, a new migration is left out of an incremental
//! build (the sqlx documentation's `sqlx migrate build-script`).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
