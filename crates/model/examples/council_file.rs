//! Writes a council document of about the given number of operations to a file, as the
//! app saves one (`Gem som fil`), for the app's load benchmark.
//!
//! `cargo run -p landsbyplan-model --example council_file -- <ops> <path>`

#[path = "../benches/support/council.rs"]
mod council;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: council_file <ops> <path>";
    let ops: u64 = args.next().ok_or(usage)?.parse()?;
    let path = args.next().ok_or(usage)?;
    let mut space = council::council_with(ops);
    let bytes = space.export();
    std::fs::write(&path, &bytes)?;
    let (ops, changes) = space.size();
    println!(
        "{path}: {ops} operations in {changes} changes, {} bytes",
        bytes.len()
    );
    Ok(())
}
