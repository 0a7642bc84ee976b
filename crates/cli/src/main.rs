//! The `sasd` command-line program (stub until the CLI issue lands).

fn main() {
    let usage = "usage: sasd <command>\n\n\
        The command-line program is not written yet: the toolkit is used as a\n\
        library for now (crates manifold, optim, sasd). See README.md.";
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        None | Some("-h") | Some("--help") | Some("help") => println!("{usage}"),
        Some(other) => {
            eprintln!("sasd: unknown command '{other}'\n\n{usage}");
            std::process::exit(2);
        }
    }
}
