//! `sqlx::migrate!` reads the migration folders while compiling: a new or changed migration
//! must rebuild this crate even when no Rust file changed.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
