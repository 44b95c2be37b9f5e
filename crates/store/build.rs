// `sqlx::migrate!` embeds the migrations at compile time; without this a new migration file
// would not rebuild the crate and an old binary would open databases with the old schema.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
