//! Writes the generated seeds of every target into `<corpus>/<target>/` (default
//! `fuzz/corpus`), leaving inputs the fuzzer added in place. `make fuzz` runs it first.

fn main() -> std::io::Result<()> {
    let root = std::env::args_os()
        .nth(1)
        .map_or_else(|| "fuzz/corpus".into(), std::path::PathBuf::from);
    for (target, _) in binhe_fuzz::TARGETS {
        let folder = root.join(target);
        std::fs::create_dir_all(&folder)?;
        let seeds = binhe_fuzz::seeds::seeds(target);
        for (name, bytes) in &seeds {
            std::fs::write(folder.join(format!("seed-{name}")), bytes)?;
        }
        println!("{target}: {} seeds in {}", seeds.len(), folder.display());
    }
    Ok(())
}
